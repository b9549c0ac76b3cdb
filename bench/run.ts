/**
 * `npm run bench`: Patchbay's MCP client path measured against baselines in the same
 * run. Prints tables on stdout (progress on stderr) and writes the figures to
 * bench/results/latest.json. See bench/README.md; `node bench/run.ts --help` lists the
 * options (USAGE below).
 */

import { mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { describePostgresUrl } from '../src/store/index.ts';
import { benchCalls, type CallsRow } from './calls.ts';
import { benchChat, type ChatBenchResult } from './chat.ts';
import { benchConnect, type ConnectRow } from './connect.ts';
import { benchDoor, DOOR_USAGE_LIMIT, type DoorRow } from './door.ts';
import { formatTable } from './format-table.ts';
import { benchGateway, type GatewayBenchResult } from './gateway.ts';
import { benchMemory, type MemoryRow } from './memory.ts';

const PARTS = ['calls', 'door', 'gateway', 'connect', 'memory', 'chat'] as const;
/** Turns measured for the chat's time to first token, each straight and through Patchbay. */
const CHAT_FIRST_TOKEN_ROUNDS = 30;
const CONNECT_ROUNDS = 5;
const MEMORY_TARGET_KB = 150;
/** The door's targets, at DOOR_TARGET_IN_FLIGHT calls in flight: p50 at most +10%, calls/s at least 90% of the bare session's. */
const DOOR_TARGET_IN_FLIGHT = 32;
const DOOR_MAX_P50_RATIO = 1.1;
const DOOR_MIN_CALLS_RATIO = 0.9;

const USAGE = `Usage: node bench/run.ts [options]   (npm run bench -- [options]; see bench/README.md)
  --only PARTS            parts to run, comma-separated: calls, door, gateway, connect, memory, chat (all)
  --variants KEYS         rows to run within a part, by key or key prefix (all; the baseline row always runs)
  --in-flight N,N         concurrencies of the load parts (1,8,32,128)
  --rounds N              interleaved rounds per cell; figures are medians (1; quote 3 or more)
  --cell-ms N, --cell-calls N, --warmup-ms N, --settle-ms N   cell length and warm-up (1500, 4000, 250, 3000)
  --postgres URL          the door's PostgreSQL rows (default: PATCHBAY_TEST_DATABASE_URL)
  --mcp-remote PATH       mcp-remote's dist/proxy.js for the gateway part
  --gateway-sessions N    idle sessions for memory per session (100)
  --connectors N, --sessions N   sizes of the connect and memory parts (20, 200)
  --no-profile            leave out the gateway's CPU profile
  --help                  this text`;

const OPTIONS = {
  only: { type: 'string' },
  variants: { type: 'string' },
  'cell-ms': { type: 'string', default: '1500' },
  'cell-calls': { type: 'string', default: '4000' },
  'warmup-ms': { type: 'string', default: '250' },
  'settle-ms': { type: 'string', default: '3000' },
  rounds: { type: 'string', default: '1' },
  postgres: { type: 'string' },
  connectors: { type: 'string', default: '20' },
  sessions: { type: 'string', default: '200' },
  'mcp-remote': { type: 'string' },
  'gateway-sessions': { type: 'string', default: '100' },
  'in-flight': { type: 'string', default: '1,8,32,128' },
  profile: { type: 'boolean', default: true },
  help: { type: 'boolean', short: 'h' },
} as const;

const { values } = parseOptions();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

function parseOptions() {
  try {
    return parseArgs({ options: OPTIONS, allowNegative: true });
  } catch (error) {
    return exitWithUsage(`${(error as Error).message}\n\n${USAGE}`);
  }
}
const only = values.only ? values.only.split(',') : [...PARTS];
const unknownParts = only.filter((part) => !(PARTS as readonly string[]).includes(part));
if (unknownParts.length > 0) exitWithUsage(`Unknown part "${unknownParts.join(', ')}"; choose from ${PARTS.join(', ')}.`);
const postgresUrl = values.postgres ?? process.env.PATCHBAY_TEST_DATABASE_URL;
const settings = {
  /** Where the door's PostgreSQL rows ran, without the password. */
  postgres: postgresUrl ? describePostgresUrl(postgresUrl) : null,
  cellMs: positive('cell-ms'),
  cellCalls: positive('cell-calls'),
  warmupMs: positive('warmup-ms'),
  settleMs: nonNegative('settle-ms'),
  rounds: positive('rounds'),
  connectors: positive('connectors'),
  sessions: positive('sessions'),
  gatewaySessions: positive('gateway-sessions'),
  mcpRemote: values['mcp-remote'] ?? findMcpRemote(),
  concurrencies: inFlight(),
};

/** The concurrencies the load parts measure (`--in-flight 32` for the target's alone). */
function inFlight(): number[] {
  const list = String(values['in-flight']).split(',').map(Number);
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n <= 0)) exitWithUsage(`--in-flight takes positive integers separated by commas, got "${values['in-flight']}".`);
  return list;
}

