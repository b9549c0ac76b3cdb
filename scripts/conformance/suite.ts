/**
 * A thin wrapper around the `conformance` command of @modelcontextprotocol/conformance
 * (the version pinned in package.json): what it lists, running one client scenario at
 * one spec revision, and reading the `checks.json` it writes. Parsing is split from
 * I/O so the parsers are tested on canned output.
 *
 * @see https://github.com/modelcontextprotocol/conformance
 */
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface ListedScenario {
  name: string;
  /** The bracketed tags after the name: spec revisions, or `extension`. */
  tags: string[];
}

export type CheckStatus = 'SUCCESS' | 'FAILURE' | 'WARNING' | 'SKIPPED' | 'INFO';

export interface Check {
  id: string;
  name: string;
  description: string;
  status: CheckStatus;
  errorMessage?: string;
}

export interface CheckCounts {
  passed: number;
  failed: number;
  warnings: number;
}

export interface ScenarioRunOptions {
  scenario: string;
  specVersion: string;
  /** Run it at `specVersion` although it is not on that revision's timeline (extension scenarios). */
  force?: boolean;
  /** The client command; the suite appends the scenario server's URL to it. */
  command: string;
  /** A directory of its own: exactly one result tree is written under it. */
  outputDir: string;
  cwd: string;
  /** How long the client under test may run, in ms (the suite's --timeout). */
  clientTimeoutMs: number;
}

export interface ScenarioRunOutcome {
  exitCode: number | null;
  /** The suite's own report (it writes check lines and the client's output to stderr). */
  output: string;
  /** Null when the suite wrote no checks.json (it crashed, or the scenario was skipped). */
  checks: Check[] | null;
  /** The client's stderr as the suite saved it. */
  clientStderr: string;
  durationMs: number;
}

const require = createRequire(import.meta.url);

/** The suite's entry script, resolved from the installed package. */
export function resolveSuiteBin(): string {
  const packageJson = require.resolve('@modelcontextprotocol/conformance/package.json');
  const { bin } = require(packageJson) as { bin: string | Record<string, string> };
  return join(dirname(packageJson), typeof bin === 'string' ? bin : bin.conformance);
}

/** Runs the suite with `args` and collects its stdout and stderr together. */
export function runSuite(args: string[], options: { cwd: string; killAfterMs?: number }): Promise<{ exitCode: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [resolveSuiteBin(), ...args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    // The suite bounds the client with --timeout; this bounds the suite itself, should a scenario server hang.
    const timer = options.killAfterMs ? setTimeout(() => child.kill('SIGKILL'), options.killAfterMs) : undefined;
    child.once('error', reject);
    child.once('close', (exitCode) => {
      clearTimeout(timer);
      resolve({ exitCode, output: Buffer.concat(chunks).toString('utf8') });
    });
  });
}

/** The spec revisions the suite has frozen requirement sets for, from `conformance list --help`. */
export async function listSpecVersions(cwd: string): Promise<string[]> {
  const { exitCode, output } = await runSuite(['list', '--help'], { cwd });
  if (exitCode !== 0) throw new Error(`\`conformance list --help\` exited with ${exitCode}:\n${output}`);
  return parseSpecVersions(output);
}

export function parseSpecVersions(helpText: string): string[] {
  const match = /Requirement sets available:\s*([\d\s,-]+)/.exec(helpText);
  const versions = match?.[1].split(',').map((v) => v.trim()).filter((v) => /^\d{4}-\d{2}-\d{2}$/.test(v)) ?? [];
  if (versions.length === 0) throw new Error('`conformance list --help` names no requirement sets; the suite changed its output.');
  return versions;
}

/** The client scenarios that apply at `specVersion`, from `conformance list --client --spec-version`. */
export async function listClientScenarios(cwd: string, specVersion: string): Promise<ListedScenario[]> {
  const { exitCode, output } = await runSuite(['list', '--client', '--spec-version', specVersion], { cwd });
  if (exitCode !== 0) throw new Error(`\`conformance list --client --spec-version ${specVersion}\` exited with ${exitCode}:\n${output}`);
  return parseScenarioList(output);
}

/**
 * The client scenarios of extensions that the requirement set of `revision` runs but
 * never scores, from `conformance list --client --requirements <revision>`.
 */
export async function listExtensionScenarios(cwd: string, revision: string): Promise<string[]> {
  const { exitCode, output } = await runSuite(['list', '--client', '--requirements', revision], { cwd });
  if (exitCode !== 0) throw new Error(`\`conformance list --client --requirements ${revision}\` exited with ${exitCode}:\n${output}`);
  return parseExtensionScenarios(output);
}

