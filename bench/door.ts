/**
 * Part `door`: what the one door for tool calls, `Hub.callTool`, adds to a call.
 * The floor is the bare pooled session the hub uses underneath (`McpSession.callTool`
 * from a `SessionPool`); the door rows are a whole Patchbay in this process, on SQLite
 * and (when a URL is given) PostgreSQL, with and without a usage limit on the tool.
 * Every row talks to the same echo server process as the `calls` part.
 */

import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Tool } from '@modelcontextprotocol/client';
import pg from 'pg';
import { openPatchbay, type Patchbay } from '../src/app.ts';
import { loadConfig } from '../src/core/config.ts';
import { silentLogger } from '../src/core/log.ts';
import type { Actor } from '../src/hub/index.ts';
import { createMcpFetch, SessionPool } from '../src/mcp/index.ts';
import type { UsageLimits } from '../src/store/index.ts';
import { benchSessionSettings } from './clients.ts';
import { type CellLimits, type CellResult, measureCell, median, settle, warmUp } from './measure-cell.ts';
import { startPostgresCpuMeter, type PostgresCpuMeter } from './postgres-cpu.ts';
import { type EchoServer, startEchoServer } from './spawn-server.ts';

export interface DoorOptions {
  concurrencies: number[];
  limits: CellLimits;
  /** Each cell is measured this many times, rounds interleaved. */
  rounds: number;
  /** A PostgreSQL URL for the PostgreSQL rows; skipped when absent. */
  postgresUrl: string | undefined;
  /** Only the rows whose key is, or starts with, one of these (all when empty); the bare session always runs. */
  variants: string[];
  log(line: string): void;
}

export type DoorStore = 'none' | 'sqlite' | 'postgres';

export interface DoorRow extends CellResult {
  variant: string;
  label: string;
  store: DoorStore;
  /** A usage limit is configured on the tool, so every call reserves and releases in the store. */
  limited: boolean;
  serverCpuUsPerCall: number;
  /** PostgreSQL backends' CPU per call (this run's connections only); null without PostgreSQL. */
  databaseCpuUsPerCall: number | null;
  /** This row's p50 ÷ the bare session's, at the same concurrency (median of per-round ratios). */
  p50VsBare: number | null;
  /** This row's calls/s ÷ the bare session's. */
  callsVsBare: number | null;
  /** This process's CPU per call minus the bare session's, in µs. */
  cpuAddedUs: number | null;
}

/** The limit of the limited rows: real work in the store on every call, never a refusal. */
export const DOOR_USAGE_LIMIT: UsageLimits = { perDay: 1_000_000, concurrent: 1000 };

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;
const REQUEST_TIMEOUT_MS = 30_000;

interface Runner {
  key: string;
  label: string;
  store: DoorStore;
  limited: boolean;
  call(): Promise<void>;
  /** CPU of the database server processes serving this runner, when they can be read. */
  databaseCpu?: PostgresCpuMeter;
}

type Cell = CellResult & { serverCpuUsPerCall: number; databaseCpuUsPerCall: number | null };

/**
 * Runs every (variant × concurrency) cell, concurrency-major and variants taking turns,
 * so drift over the run hits them alike; ratios are taken within a round.
 */