/** mcp-remote's proxy script, when it is installed beside Patchbay. */
function findMcpRemote(): string | undefined {
  try {
    const packageJson = createRequire(import.meta.url).resolve('mcp-remote/package.json');
    return join(dirname(packageJson), 'dist', 'proxy.js');
  } catch {
    return undefined;
  }
}

function positive(name: 'cell-ms' | 'cell-calls' | 'warmup-ms' | 'rounds' | 'connectors' | 'sessions' | 'gateway-sessions'): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n <= 0) exitWithUsage(`--${name} must be a positive integer, got "${values[name]}".`);
  return n;
}

/** `--settle-ms 0` turns the settling off (to see what a cold start costs). */
function nonNegative(name: 'settle-ms'): number {
  const n = Number(values[name]);
  if (!Number.isInteger(n) || n < 0) exitWithUsage(`--${name} must be a whole number of milliseconds, 0 or more, got "${values[name]}".`);
  return n;
}

function exitWithUsage(message: string): never {
  console.error(message);
  process.exit(2);
}

/** How long each cell of the load parts runs, warms up and settles. */
const cellLimits = { maxCalls: settings.cellCalls, maxMs: settings.cellMs, warmupMs: settings.warmupMs, settleMs: settings.settleMs };
const log = (line: string) => process.stderr.write(`${line}\n`);
const ms = (n: number) => (Number.isFinite(n) ? n.toFixed(2) : '—');

const started = performance.now();
const environment = {
  node: process.version,
  cpu: cpus()[0]?.model.trim() ?? 'unknown',
  cores: cpus().length,
  loadAverageAtStart: loadavg()[0],
  loadAverageAtEnd: Number.NaN,
  date: new Date().toISOString(),
};
const results: {
  environment: typeof environment;
  settings: typeof settings;
  calls?: CallsRow[];
  door?: DoorRow[];
  gateway?: GatewayBenchResult;
  connect?: ConnectRow[];
  memory?: MemoryRow[];
  chat?: ChatBenchResult;
  failures: Record<string, string>;
  seconds: Record<string, number>;
} = { environment, settings, failures: {}, seconds: {} };

console.log(
  `Patchbay bench · node ${environment.node} · ${environment.cpu} · ${environment.cores} cores, shared by the client and the server processes · load average ${environment.loadAverageAtStart.toFixed(2)} at start`,
);

/** Runs one part; a part that fails is reported and the others still run. */
async function runPart<T>(part: string, run: () => Promise<T>): Promise<T | undefined> {
  const t0 = performance.now();
  log(`${part}…`);
  try {
    return await run();
  } catch (error) {
    results.failures[part] = error instanceof Error ? error.message : String(error);
    console.log(`\n${part}: FAILED: ${results.failures[part]}`);
    return undefined;
  } finally {
    results.seconds[part] = (performance.now() - t0) / 1000;
  }
}

