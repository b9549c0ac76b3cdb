/**
 * Part `gateway`: tools/call through Patchbay's gateway beside the alternatives, one run,
 * one upstream (the echo server process): (a) the SDK client straight to the upstream,
 * (b) through the gateway (`patchbay serve` in its own process; 2025-11-25 sessions, and
 * (b2) 2026-07-28 stateless requests), (c) through a naive proxy (an SDK server whose
 * handler forwards through an SDK client), (d) through `mcp-remote` (stdio to the
 * remote server) when it is installed. Plus the CPU each middle process spends per
 * forwarded call, resident memory per idle downstream session, and a CPU profile of
 * the gateway at 32 in flight.
 */

import { type ChildProcess, fork } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { type CellLimits, type CellResult, measureCell, median, settle, warmUp } from './measure-cell.ts';
import { type EchoServer, startEchoServer, stopChild } from './spawn-server.ts';

export interface GatewayBenchOptions {
  concurrencies: number[];
  limits: CellLimits;
  rounds: number;
  /** Idle downstream sessions opened to measure memory per session. */
  sessions: number;
  /** `dist/proxy.js` of an installed mcp-remote; the (d) rows are skipped without it. */
  mcpRemote: string | undefined;
  /** Also record and summarize a CPU profile of the gateway. */
  profile: boolean;
  log(line: string): void;
}

export interface GatewayRow extends CellResult {
  variant: string;
  label: string;
  /** The upstream echo server's CPU per call, µs. */
  upstreamCpuUsPerCall: number;
  /** The middle process's CPU per forwarded call (gateway, proxy, mcp-remote), µs; null straight to the upstream. */
  hopCpuUsPerCall: number | null;
  /** calls/s ÷ the direct client's at the same concurrency. */
  callsVsDirect: number | null;
  /** p50 minus the direct client's, ms. */
  p50AddedMs: number | null;
}

export interface GatewayMemoryRow {
  variant: string;
  label: string;
  sessions: number;
  /** Resident memory added per session, KB (after GC; the allocator may keep pages, so noisier than the heap). */
  kbPerSession: number;
  /** V8 heap and external memory added per session, KB. */
  heapKbPerSession: number;
}

export interface GatewayProfile {
  totalMs: number;
  /** Self time by area (the gateway's own code, the SDK server, the hub, the store, Node internals...), largest first. */
  areas: Array<{ area: string; ms: number; share: number }>;
  /** The functions with the most self time. */
  functions: Array<{ fn: string; where: string; ms: number; share: number }>;
}

export interface GatewayBenchResult {
  rows: GatewayRow[];
  memory: GatewayMemoryRow[];
  profile: GatewayProfile | null;
  skipped: string[];
}

interface Runner {
  key: string;
  label: string;
  call(): Promise<void>;
  hopCpu?: () => Promise<number>;
  close(): Promise<void>;
}

interface Middle {
  url: string;
  token?: string;
  child: ChildProcess;
  cpuMicros(): Promise<number>;
  memory(): Promise<{ rss: number; heap: number }>;
  profile(run: () => Promise<void>): Promise<CpuProfile>;
  close(): Promise<void>;
}

const CHILD = fileURLToPath(new URL('./gateway-child.ts', import.meta.url));
type Cell = CellResult & { upstreamCpuUsPerCall: number; hopCpuUsPerCall: number | null };