export async function benchDoor(options: DoorOptions): Promise<DoorRow[]> {
  const closers: Array<() => Promise<void>> = [];
  const server = await startEchoServer();
  closers.push(() => server.close());
  try {
    const chosen = (key: string) => key === 'bare' || options.variants.length === 0 || options.variants.some((name) => key === name || key.startsWith(name));
    const runners: Runner[] = [await openBare(server.url, closers)];
    const wanted = (store: DoorStore) => chosen(store) || chosen(`${store}+limit`);
    if (wanted('sqlite')) runners.push(...(await openDoor('sqlite', server.url, undefined, closers)));
    if (options.postgresUrl && wanted('postgres')) runners.push(...(await openDoor('postgres', server.url, options.postgresUrl, closers)));
    runners.splice(0, runners.length, ...runners.filter((r) => chosen(r.key)));
    await settle(runners, options.limits, options.log);
    const cells = new Map<string, Cell[]>();
    for (let round = 0; round < options.rounds; round++) {
      for (const concurrency of options.concurrencies) {
        for (const runner of runners) {
          const cell = await runCell(runner, server, concurrency, options.limits);
          const key = `${runner.key}@${concurrency}`;
          cells.set(key, [...(cells.get(key) ?? []), cell]);
          options.log(
            `  ${options.rounds > 1 ? `round ${round + 1} ` : ''}${runner.key.padEnd(16)} ${String(concurrency).padStart(3)} in flight: ${cell.callsPerSec.toFixed(0)} calls/s, p50 ${cell.p50Ms.toFixed(2)} ms${cell.errors ? `, FAILED: ${cell.firstError}` : ''}`,
          );
        }
      }
    }
    const rows: DoorRow[] = [];
    for (const runner of runners) {
      for (const concurrency of options.concurrencies) {
        const own = cells.get(`${runner.key}@${concurrency}`)!;
        const bare = cells.get(`bare@${concurrency}`)!;
        const ratio = (pick: (c: Cell) => number) => {
          if (runner.key === 'bare') return null;
          const ratios = own.map((cell, i) => pick(cell) / pick(bare[i])).filter(Number.isFinite);
          return ratios.length > 0 ? median(ratios) : null;
        };
        const added = own.map((cell, i) => cell.clientCpuUsPerCall - bare[i].clientCpuUsPerCall).filter(Number.isFinite);
        rows.push({
          variant: runner.key,
          label: runner.label,
          store: runner.store,
          limited: runner.limited,
          ...combineRounds(own),
          p50VsBare: ratio((c) => c.p50Ms),
          callsVsBare: ratio((c) => c.callsPerSec),
          cpuAddedUs: runner.key === 'bare' || added.length === 0 ? null : median(added),
        });
      }
    }
    return rows;
  } finally {
    for (const close of closers.reverse()) await close().catch((error) => options.log(`  clean-up failed: ${error instanceof Error ? error.message : error}`));
  }
}

/** (a) The pooled session the hub calls underneath, with the hub's session settings. */
async function openBare(url: string, closers: Array<() => Promise<void>>): Promise<Runner> {
  const http = createMcpFetch({ maxResponseBytes: MAX_RESPONSE_BYTES });
  const pool = new SessionPool({ ...benchSessionSettings(http.fetch, { requestTimeoutMs: REQUEST_TIMEOUT_MS, protocol: 'auto' }), idleMs: 600_000 });
  closers.push(async () => {
    await pool.closeAll();
    await http.close();
  });
  const session = pool.get({ connectorId: 'bench', userId: 'bench', name: 'bench', url, transport: 'auto' });
  await session.connect();
  // The hub hands the session the tool's definition from its catalog; so does the floor.
  const echo = (await session.listTools()).find((t: Tool) => t.name === 'echo');
  if (!echo) throw new Error('The echo server offers no "echo" tool.');
  return {
    key: 'bare',
    label: '(a) bare McpSession from a SessionPool',
    store: 'none',
    limited: false,
    call: async () => checkEcho(await session.callTool('echo', { message: 'hello' }, undefined, echo)),
  };
}

/**
 * A Patchbay on a fresh data dir (and, for PostgreSQL, a schema of its own, dropped at
 * the end) with two connectors to the echo server: `plain`, whose echo tool is allowed,
 * and `limited`, whose echo tool is allowed under `DOOR_USAGE_LIMIT`.
 */