if (only.includes('calls')) {
  const rows = await runPart('calls', () =>
    benchCalls({
      concurrencies: settings.concurrencies,
      limits: cellLimits,
      rounds: settings.rounds,
      variants: values.variants ? values.variants.split(',') : [],
      log,
    }),
  );
  if (rows) {
    results.calls = rows;
    printCalls(rows);
  }
}
if (only.includes('door')) {
  const rows = await runPart('door', () =>
    benchDoor({
      concurrencies: settings.concurrencies,
      limits: cellLimits,
      rounds: settings.rounds,
      postgresUrl,
      variants: values.variants ? values.variants.split(',') : [],
      log,
    }),
  );
  if (rows) {
    results.door = rows;
    printDoor(rows);
  }
}
if (only.includes('gateway')) {
  const result = await runPart('gateway', () =>
    benchGateway({
      concurrencies: settings.concurrencies,
      limits: cellLimits,
      rounds: settings.rounds,
      sessions: settings.gatewaySessions,
      mcpRemote: settings.mcpRemote,
      profile: values.profile !== false,
      log,
    }),
  );
  if (result) {
    results.gateway = result;
    printGateway(result);
  }
}
if (only.includes('connect')) {
  const rows = await runPart('connect', () => benchConnect({ connectors: settings.connectors, rounds: CONNECT_ROUNDS, log }));
  if (rows) {
    results.connect = rows;
    printConnect(rows);
  }
}
if (only.includes('memory')) {
  const rows = await runPart('memory', () => benchMemory({ sessions: settings.sessions, log }));
  if (rows) {
    results.memory = rows;
    printMemory(rows);
  }
}

if (only.includes('chat')) {
  const result = await runPart('chat', () => benchChat({ rounds: CHAT_FIRST_TOKEN_ROUNDS, log }));
  if (result) {
    results.chat = result;
    printChat(result);
  }
}

