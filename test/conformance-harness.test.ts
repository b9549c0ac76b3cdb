import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { selectRuns } from '../scripts/conformance/scenarios.ts';
import { type Check, countChecks, isPass, listClientScenarios, parseScenarioList, parseSpecVersions } from '../scripts/conformance/suite.ts';

const LISTING = `Client scenarios (test against a client):
  - initialize [2025-06-18,2025-11-25]
  - tools_call [2025-06-18,2025-11-25,2026-07-28]
  - auth/metadata-default [2025-11-25,2026-07-28]
  - request-metadata [2026-07-28]
  - plain-name
`;

const HELP = `Usage: conformance list [options]

List available test scenarios. Requirement sets available: 2025-11-25,
2026-07-28

Options:
  --client                   List client scenarios
`;

function check(status: Check['status']): Check {
  return { id: 'x', name: 'X', description: 'x', status };
}

describe('conformance harness', () => {
  it('parses scenario names and their revision tags from `conformance list`', () => {
    assert.deepEqual(parseScenarioList(LISTING), [
      { name: 'initialize', tags: ['2025-06-18', '2025-11-25'] },
      { name: 'tools_call', tags: ['2025-06-18', '2025-11-25', '2026-07-28'] },
      { name: 'auth/metadata-default', tags: ['2025-11-25', '2026-07-28'] },
      { name: 'request-metadata', tags: ['2026-07-28'] },
      { name: 'plain-name', tags: [] },
    ]);
    assert.throws(() => parseScenarioList('Client scenarios (test against a client):\n'), /no scenarios/);
  });

  it('reads the requirement-set revisions even when the help text wraps them', () => {
    assert.deepEqual(parseSpecVersions(HELP), ['2025-11-25', '2026-07-28']);
    assert.throws(() => parseSpecVersions('Usage: conformance list'), /no requirement sets/);
  });

  it('runs a scenario once per revision and leaves authorization out unless asked', () => {
    const scenarios = parseScenarioList(LISTING);
    const listings = new Map([
      ['2025-11-25', scenarios.filter((s) => s.tags.includes('2025-11-25'))],
      ['2026-07-28', scenarios.filter((s) => s.tags.includes('2026-07-28'))],
    ]);
    assert.deepEqual(selectRuns(listings, { auth: false, only: [] }), [
      { scenario: 'initialize', specVersion: '2025-11-25' },
      { scenario: 'tools_call', specVersion: '2025-11-25' },
      { scenario: 'tools_call', specVersion: '2026-07-28' },
      { scenario: 'request-metadata', specVersion: '2026-07-28' },
    ]);
    assert.deepEqual(selectRuns(listings, { auth: true, only: ['auth/metadata-default'] }), [
      { scenario: 'auth/metadata-default', specVersion: '2025-11-25' },
      { scenario: 'auth/metadata-default', specVersion: '2026-07-28' },
    ]);
  });

  it('passes a run only when the suite exited 0 and recorded a passing check', () => {
    assert.deepEqual(countChecks([check('SUCCESS'), check('FAILURE'), check('WARNING'), check('INFO'), check('SKIPPED')]), { passed: 1, failed: 1, warnings: 1 });
    assert.equal(isPass({ exitCode: 0, checks: [check('SUCCESS'), check('INFO')] }), true);
    // A client that crashed before connecting leaves no checks: not a pass.
    assert.equal(isPass({ exitCode: 0, checks: [] }), false);
    assert.equal(isPass({ exitCode: 0, checks: null }), false);
    assert.equal(isPass({ exitCode: 1, checks: [check('SUCCESS')] }), false);
    assert.equal(isPass({ exitCode: 0, checks: [check('SUCCESS'), check('WARNING')] }), false);
  });

  it('parses the installed suite’s own listing', async () => {
    const cwd = fileURLToPath(new URL('..', import.meta.url));
    const scenarios = await listClientScenarios(cwd, '2026-07-28');
    const names = scenarios.map((s) => s.name);
    assert.ok(names.includes('tools_call') && names.includes('request-metadata'), names.join(', '));
    assert.ok(names.some((name) => name.startsWith('auth/')));
  });
});
