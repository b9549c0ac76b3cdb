/**
 * `npm run conformance`: runs the official MCP conformance suite's client scenarios
 * against Patchbay (scripts/conformance/client.ts: the session layer, and for the
 * authorization scenarios Patchbay's own sign-in through the hub), one scenario at a
 * time at every spec revision it applies to, plus the extension scenarios Patchbay
 * claims, a few at once. Prints one line per run and a last line `N passed, M failed`;
 * exits 1 when any run failed that expected-failures.yml does not list, or when a
 * listed one passed (the list is stale).
 *
 * Then the server scenarios Patchbay's gateway passes in front of server-everything
 * (scripts/conformance/gateway-scenarios.ts, which also says why the others cannot).
 *
 * Options:
 *   --no-auth              leave out the authorization scenarios (auth/*)
 *   --no-gateway           leave out the gateway's server scenarios
 *   --scenario <name>      run only this scenario (repeatable)
 *   --spec-version <rev>   run only at this revision (repeatable)
 *   --concurrency <n>      runs at once (default 2)
 *   --keep                 keep the result directory even when everything passed
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CLAIMED_EXTENSIONS, isExpectedFailure, parseExpectedFailures, type ScenarioRun, selectRuns } from './conformance/scenarios.ts';
import {
  countChecks,
  isPass,
  type ListedScenario,
  listClientScenarios,
  listExtensionScenarios,
  listSpecVersions,
  runClientScenario,
  runServerScenario,
  type ScenarioRunOutcome,
} from './conformance/suite.ts';
import { GATEWAY_ENDPOINT, GATEWAY_SCENARIOS } from './conformance/gateway-scenarios.ts';
import { startGatewayTarget } from './conformance/gateway-target.ts';

const CLIENT_COMMAND = 'node scripts/conformance/client.ts';
const CLIENT_TIMEOUT_MS = 30_000;

const EXPECTED_FAILURES = new URL('./conformance/expected-failures.yml', import.meta.url);

interface RunResult {
  run: ScenarioRun;
  outcome: ScenarioRunOutcome;
  passed: boolean;
  /** Listed in expected-failures.yml. */
  expected: boolean;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    allowNegative: true,
    options: {
      auth: { type: 'boolean', default: true },
      gateway: { type: 'boolean', default: true },
      scenario: { type: 'string', multiple: true, default: [] },
      'spec-version': { type: 'string', multiple: true, default: [] },
      concurrency: { type: 'string', default: String(Math.min(2, availableParallelism())) },
      keep: { type: 'boolean', default: false },
    },
  });
  const cwd = fileURLToPath(new URL('..', import.meta.url));
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer, got "${values.concurrency}".`);

  const started = performance.now();
  const known = await listSpecVersions(cwd);
  const unknown = values['spec-version'].filter((v) => !known.includes(v));
  if (unknown.length > 0) throw new Error(`Unknown --spec-version ${unknown.join(', ')}; the suite has ${known.join(', ')}.`);
  const specVersions = values['spec-version'].length > 0 ? values['spec-version'] : known;
  const [listings, extensions] = await Promise.all([
    Promise.all(specVersions.map(async (v) => [v, await listClientScenarios(cwd, v)] as const)).then((entries) => new Map<string, ListedScenario[]>(entries)),
    Promise.all(specVersions.map(async (v) => [v, await listExtensionScenarios(cwd, v)] as const)).then((entries) => new Map<string, string[]>(entries)),
  ]);
  const unclaimable = CLAIMED_EXTENSIONS.filter((name) => ![...extensions.values()].some((names) => names.includes(name)));
  if (unclaimable.length > 0) throw new Error(`The suite no longer lists the extension scenario ${unclaimable.join(', ')}; update CLAIMED_EXTENSIONS.`);

  const listed = new Set([...[...listings.values()].flat().map((s) => s.name), ...CLAIMED_EXTENSIONS]);
  const unlisted = values.scenario.filter((name) => !listed.has(name));
  if (unlisted.length > 0) throw new Error(`The suite lists no client scenario named ${unlisted.join(', ')} at ${specVersions.join(', ')}.`);
  const runs = selectRuns(listings, { auth: values.auth, only: values.scenario }, extensions);
  if (runs.length === 0) throw new Error('No scenario is in scope (authorization scenarios are left out by --no-auth).');
  const expectedFailures = parseExpectedFailures(await readFile(EXPECTED_FAILURES, 'utf8'));

  const outputRoot = await mkdtemp(join(tmpdir(), 'patchbay-conformance-'));
  console.log(`conformance: ${runs.length} client scenario runs at ${specVersions.join(', ')}, ${concurrency} at a time`);
  const results = await mapWithConcurrency(runs, concurrency, async (run, index): Promise<RunResult> => {
    const outcome = await runClientScenario({
      ...run,
      command: CLIENT_COMMAND,
      outputDir: join(outputRoot, String(index)),
      cwd,
      clientTimeoutMs: CLIENT_TIMEOUT_MS,
    });
    const result = { run, outcome, passed: isPass(outcome), expected: isExpectedFailure(expectedFailures, run) };
    console.log(formatLine(result));
    return result;
  });

  if (values.gateway && values.scenario.length === 0) {
    const target = await startGatewayTarget();
    try {
      const serverRuns = GATEWAY_SCENARIOS.filter((r) => specVersions.includes(r.specVersion));
      console.log(`conformance: ${serverRuns.length} server scenario runs against the gateway fronting server-everything`);
      for (const [i, run] of serverRuns.entries()) {
        const outcome = await runServerScenario({ ...run, url: target.url(GATEWAY_ENDPOINT), outputDir: join(outputRoot, `gateway-${i}`), cwd, timeoutMs: CLIENT_TIMEOUT_MS });
        const result = { run: { ...run, scenario: `gateway:${run.scenario}` }, outcome, passed: isPass(outcome), expected: false };
        console.log(formatLine(result));
        results.push(result);
      }
    } finally {
      await target.close();
    }
  }

  // A listed failure is expected; a listed scenario that passes means the list is stale.
  const failures = results.filter((r) => r.passed === r.expected);
  const expectedFailed = results.filter((r) => r.expected && !r.passed);
  for (const failure of failures) console.log(formatFailure(failure));
  if (failures.length > 0 || values.keep) console.log(`results: ${outputRoot}`);
  else await rm(outputRoot, { recursive: true, force: true });
  console.log(`time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  if (expectedFailed.length > 0) console.log(`expected failures (expected-failures.yml): ${expectedFailed.map((r) => `${r.run.scenario} @${r.run.specVersion}`).join(', ')}`);
  console.log(`${results.filter((r) => r.passed && !r.expected).length} passed, ${failures.length} failed`);
  return failures.length > 0 ? 1 : 0;
}