environment.loadAverageAtEnd = loadavg()[0];
results.seconds.total = (performance.now() - started) / 1000;
await mkdir(new URL('./results/', import.meta.url), { recursive: true });
await writeFile(new URL('./results/latest.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
const partTimes = Object.entries(results.seconds)
  .filter(([part]) => part !== 'total')
  .map(([part, s]) => `${part} ${s.toFixed(1)} s`);
console.log(
  `\nTotal ${results.seconds.total.toFixed(1)} s (${partTimes.join(', ')}); load average ${environment.loadAverageAtEnd.toFixed(2)} at end. Figures in bench/results/latest.json.`,
);
if (Object.keys(results.failures).length > 0) process.exitCode = 1;

function printCalls(rows: CallsRow[]): void {
  console.log(
    `\n1. tools/call latency and throughput on one stateful session per variant. Server: an SDK McpServer with an echo tool on\n` +
      `   NodeStreamableHTTPServerTransport (SSE answers unless the row says JSON), in its own process. Each cell: ${settings.warmupMs} ms warm-up,\n` +
      `   then ${settings.cellCalls} calls or ${settings.cellMs} ms, whichever first${settings.rounds > 1 ? `; median of ${settings.rounds} interleaved rounds` : ''}.\n` +
      `   × SDK = this row's calls/s ÷ the bare SDK client's at the same concurrency (in the same round).\n` +
      `   CPU µs/call: process CPU time (user + system) over the cell ÷ calls; steadier than wall-clock figures when the machine is busy.\n`,
  );
  console.log(
    formatTable(
      ['variant', 'in flight', 'p50 ms', 'p99 ms', 'calls/s', '× SDK', 'client CPU µs/call', 'server CPU µs/call'],
      rows.map((r) => [
        r.errors ? `${r.label} — FAILED after ${r.calls} calls: ${r.firstError}` : r.label,
        String(r.concurrency),
        ms(r.p50Ms),
        ms(r.p99Ms),
        r.callsPerSec.toFixed(0),
        r.ratioVsSdk === null ? '—' : r.ratioVsSdk.toFixed(2),
        r.clientCpuUsPerCall.toFixed(0),
        r.serverCpuUsPerCall.toFixed(0),
      ]),
      { groupBy: 0 },
    ),
  );
}

function printGateway(result: GatewayBenchResult): void {
  console.log(
    `\nG. The gateway: tools/call from an SDK client, one upstream (the echo server process), every route in the same run.\n` +
      `   Each cell: ${settings.warmupMs} ms warm-up, then ${settings.cellCalls} calls or ${settings.cellMs} ms. × direct = calls/s ÷ (a)'s; + p50 = p50 minus (a)'s.\n` +
      `   hop CPU µs/call: the middle process (gateway, naive proxy, mcp-remote) per forwarded call; upstream CPU: the echo server.\n`,
  );
  console.log(
    formatTable(
      ['route', 'in flight', 'p50 ms', 'p99 ms', 'calls/s', '× direct', '+ p50 ms', 'hop CPU µs/call', 'client CPU µs/call', 'upstream CPU µs/call'],
      result.rows.map((r) => [
        r.errors ? `${r.label} — FAILED after ${r.calls} calls: ${r.firstError}` : r.label,
        String(r.concurrency),
        ms(r.p50Ms),
        ms(r.p99Ms),
        r.callsPerSec.toFixed(0),
        r.callsVsDirect === null ? '—' : r.callsVsDirect.toFixed(2),
        r.p50AddedMs === null ? '—' : r.p50AddedMs.toFixed(2),
        r.hopCpuUsPerCall === null ? '—' : r.hopCpuUsPerCall.toFixed(0),
        r.clientCpuUsPerCall.toFixed(0),
        r.upstreamCpuUsPerCall.toFixed(0),
      ]),
      { groupBy: 0 },
    ),
  );
  for (const note of result.skipped) console.log(`   skipped ${note}`);
  const at32 = (variant: string) => result.rows.find((r) => r.variant === variant && r.concurrency === 32);
  const gateway = at32('gateway');
  const naive = at32('naive');
  const remote = at32('mcp-remote');
  const relay = at32('relay');
  if (gateway && naive) {
    console.log(
      `   Targets at 32 in flight: gateway CPU ${gateway.hopCpuUsPerCall?.toFixed(0)} µs/call (target ≤ 300); calls/s ${(gateway.callsPerSec / naive.callsPerSec).toFixed(2)}× the naive proxy's (target ≥ 2)` +
        `${remote ? `, ${(gateway.callsPerSec / remote.callsPerSec).toFixed(2)}× mcp-remote's (target > 1)` : ''}; p50 +${gateway.p50AddedMs?.toFixed(2)} ms over direct (target < 0.5).`,
    );
    if (relay?.hopCpuUsPerCall != null && gateway.hopCpuUsPerCall != null) {
      console.log(`   The raw relay's hop costs ${relay.hopCpuUsPerCall.toFixed(0)} µs/call on this machine in this run: the gateway's is ${(gateway.hopCpuUsPerCall / relay.hopCpuUsPerCall).toFixed(2)}× that floor.`);
    }
  }
  // Added latency without queueing: one call at a time, beside the relay's (the floor for any hop).
  const at1 = (variant: string) => result.rows.find((r) => r.variant === variant && r.concurrency === 1);
  const [gateway1, relay1] = [at1('gateway'), at1('relay')];
  if (gateway1?.p50AddedMs != null && relay1?.p50AddedMs != null) {
    console.log(`   One call in flight: the gateway adds ${gateway1.p50AddedMs.toFixed(2)} ms at p50 (target < 0.5); the raw relay adds ${relay1.p50AddedMs.toFixed(2)} ms.`);
  }
  console.log(`\n   Resident memory per idle downstream session (${result.memory[0]?.sessions} sessions, each listed tools and called once, after GC):`);
  for (const m of result.memory) console.log(`     ${m.label}: heap ${m.heapKbPerSession.toFixed(1)} KB, resident ${m.kbPerSession.toFixed(1)} KB`);
  if (result.profile) {
    console.log(`\n   CPU profile of the gateway process at 32 in flight (${result.profile.totalMs.toFixed(0)} ms of CPU), self time by area:`);
    for (const a of result.profile.areas.slice(0, 12)) console.log(`     ${(a.share * 100).toFixed(1).padStart(5)}%  ${a.area}`);
    console.log('   Functions with the most self time:');
    for (const f of result.profile.functions) console.log(`     ${(f.share * 100).toFixed(1).padStart(5)}%  ${f.fn}  ${f.where}`);
  }
}

function printDoor(rows: DoorRow[]): void {
  const limit = Object.entries(DOOR_USAGE_LIMIT)
    .map(([k, v]) => `${k} ${Number(v).toLocaleString('en')}`)
    .join(', ');
  console.log(
    `\nD. The door: hub.callTool (catalog, argument check, tool policy, usage reservation, session call, audit) against the bare\n` +
      `   pooled session it uses underneath, all in this process, against one echo server process (SSE answers). The door rows are a\n` +
      `   whole Patchbay on a fresh store; the tool's approval is 'allow', called through the gateway door. (d): a usage limit on the\n` +
      `   tool (${limit}), so every call reserves and releases in the store. Cells as in part 1${settings.rounds > 1 ? `; median of ${settings.rounds} interleaved rounds` : ''}.\n` +
      `   × bare: this row's figure ÷ the bare session's at the same concurrency. CPU µs/call: this process (Patchbay, and SQLite, which\n` +
      `   runs in it); "+ vs bare": what the door adds. PostgreSQL CPU: the server processes of this run's connections.\n` +
      (settings.postgres ? '' : '   PostgreSQL rows skipped: pass --postgres URL or set PATCHBAY_TEST_DATABASE_URL.\n'),
  );
  const x = (n: number | null) => (n === null || !Number.isFinite(n) ? '—' : n.toFixed(2));
  const us = (n: number | null) => (n === null || !Number.isFinite(n) ? '—' : n.toFixed(0));
  console.log(
    formatTable(
      ['variant', 'in flight', 'p50 ms', 'p99 ms', 'calls/s', 'p50 × bare', 'calls/s × bare', 'CPU µs/call', '+ vs bare', 'server CPU µs/call', 'PostgreSQL CPU µs/call'],
      rows.map((r) => [
        r.errors ? `${r.label} — FAILED after ${r.calls} calls: ${r.firstError}` : r.label,
        String(r.concurrency),
        ms(r.p50Ms),
        ms(r.p99Ms),
        r.callsPerSec.toFixed(0),
        x(r.p50VsBare),
        x(r.callsVsBare),
        us(r.clientCpuUsPerCall),
        r.cpuAddedUs === null ? '—' : `${r.cpuAddedUs >= 0 ? '+' : ''}${r.cpuAddedUs.toFixed(0)}`,
        us(r.serverCpuUsPerCall),
        us(r.databaseCpuUsPerCall),
      ]),
      { groupBy: 0 },
    ),
  );
  const atTarget = rows.filter((r) => r.variant !== 'bare' && r.concurrency === DOOR_TARGET_IN_FLIGHT);
  if (atTarget.length === 0) return;
  console.log(
    `\n   Target: the door adds no more than ${Math.round((DOOR_MAX_P50_RATIO - 1) * 100)}% to p50 latency and keeps at least ${Math.round(DOOR_MIN_CALLS_RATIO * 100)}% of the throughput at ${DOOR_TARGET_IN_FLIGHT} calls in flight.`,
  );
  for (const r of atTarget) {
    const p50Ok = r.p50VsBare !== null && r.p50VsBare <= DOOR_MAX_P50_RATIO;
    const callsOk = r.callsVsBare !== null && r.callsVsBare >= DOOR_MIN_CALLS_RATIO;
    console.log(
      `   ${r.label}: p50 × ${x(r.p50VsBare)} (${p50Ok ? 'meets' : 'misses'}), calls/s × ${x(r.callsVsBare)} (${callsOk ? 'meets' : 'misses'}) → ${p50Ok && callsOk ? 'MEETS the target' : 'MISSES the target'}`,
    );
  }
}

function printConnect(rows: ConnectRow[]): void {
  console.log(
    `\n2. Connect and list tools of ${settings.connectors} connectors at once (${settings.connectors} sessions on one server process), wall time;\n` +
      `   ${CONNECT_ROUNDS} rounds after a warm-up round, variants taking turns.\n`,
  );
  console.log(
    formatTable(
      ['variant', 'median ms', 'min ms', 'rounds ms'],
      rows.map((r) => [r.label, ms(r.medianMs), ms(r.minMs), r.roundsMs.map((t) => t.toFixed(0)).join(' ')]),
    ),
  );
}

function printMemory(rows: MemoryRow[]): void {
  console.log(
    `\n3. Memory per idle session, each variant in its own child process (--expose-gc, gc before each reading), server in another:\n` +
      `   ${settings.sessions} sessions are opened and kept as a warm-up, then ${settings.sessions} more; figures are what the second ${settings.sessions} added.\n` +
      `   Target for Patchbay: ≤ ${MEMORY_TARGET_KB} KB RSS per session. RSS moves in steps as V8 grows its heap; heap used is the steadier figure.\n`,
  );
  const failed = rows.filter((r) => 'error' in r);
  console.log(
    formatTable(
      ['variant', 'RSS KB/session', 'heap total KB/session', 'heap used KB/session', 'external KB/session', 'open GET streams', 'RSS MB before → after'],
      rows.map((r) => {
        if ('error' in r) return [r.label, 'FAILED (below)', '', '', '', '', ''];
        const verdict = r.mode === 'patchbay' ? (r.rssKbPerSession <= MEMORY_TARGET_KB ? ' (meets target)' : ' (over target)') : '';
        return [
          r.label,
          `${r.rssKbPerSession.toFixed(0)}${verdict}`,
          r.heapTotalKbPerSession.toFixed(0),
          r.heapKbPerSession.toFixed(0),
          r.externalKbPerSession.toFixed(0),
          `${r.openStreams} of ${r.sessions}`,
          `${(r.before.rss / 2 ** 20).toFixed(0)} → ${(r.after.rss / 2 ** 20).toFixed(0)}`,
        ];
      }),
    ),
  );
  for (const r of failed) if ('error' in r) console.log(`${r.label}: ${r.error}`);
}

function printChat(result: ChatBenchResult): void {
  console.log(
    `\nC. The chat. Tool definitions sent to the model in one turn (tokens estimated at four characters each, counted from the request\n` +
      `   the model endpoint received): every definition, or the search/describe/call surface; the default budget (4,000) picks one.\n`,
  );
  console.log(
    formatTable(
      ['enabled tools', 'every definition', 'search surface', 'default picks'],
      result.tokens.map((r) => [String(r.tools), String(r.allDefinitions), String(r.searchSurface), r.defaultPicks]),
    ),
  );
  const f = result.firstToken;
  console.log(
    `\n   Time to the first streamed token against the local model double (text in three chunks), ${f.rounds} turns each, interleaved:\n` +
      `   straight through the AI SDK, and through a Patchbay conversation with one 10-tool connector (store, tools, history, stream).\n`,
  );
  console.log(
    formatTable(
      ['path', 'p50 ms', 'p90 ms'],
      [
        ['model endpoint, direct', ms(f.directP50Ms), ms(f.directP90Ms)],
        ['through Patchbay', ms(f.patchbayP50Ms), ms(f.patchbayP90Ms)],
        ['added by Patchbay (p50)', ms(f.addedP50Ms), '—'],
      ],
    ),
  );
}
