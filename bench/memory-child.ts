/**
 * Runs in its own process with `--expose-gc`: opens 2 × N idle sessions to the URL given
 * (through Patchbay's SessionPool, or as bare SDK clients) and reports, over IPC,
 * resident memory and heap after the first N and after the second N, each measured after
 * garbage collection.
 *
 * Arguments: `<url> <patchbay|patchbay-first-fetch|sdk> <sessions>`.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { createMcpFetch, type FetchLike, SessionPool } from '../src/mcp/index.ts';
import { type BenchClient, benchSessionSettings, openSdkClient } from './clients.ts';
import { createVariantFetch } from './fetch-variants.ts';

export interface MemorySample {
  rss: number;
  heapTotal: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
}

export interface MemoryChildResult {
  mode: string;
  sessions: number;
  /** GET event streams the measured sessions hold open once idle. */
  openStreams: number;
  before: MemorySample;
  after: MemorySample;
}

const [url, mode, countArg] = process.argv.slice(2);
const count = Number(countArg);
const BATCH = 25;
const STREAM_WAIT_MS = 10_000;

const MODES = ['patchbay', 'patchbay-first-fetch', 'sdk'];
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc || !url || !MODES.includes(mode) || !(count > 0)) {
  console.error(`usage: node --expose-gc bench/memory-child.ts <url> <${MODES.join('|')}> <sessions>`);
  process.exit(2);
}

let openStreams = 0;
/** Counts the GET event streams that the server accepted, to know when every session is idle. */
function countingStreams(inner: FetchLike): FetchLike {
  return async (input, init) => {
    const response = await inner(input, init);
    if ((init?.method ?? 'GET').toUpperCase() === 'GET' && response.ok) openStreams++;
    return response;
  };
}

async function measure(): Promise<MemorySample> {
  for (let i = 0; i < 4; i++) {
    gc!();
    await sleep(25);
  }
  const { rss, heapTotal, heapUsed, external, arrayBuffers } = process.memoryUsage();
  return { rss, heapTotal, heapUsed, external, arrayBuffers };
}

interface Opened {
  open(i: number): Promise<void>;
  closeAll(): Promise<void>;
}

function openPatchbay(): Opened {
  const maxResponseBytes = 16 * 1024 * 1024;
  // The first fetch capped connections at 128, which idle sessions' event streams exhaust; uncapped here.
  const http =
    mode === 'patchbay-first-fetch'
      ? createVariantFetch({ maxResponseBytes, cap: 'transform-stream', signal: 'shared', connections: 4 * count + 16 })
      : createMcpFetch({ maxResponseBytes });
  const pool = new SessionPool({ ...benchSessionSettings(countingStreams(http.fetch)), idleMs: 600_000 });
  return {
    async open(i) {
      await pool.get({ connectorId: `connector-${i}`, userId: 'bench', name: `connector-${i}`, url, transport: 'streamable-http' }).connect();
    },
    async closeAll() {
      await pool.closeAll();
      await http.close();
    },
  };
}

function openSdk(): Opened {
  const clients: BenchClient[] = [];
  const fetch = countingStreams((input, init) => globalThis.fetch(input, init));
  return {
    async open() {
      clients.push(await openSdkClient(url, fetch));
    },
    async closeAll() {
      await Promise.allSettled(clients.map((c) => c.close()));
    },
  };
}

async function openMany(opened: Opened, from: number, to: number): Promise<void> {
  for (let start = from; start < to; start += BATCH) {
    await Promise.all(Array.from({ length: Math.min(BATCH, to - start) }, (_, k) => opened.open(start + k)));
  }
}

async function waitForStreams(expected: number): Promise<void> {
  const deadline = Date.now() + STREAM_WAIT_MS;
  while (openStreams < expected && Date.now() < deadline) await sleep(20);
}

// The first N sessions only warm up: they load lazily loaded code and make the heap grow its
// young generation (tens of MB, however many sessions there are), then stay open. The figure
// is what the next N sessions add on top: the steady cost of one more idle session.
const opened = mode === 'sdk' ? openSdk() : openPatchbay();
try {
  await openMany(opened, 0, count);
  await waitForStreams(count);
  const before = await measure();
  await openMany(opened, count, 2 * count);
  await waitForStreams(2 * count);
  await sleep(100);
  const after = await measure();
  const result: MemoryChildResult = { mode, sessions: count, openStreams: openStreams - count, before, after };
  process.send?.(result);
} catch (error) {
  const message = error instanceof Error ? error.message : String(error);
  process.send?.({ error: `${message} (after ${openStreams} sessions held an open stream)` });
}
await Promise.race([opened.closeAll(), sleep(10_000)]);
if (process.connected) process.disconnect();