function formatLine({ run, outcome, passed, expected }: RunResult): string {
  const counts = outcome.checks ? countChecks(outcome.checks) : undefined;
  const checks = counts ? `${counts.passed} passed, ${counts.failed} failed, ${counts.warnings} warnings` : 'no checks recorded';
  const seconds = `${(outcome.durationMs / 1000).toFixed(1)} s`;
  const verdict = expected ? (passed ? 'XPASS' : 'XFAIL') : passed ? 'PASS' : 'FAIL';
  return `${verdict.padEnd(5)} ${`${run.scenario} @${run.specVersion}`.padEnd(52)} ${checks.padEnd(40)} ${seconds}`;
}

/** What to read first when a run fails: the failing checks, then the client's own words. */
function formatFailure({ run, outcome, expected }: RunResult): string {
  if (expected) return `\n--- ${run.scenario} @${run.specVersion} passed but expected-failures.yml lists it: remove it from the list.`;
  const lines = [`\n--- ${run.scenario} @${run.specVersion}: suite exit code ${outcome.exitCode}`];
  for (const check of outcome.checks ?? []) {
    if (check.status === 'FAILURE' || check.status === 'WARNING') lines.push(`  ${check.status} ${check.id}: ${check.errorMessage ?? check.description}`);
  }
  const clientText = outcome.clientStderr.trim() || outcome.output.trim();
  if (clientText) lines.push(...clientText.split('\n').slice(-20).map((l) => `  | ${l}`));
  return lines.join('\n');
}

async function mapWithConcurrency<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`conformance: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