async function openDoor(store: 'sqlite' | 'postgres', url: string, postgresUrl: string | undefined, closers: Array<() => Promise<void>>): Promise<Runner[]> {
  const dataDir = await mkdtemp(join(tmpdir(), 'patchbay-bench-'));
  closers.push(() => rm(dataDir, { recursive: true, force: true }));
  const env: Record<string, string> = {
    PATCHBAY_DATA_DIR: dataDir,
    PATCHBAY_LOG_LEVEL: 'silent',
    PATCHBAY_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    PATCHBAY_PROTOCOL: 'auto',
  };
  let databaseCpu: PostgresCpuMeter | undefined;
  if (store === 'postgres') {
    const schema = `pb_bench_${randomBytes(4).toString('hex')}`;
    // Our connections carry a name of their own, so their server processes can be told from others'.
    const applicationName = `patchbay-bench-${randomBytes(4).toString('hex')}`;
    closers.push(() => dropSchema(postgresUrl!, schema));
    env.PATCHBAY_DATABASE_URL = withApplicationName(postgresUrl!, applicationName);
    env.PATCHBAY_DATABASE_SCHEMA = schema;
    databaseCpu = await startPostgresCpuMeter(postgresUrl!, applicationName);
    closers.push(() => databaseCpu!.close());
  }
  const patchbay: Patchbay = await openPatchbay(loadConfig(env), { logger: silentLogger });
  closers.push(() => patchbay.close());
  // The gateway door: calls a client makes, not the person, so the tool's approval decides.
  const actor: Actor = patchbay.actor('gateway');
  const setUp = async (name: string, limits: UsageLimits | null) => {
    await patchbay.hub.addConnector(patchbay.actor('cli'), { url, name });
    await patchbay.hub.updateToolSetting(patchbay.actor('cli'), name, 'echo', { approval: 'allow', limits });
    const call = async () => checkEcho(await patchbay.hub.callTool(actor, name, 'echo', { message: 'hello' }));
    await call();
    return call;
  };
  const title = store === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  const letter = store === 'sqlite' ? 'b' : 'c';
  return [
    { key: store, label: `(${letter}) hub.callTool, ${title}`, store, limited: false, call: await setUp('plain', null), databaseCpu },
    {
      key: `${store}+limit`,
      label: `(d) hub.callTool, ${title}, usage limit on the tool`,
      store,
      limited: true,
      call: await setUp('limited', DOOR_USAGE_LIMIT),
      databaseCpu,
    },
  ];
}

async function runCell(runner: Runner, server: EchoServer, concurrency: number, limits: CellLimits): Promise<Cell> {
  await warmUp(runner.call, concurrency, limits);
  const serverBefore = await server.cpuMicros();
  const databaseBefore = runner.databaseCpu ? await runner.databaseCpu.read() : null;
  const measured = await measureCell(runner.call, concurrency, limits);
  const serverCpu = (await server.cpuMicros()) - serverBefore;
  const databaseCpu = databaseBefore && runner.databaseCpu ? (await runner.databaseCpu.read()).since(databaseBefore) : null;
  const perCall = (micros: number) => (measured.calls > 0 ? micros / measured.calls : Number.NaN);
  return { ...measured, serverCpuUsPerCall: perCall(serverCpu), databaseCpuUsPerCall: databaseCpu === null ? null : perCall(databaseCpu) };
}

function combineRounds(rounds: Cell[]): Cell {
  if (rounds.length === 1) return rounds[0];
  const mid = (pick: (c: Cell) => number) => median(rounds.map(pick));
  const failed = rounds.find((c) => c.errors > 0);
  return {
    concurrency: rounds[0].concurrency,
    calls: rounds.reduce((n, c) => n + c.calls, 0),
    errors: rounds.reduce((n, c) => n + c.errors, 0),
    ...(failed?.firstError ? { firstError: failed.firstError } : {}),
    elapsedMs: rounds.reduce((n, c) => n + c.elapsedMs, 0),
    p50Ms: mid((c) => c.p50Ms),
    p99Ms: mid((c) => c.p99Ms),
    callsPerSec: mid((c) => c.callsPerSec),
    clientCpuUsPerCall: mid((c) => c.clientCpuUsPerCall),
    serverCpuUsPerCall: mid((c) => c.serverCpuUsPerCall),
    databaseCpuUsPerCall: rounds[0].databaseCpuUsPerCall === null ? null : mid((c) => c.databaseCpuUsPerCall ?? Number.NaN),
  };
}

function withApplicationName(url: string, name: string): string {
  const u = new URL(url);
  u.searchParams.set('application_name', name);
  return u.toString();
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`drop schema if exists "${schema}" cascade`);
  } finally {
    await client.end();
  }
}

function checkEcho(result: unknown): void {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content;
  if (content?.[0]?.text !== 'hello') throw new Error(`echo answered ${JSON.stringify(result).slice(0, 200)}`);
}