export async function benchGateway(options: GatewayBenchOptions): Promise<GatewayBenchResult> {
  const closers: Array<() => Promise<void>> = [];
  const skipped: string[] = [];
  const echo = await startEchoServer();
  closers.push(() => echo.close());
  try {
    const gateway = await startMiddle('gateway', echo.url);
    closers.push(() => gateway.close());
    const naive = await startMiddle('naive', echo.url);
    closers.push(() => naive.close());
    const relay = await startMiddle('relay', echo.url);
    closers.push(() => relay.close());
    const auth = { authorization: `Bearer ${gateway.token}` };
    const runners: Runner[] = [
      await sdkRunner('direct', '(a) SDK client straight to the upstream', echo.url, 'echo', {}, 'legacy'),
      { ...(await sdkRunner('gateway', '(b) through Patchbay’s gateway, 2025-11-25 session', gateway.url, 'bench__echo', auth, 'legacy')), hopCpu: gateway.cpuMicros },
      { ...(await sdkRunner('gateway-2026', '(b2) through Patchbay’s gateway, 2026-07-28 stateless', gateway.url, 'bench__echo', auth, 'auto')), hopCpu: gateway.cpuMicros },
      { ...(await sdkRunner('naive', '(c) naive proxy: SDK server → SDK client', naive.url, 'echo', {}, 'legacy')), hopCpu: naive.cpuMicros },
    ];
    runners.push({ ...(await sdkRunner('relay', '(e) raw relay: bytes forwarded, no MCP work (the floor)', relay.url, 'echo', {}, 'legacy')), hopCpu: relay.cpuMicros });
    if (options.mcpRemote) runners.push(await mcpRemoteRunner(options.mcpRemote, echo.url));
    else skipped.push('(d) mcp-remote: not installed (npm install --no-save mcp-remote, or pass --mcp-remote <path to dist/proxy.js>)');
    for (const runner of runners) closers.push(() => runner.close());
    await settle(runners, options.limits, options.log);

    const cells = new Map<string, Cell[]>();
    for (let round = 0; round < options.rounds; round++) {
      for (const concurrency of options.concurrencies) {
        for (const runner of runners) {
          const cell = await runCell(runner, echo, concurrency, options.limits);
          const key = `${runner.key}@${concurrency}`;
          cells.set(key, [...(cells.get(key) ?? []), cell]);
          options.log(`  ${runner.key.padEnd(14)} ${String(concurrency).padStart(3)} in flight: ${cell.callsPerSec.toFixed(0)} calls/s, p50 ${cell.p50Ms.toFixed(2)} ms${cell.errors ? `, FAILED: ${cell.firstError}` : ''}`);
        }
      }
    }
    const rows: GatewayRow[] = [];
    for (const runner of runners) {
      for (const concurrency of options.concurrencies) {
        const own = cells.get(`${runner.key}@${concurrency}`)!;
        const direct = cells.get(`direct@${concurrency}`)!;
        const isDirect = runner.key === 'direct';
        const cell = own.length === 1 ? own[0] : medianCell(own);
        rows.push({
          variant: runner.key,
          label: runner.label,
          ...cell,
          callsVsDirect: isDirect ? null : median(own.map((c, i) => c.callsPerSec / direct[i].callsPerSec)),
          p50AddedMs: isDirect ? null : median(own.map((c, i) => c.p50Ms - direct[i].p50Ms)),
        });
      }
    }

    options.log('  memory per idle downstream session…');
    const memory = [
      { variant: 'gateway', label: 'Patchbay’s gateway (2025-11-25 session)', sessions: options.sessions, ...(await memoryPerSession(gateway, 'bench__echo', auth, options.sessions)) },
      { variant: 'naive', label: 'naive proxy (SDK server per session)', sessions: options.sessions, ...(await memoryPerSession(naive, 'echo', {}, options.sessions)) },
    ];

    let profile: GatewayProfile | null = null;
    if (options.profile) {
      options.log('  CPU profile of the gateway at 32 in flight…');
      const runner = runners.find((r) => r.key === 'gateway')!;
      await warmUp(runner.call, 32, options.limits);
      profile = summarizeProfile(await gateway.profile(async () => void (await measureCell(runner.call, 32, options.limits))));
    }
    return { rows, memory, profile, skipped };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
  }
}

