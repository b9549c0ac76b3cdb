/**
 * `npm run conformance`: runs the official MCP conformance suite's client scenarios
 * against Patchbay's session layer (scripts/conformance/client.ts), one scenario at a
 * time at every spec revision it applies to, a few at once. Prints one line per run
 * and a last line `N passed, M failed`; exits 1 when any run failed.
 *
 * Options:
 *   --auth                 also run the authorization scenarios (auth/*)
 *   --scenario <name>      run only this scenario (repeatable)
 *   --spec-version <rev>   run only at this revision (repeatable)
 *   --concurrency <n>      runs at once (default 2)
 *   --keep                 keep the result directory even when everything passed
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type ScenarioRun, selectRuns } from './conformance/scenarios.ts';
import { countChecks, isPass, type ListedScenario, listClientScenarios, listSpecVersions, runClientScenario, type ScenarioRunOutcome } from './conformance/suite.ts';

const CLIENT_COMMAND = 'node scripts/conformance/client.ts';
const CLIENT_TIMEOUT_MS = 30_000;

interface RunResult {
  run: ScenarioRun;
  outcome: ScenarioRunOutcome;
  passed: boolean;
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      auth: { type: 'boolean', default: false },
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
  const listings = new Map<string, ListedScenario[]>(await Promise.all(specVersions.map(async (v) => [v, await listClientScenarios(cwd, v)] as const)));

  const listed = new Set([...listings.values()].flat().map((s) => s.name));
  const unlisted = values.scenario.filter((name) => !listed.has(name));
  if (unlisted.length > 0) throw new Error(`The suite lists no client scenario named ${unlisted.join(', ')} at ${specVersions.join(', ')}.`);
  const runs = selectRuns(listings, { auth: values.auth, only: values.scenario });
  if (runs.length === 0) throw new Error('No scenario is in scope (authorization scenarios need --auth).');

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
    const result = { run, outcome, passed: isPass(outcome) };
    console.log(formatLine(result));
    return result;
  });

  const failures = results.filter((r) => !r.passed);
  for (const failure of failures) console.log(formatFailure(failure));
  if (failures.length > 0 || values.keep) console.log(`results: ${outputRoot}`);
  else await rm(outputRoot, { recursive: true, force: true });
  console.log(`time: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  console.log(`${results.length - failures.length} passed, ${failures.length} failed`);
  return failures.length > 0 ? 1 : 0;
}

function formatLine({ run, outcome, passed }: RunResult): string {
  const counts = outcome.checks ? countChecks(outcome.checks) : undefined;
  const checks = counts ? `${counts.passed} passed, ${counts.failed} failed, ${counts.warnings} warnings` : 'no checks recorded';
  const seconds = `${(outcome.durationMs / 1000).toFixed(1)} s`;
  return `${passed ? 'PASS' : 'FAIL'}  ${`${run.scenario} @${run.specVersion}`.padEnd(52)} ${checks.padEnd(40)} ${seconds}`;
}

/** What to read first when a run fails: the failing checks, then the client's own words. */
function formatFailure({ run, outcome }: RunResult): string {
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
