/**
 * Part 1 (and the tuning rows of part 4): tools/call latency and throughput at
 * several calls in flight, one long-lived session per variant, all against the same
 * server process (a second one answers with JSON instead of SSE for the JSON rows).
 */

import { createMcpFetch, type FetchLike } from '../src/mcp/index.ts';
import { type BenchClient, openPatchbayClient, openRawClient, openSdkClient } from './clients.ts';
import { createVariantFetch, type FetchVariantOptions } from './fetch-variants.ts';
import { type CellLimits, type CellResult, measureCell, median, settle, warmUp } from './measure-cell.ts';
import { type EchoServer, startEchoServer } from './spawn-server.ts';

export interface CallsOptions {
  concurrencies: number[];
  limits: CellLimits;
  /** Each cell is measured this many times, rounds interleaved. */
  rounds: number;
  /** Only the variants whose key is, or starts with, one of these (all when empty); the SDK baseline always runs. */
  variants: string[];
  log(line: string): void;
}

export interface CallsRow extends CellResult {
  variant: string;
  label: string;
  /** The server process's CPU time per completed call, in µs. */
  serverCpuUsPerCall: number;
  /** This row's calls/s divided by the bare SDK client's at the same concurrency. */
  ratioVsSdk: number | null;
}

interface Variant {
  key: string;
  label: string;
  server: 'sse' | 'json';
  open(url: string, closers: Array<() => Promise<void>>): Promise<BenchClient>;
}

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

function patchbayOver(make: () => { fetch: FetchLike; close(): Promise<void> }): Variant['open'] {
  return async (url, closers) => {
    const http = make();
    closers.push(() => http.close());
    return openPatchbayClient(url, http.fetch);
  };
}

function patchbayVariant(key: string, label: string, options: Omit<FetchVariantOptions, 'maxResponseBytes'>): Variant {
  return { key, label, server: 'sse', open: patchbayOver(() => createVariantFetch({ maxResponseBytes: MAX_RESPONSE_BYTES, ...options })) };
}

const shipped = () => createMcpFetch({ maxResponseBytes: MAX_RESPONSE_BYTES });

export const CALL_VARIANTS: Variant[] = [
  { key: 'raw', label: '(a) raw JSON-RPC, undici.request', server: 'sse', open: (url) => openRawClient(url) },
  { key: 'sdk', label: '(b) bare SDK client, global fetch', server: 'sse', open: (url) => openSdkClient(url) },
  { key: 'patchbay', label: '(c) Patchbay McpSession + createMcpFetch', server: 'sse', open: patchbayOver(shipped) },
  {
    key: 'sdk+mcp-fetch',
    label: 'bare SDK client + createMcpFetch',
    server: 'sse',
    open: async (url, closers) => {
      const http = shipped();
      closers.push(() => http.close());
      return openSdkClient(url, http.fetch);
    },
  },
  patchbayVariant('t-first', 'Patchbay, first fetch: undici fetch, TransformStream cap, 128 conns', { cap: 'transform-stream', signal: 'shared' }),
  patchbayVariant('t-per-request-signal', 'Patchbay, first fetch + a signal per request', { cap: 'transform-stream', signal: 'per-request' }),
  patchbayVariant('t-counting-stream', 'Patchbay, undici fetch, counting-stream cap', { cap: 'counting-stream', signal: 'shared' }),
  patchbayVariant('t-content-length', 'Patchbay, undici fetch, Content-Length check only (UNSAFE)', { cap: 'content-length-only', signal: 'shared' }),
  {
    key: 't-pool-16',
    label: 'Patchbay, createMcpFetch capped at 16 connections',
    server: 'sse',
    open: patchbayOver(() => createMcpFetch({ maxResponseBytes: MAX_RESPONSE_BYTES, connections: 16 })),
  },
  { key: 't-json-sdk', label: 'bare SDK client, server answers JSON', server: 'json', open: (url) => openSdkClient(url) },
  { key: 't-json-patchbay', label: 'Patchbay McpSession, server answers JSON', server: 'json', open: patchbayOver(shipped) },
];

type Cell = CellResult & { serverCpuUsPerCall: number };

/**
 * Runs every (variant × concurrency) cell, concurrency-major so drift over the run hits
 * all variants alike; with several rounds, each figure is the median over rounds and the
 * ratio is the median of the per-round ratios (each taken minutes apart from no other).
 */
export async function benchCalls(options: CallsOptions): Promise<CallsRow[]> {
  const chosen = CALL_VARIANTS.filter((v) => options.variants.length === 0 || v.key === 'sdk' || options.variants.some((name) => v.key === name || v.key.startsWith(name)));
  const servers = new Map<Variant['server'], EchoServer>();
  const closers: Array<() => Promise<void>> = [];
  const clients = new Map<string, BenchClient>();
  try {
    for (const kind of new Set(chosen.map((v) => v.server))) servers.set(kind, await startEchoServer({ json: kind === 'json' }));
    for (const variant of chosen) {
      const client = await variant.open(servers.get(variant.server)!.url, closers);
      clients.set(variant.key, client);
      await client.callEcho('ready');
    }
    await settle(chosen.map((v) => ({ key: v.key, call: () => clients.get(v.key)!.callEcho('hello') })), options.limits, options.log);
    const cells = new Map<string, Cell[]>();
    for (let round = 0; round < options.rounds; round++) {
      for (const concurrency of options.concurrencies) {
        for (const variant of chosen) {
          const cell = await runCell(clients.get(variant.key)!, servers.get(variant.server)!, concurrency, options.limits);
          const key = `${variant.key}@${concurrency}`;
          cells.set(key, [...(cells.get(key) ?? []), cell]);
          options.log(
            `  ${options.rounds > 1 ? `round ${round + 1} ` : ''}${variant.key.padEnd(22)} ${String(concurrency).padStart(3)} in flight: ${cell.callsPerSec.toFixed(0)} calls/s${cell.errors ? `, FAILED: ${cell.firstError}` : ''}`,
          );
        }
      }
    }
    const rows: CallsRow[] = [];
    for (const variant of chosen) {
      for (const concurrency of options.concurrencies) {
        const rounds = cells.get(`${variant.key}@${concurrency}`)!;
        const sdk = cells.get(`sdk@${concurrency}`)!;
        const ratios = rounds.map((cell, i) => cell.callsPerSec / sdk[i].callsPerSec).filter(Number.isFinite);
        rows.push({ variant: variant.key, label: variant.label, ...combineRounds(rounds), ratioVsSdk: ratios.length > 0 ? median(ratios) : null });
      }
    }
    return rows;
  } finally {
    for (const client of clients.values()) await client.close().catch(() => {});
    for (const close of closers) await close().catch(() => {});
    for (const server of servers.values()) await server.close();
  }
}

async function runCell(client: BenchClient, server: EchoServer, concurrency: number, limits: CellLimits): Promise<Cell> {
  const call = () => client.callEcho('hello');
  await warmUp(call, concurrency, limits);
  const serverBefore = await server.cpuMicros();
  const measured = await measureCell(call, concurrency, limits);
  const serverCpu = (await server.cpuMicros()) - serverBefore;
  return { ...measured, serverCpuUsPerCall: measured.calls > 0 ? serverCpu / measured.calls : Number.NaN };
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
  };
}