async function startMiddle(mode: 'gateway' | 'naive' | 'relay', upstream: string): Promise<Middle> {
  const child = fork(CHILD, [mode, upstream], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const ready = await answer<{ url: string; token?: string }>(child, undefined, (m) => typeof m.url === 'string', 30_000);
  return {
    url: ready.url,
    token: ready.token,
    child,
    cpuMicros: async () => (await answer<{ cpuMicros: number }>(child, 'cpu', (m) => typeof m.cpuMicros === 'number')).cpuMicros,
    memory: () => answer<{ rss: number; heap: number }>(child, 'memory', (m) => typeof m.rss === 'number'),
    async profile(run) {
      await answer(child, 'profile-start', (m) => m.profiling === true);
      await run();
      const { profile } = await answer<{ profile: string }>(child, 'profile-stop', (m) => typeof m.profile === 'string', 60_000);
      // BENCH_PROFILE_OUT=path keeps the whole profile, for DevTools or a closer look.
      if (process.env.BENCH_PROFILE_OUT) await writeFile(process.env.BENCH_PROFILE_OUT, profile);
      return JSON.parse(profile) as CpuProfile;
    },
    close: () => stopChild(child),
  };
}

function answer<T>(child: ChildProcess, question: string | undefined, accept: (message: Record<string, unknown>) => boolean, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`The benchmark process did not answer ${question ?? 'its start'} within ${timeoutMs} ms.`)), timeoutMs);
    const onMessage = (message: Record<string, unknown>) => {
      if (message && accept(message)) done(undefined, message as T);
    };
    const onExit = (code: number | null) => done(new Error(`The benchmark process exited (${code}).`));
    function done(error?: Error, value?: T) {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(value!);
    }
    child.on('message', onMessage);
    child.once('exit', onExit);
    if (question) child.send(question);
  });
}

async function connectSdk(url: string, headers: Record<string, string>, mode: 'legacy' | 'auto'): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const client = new Client({ name: 'patchbay-bench', version: '1.0.0' }, { versionNegotiation: { mode } });
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return { client, transport };
}

