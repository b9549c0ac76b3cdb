import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { isExpectedFailure, parseExpectedFailures, selectRuns } from '../scripts/conformance/scenarios.ts';
import {
  type Check,
  countChecks,
  isPass,
  listClientScenarios,
  listExtensionScenarios,
  parseExtensionScenarios,
  parseScenarioList,
  parseSpecVersions,
} from '../scripts/conformance/suite.ts';

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

const REQUIREMENTS = `Client scenarios (test against a client):
  - tools_call
  - auth/metadata-default

Run and reported, but never scored:
  extension (3):
    - auth/client-credentials-jwt [client]
    - auth/client-credentials-basic [client]
    - tasks-lifecycle [server]
  added-after-release (1):
    - json-schema-2020-12-preservation [client]
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

  it('reads the client extension scenarios of a requirement set, not its other sections', () => {
    assert.deepEqual(parseExtensionScenarios(REQUIREMENTS), ['auth/client-credentials-jwt', 'auth/client-credentials-basic']);
  });

  it('runs the claimed extensions the suite lists, forced, at each revision', () => {
    const listings = new Map([['2026-07-28', parseScenarioList(LISTING).filter((s) => s.name === 'tools_call')]]);
    const extensions = new Map([['2026-07-28', ['auth/client-credentials-basic', 'auth/dpop']]]);
    assert.deepEqual(selectRuns(listings, { auth: true, only: [] }, extensions), [
      { scenario: 'tools_call', specVersion: '2026-07-28' },
      { scenario: 'auth/client-credentials-basic', specVersion: '2026-07-28', force: true },
    ]);
    assert.deepEqual(selectRuns(listings, { auth: false, only: [] }, extensions), [{ scenario: 'tools_call', specVersion: '2026-07-28' }]);
  });

  it('reads expected failures by scenario or scenario@revision, and refuses another shape', () => {
    const expected = parseExpectedFailures('# why\nclient:\n  - auth/dpop  # needs DPoP\n  - "auth/iss-normalized@2026-07-28"\nserver: []\n');
    assert.deepEqual([...expected], ['auth/dpop', 'auth/iss-normalized@2026-07-28']);
    assert.equal(isExpectedFailure(expected, { scenario: 'auth/dpop', specVersion: '2025-11-25' }), true);
    assert.equal(isExpectedFailure(expected, { scenario: 'auth/iss-normalized', specVersion: '2026-07-28' }), true);
    assert.equal(isExpectedFailure(expected, { scenario: 'auth/iss-normalized', specVersion: '2025-11-25' }), false);
    assert.deepEqual([...parseExpectedFailures('client: []\n')], []);
    assert.throws(() => parseExpectedFailures('client:\n- auth/dpop\n'), /line 2/);
    assert.throws(() => parseExpectedFailures('server:\n  - auth/dpop\n'), /line 2/, 'a client scenario listed under server would expect nothing');
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
    assert.ok((await listExtensionScenarios(cwd, '2026-07-28')).includes('auth/client-credentials-basic'));
  });
});