export function parseExtensionScenarios(listing: string): string[] {
  const names: string[] = [];
  let section: string | undefined;
  for (const line of listing.split('\n')) {
    const heading = /^\s+([\w-]+) \(\d+\):\s*$/.exec(line);
    if (heading) section = heading[1];
    else if (!/^\s/.test(line)) section = undefined;
    const match = /^\s+- (\S+) \[client\]\s*$/.exec(line);
    if (match && section === 'extension') names.push(match[1]);
  }
  return names;
}

export function parseScenarioList(listing: string): ListedScenario[] {
  const scenarios: ListedScenario[] = [];
  for (const line of listing.split('\n')) {
    const match = /^\s+- (\S+)(?: \[([^\]]*)\])?\s*$/.exec(line);
    if (match) scenarios.push({ name: match[1], tags: match[2] ? match[2].split(',').map((t) => t.trim()) : [] });
  }
  if (scenarios.length === 0) throw new Error(`\`conformance list\` printed no scenarios:\n${listing}`);
  return scenarios;
}

/** Runs one client scenario at one spec revision and reads what the suite recorded. */
export async function runClientScenario(options: ScenarioRunOptions): Promise<ScenarioRunOutcome> {
  const started = performance.now();
  const args = ['client', '--command', options.command, '--scenario', options.scenario, '--spec-version', options.specVersion];
  if (options.force) args.push('--force');
  args.push('--timeout', String(options.clientTimeoutMs), '-o', options.outputDir);
  const { exitCode, output } = await runSuite(args, { cwd: options.cwd, killAfterMs: options.clientTimeoutMs * 3 });
  const resultDir = await findResultDir(options.outputDir);
  const checks = resultDir ? parseChecks(await readFile(join(resultDir, 'checks.json'), 'utf8')) : null;
  const clientStderr = resultDir ? await readFile(join(resultDir, 'stderr.txt'), 'utf8').catch(() => '') : '';
  return { exitCode, output, checks, clientStderr, durationMs: performance.now() - started };
}

/** Runs one server scenario against `url` at one spec revision and reads what the suite recorded. */
export async function runServerScenario(options: { url: string; scenario: string; specVersion: string; outputDir: string; cwd: string; timeoutMs: number }): Promise<ScenarioRunOutcome> {
  const started = performance.now();
  const args = ['server', '--url', options.url, '--scenario', options.scenario, '--spec-version', options.specVersion, '--timeout', String(options.timeoutMs), '-o', options.outputDir];
  const { exitCode, output } = await runSuite(args, { cwd: options.cwd, killAfterMs: options.timeoutMs * 3 });
  const resultDir = await findResultDir(options.outputDir);
  const checks = resultDir ? parseChecks(await readFile(join(resultDir, 'checks.json'), 'utf8')) : null;
  return { exitCode, output, checks, clientStderr: '', durationMs: performance.now() - started };
}

/** The directory holding checks.json (`auth/x` scenarios nest one level deeper). */
async function findResultDir(outputDir: string): Promise<string | undefined> {
  const entries = await readdir(outputDir, { recursive: true }).catch(() => [] as string[]);
  const file = entries.find((entry) => entry === 'checks.json' || entry.endsWith('/checks.json'));
  return file ? dirname(join(outputDir, file)) : undefined;
}

export function parseChecks(json: string): Check[] {
  const parsed: unknown = JSON.parse(json);
  if (!Array.isArray(parsed)) throw new Error('checks.json is not an array of checks.');
  return parsed as Check[];
}

export function countChecks(checks: readonly Check[]): CheckCounts {
  const counts: CheckCounts = { passed: 0, failed: 0, warnings: 0 };
  for (const check of checks) {
    if (check.status === 'SUCCESS') counts.passed++;
    else if (check.status === 'FAILURE') counts.failed++;
    else if (check.status === 'WARNING') counts.warnings++;
  }
  return counts;
}

/**
 * A scenario passes when the suite exited 0 (no failure, warning, timeout or client
 * error) and recorded at least one passing check: a client that dies before it
 * connects leaves no checks, which must not read as "nothing failed".
 */
export function isPass(outcome: Pick<ScenarioRunOutcome, 'exitCode' | 'checks'>): boolean {
  if (outcome.exitCode !== 0 || outcome.checks === null) return false;
  const counts = countChecks(outcome.checks);
  return counts.passed > 0 && counts.failed === 0 && counts.warnings === 0;
}