async function sdkRunner(key: string, label: string, url: string, tool: string, headers: Record<string, string>, mode: 'legacy' | 'auto'): Promise<Runner> {
  const { client, transport } = await connectSdk(url, headers, mode);
  if (!(await client.listTools()).tools.some((t) => t.name === tool)) throw new Error(`${label}: no tool "${tool}"`);
  return {
    key,
    label,
    call: async () => checkEcho(await client.callTool({ name: tool, arguments: { message: 'hello' } })),
    async close() {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

async function mcpRemoteRunner(proxyJs: string, upstream: string): Promise<Runner> {
  const transport = new StdioClientTransport({ command: process.execPath, args: [proxyJs, upstream, '--transport', 'http-only'], stderr: 'ignore' });
  const client = new Client({ name: 'patchbay-bench', version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
  await client.connect(transport);
  const pid = transport.pid;
  return {
    key: 'mcp-remote',
    label: '(d) mcp-remote (stdio to the remote server)',
    call: async () => checkEcho(await client.callTool({ name: 'echo', arguments: { message: 'hello' } })),
    hopCpu: pid ? () => procCpuMicros(pid) : undefined,
    close: () => client.close(),
  };
}

/** A process's CPU time (user + system) from /proc, in µs (clock ticks of 10 ms: fine over thousands of calls). */
async function procCpuMicros(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function runCell(runner: Runner, echo: EchoServer, concurrency: number, limits: CellLimits): Promise<Cell> {
  await warmUp(runner.call, concurrency, limits);
  const upstreamBefore = await echo.cpuMicros();
  const hopBefore = runner.hopCpu ? await runner.hopCpu() : null;
  const measured = await measureCell(runner.call, concurrency, limits);
  const upstream = (await echo.cpuMicros()) - upstreamBefore;
  const hop = hopBefore !== null && runner.hopCpu ? (await runner.hopCpu()) - hopBefore : null;
  const perCall = (micros: number) => (measured.calls > 0 ? micros / measured.calls : Number.NaN);
  return { ...measured, upstreamCpuUsPerCall: perCall(upstream), hopCpuUsPerCall: hop === null ? null : perCall(hop) };
}

function medianCell(rounds: Cell[]): Cell {
  const mid = (pick: (c: Cell) => number) => median(rounds.map(pick));
  return {
    ...rounds[0],
    calls: rounds.reduce((n, c) => n + c.calls, 0),
    errors: rounds.reduce((n, c) => n + c.errors, 0),
    p50Ms: mid((c) => c.p50Ms),
    p99Ms: mid((c) => c.p99Ms),
    callsPerSec: mid((c) => c.callsPerSec),
    clientCpuUsPerCall: mid((c) => c.clientCpuUsPerCall),
    upstreamCpuUsPerCall: mid((c) => c.upstreamCpuUsPerCall),
    hopCpuUsPerCall: rounds[0].hopCpuUsPerCall === null ? null : mid((c) => c.hopCpuUsPerCall ?? Number.NaN),
  };
}

/** Opens `count` sessions that each list tools and call once, then sit idle; memory added per session, KB. */
async function memoryPerSession(middle: Middle, tool: string, headers: Record<string, string>, count: number): Promise<{ kbPerSession: number; heapKbPerSession: number }> {
  const before = await middle.memory();
  const open: Array<{ client: Client; transport: StreamableHTTPClientTransport }> = [];
  try {
    for (let i = 0; i < count; i += 10) {
      const batch = await Promise.all(Array.from({ length: Math.min(10, count - i) }, () => connectSdk(middle.url, headers, 'legacy')));
      for (const s of batch) {
        await s.client.listTools();
        checkEcho(await s.client.callTool({ name: tool, arguments: { message: 'hello' } }));
      }
      open.push(...batch);
    }
    const after = await middle.memory();
    return { kbPerSession: (after.rss - before.rss) / count / 1024, heapKbPerSession: (after.heap - before.heap) / count / 1024 };
  } finally {
    await Promise.all(open.map(async (s) => {
      await s.transport.terminateSession().catch(() => {});
      await s.client.close().catch(() => {});
    }));
  }
}

interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

const AREAS: Array<[RegExp, string]> = [
  [/^node:inspector/, 'the profiler itself (measurement overhead)'],
  [/src\/server\/gateway\//, 'Patchbay gateway (src/server/gateway)'],
  [/src\/server\//, 'Patchbay HTTP server (src/server)'],
  [/src\/hub\//, 'Patchbay hub: the door (src/hub)'],
  [/src\/policy\//, 'Patchbay policy (src/policy)'],
  [/src\/mcp\//, 'Patchbay upstream session (src/mcp)'],
  [/src\/store\/|node_modules\/kysely/, 'store (Kysely, node:sqlite)'],
  [/src\//, 'Patchbay, other'],
  [/@modelcontextprotocol\/server/, 'MCP SDK server'],
  [/@modelcontextprotocol\/client/, 'MCP SDK client (upstream)'],
  [/@modelcontextprotocol\/node|@hono\/node-server|node_modules\/hono\//, 'Hono and its Node adapter'],
  [/node_modules\/undici/, 'undici (upstream HTTP)'],
  [/node_modules\/zod/, 'zod'],
  [/node_modules\/ajv/, 'ajv'],
  [/^node:|^internal\//, 'Node.js internals (http, streams, web streams)'],
];

/** Self time per area and per function from a V8 `.cpuprofile`. */
export function summarizeProfile(profile: CpuProfile): GatewayProfile {
  const self = new Map<number, number>();
  for (const [i, id] of profile.samples.entries()) self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
  const areas = new Map<string, number>();
  const functions = new Map<string, { fn: string; where: string; us: number }>();
  let total = 0;
  for (const [id, us] of self) {
    const frame = byNode.get(id)?.callFrame;
    if (!frame || frame.functionName === '(idle)') continue;
    total += us;
    const url = frame.url.replace(/^file:\/\//, '');
    const area = frame.url === '' ? (frame.functionName.startsWith('(') ? frame.functionName : 'native / built-ins') : (AREAS.find(([re]) => re.test(url))?.[1] ?? 'other');
    areas.set(area, (areas.get(area) ?? 0) + us);
    const where = url ? `${url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|bench)\//, '$1/')}:${frame.lineNumber + 1}` : '';
    const key = `${frame.functionName}\u0000${where}`;
    const entry = functions.get(key) ?? { fn: frame.functionName || '(anonymous)', where, us: 0 };
    entry.us += us;
    functions.set(key, entry);
  }
  const share = (us: number) => (total > 0 ? us / total : 0);
  return {
    totalMs: total / 1000,
    areas: [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([area, us]) => ({ area, ms: us / 1000, share: share(us) })),
    functions: [...functions.values()].sort((a, b) => b.us - a.us).slice(0, 15).map((f) => ({ fn: f.fn, where: f.where, ms: f.us / 1000, share: share(f.us) })),
  };
}

function checkEcho(result: unknown): void {
  const content = (result as { content?: Array<{ text?: string }> }).content;
  if (content?.[0]?.text !== 'hello') throw new Error(`echo answered ${JSON.stringify(result).slice(0, 200)}`);
}
