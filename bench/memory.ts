/**
 * Part 3: resident memory per idle pooled session. Each client kind runs in its own
 * child process (`memory-child.ts`, with `--expose-gc`) against a server in another.
 */

import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { MemoryChildResult } from './memory-child.ts';
import { startEchoServer, stopChild } from './spawn-server.ts';

export interface MemoryOptions {
  sessions: number;
  log(line: string): void;
}

export interface MemoryMeasured extends MemoryChildResult {
  label: string;
  rssKbPerSession: number;
  heapTotalKbPerSession: number;
  heapKbPerSession: number;
  /** Memory held outside the JS heap (socket buffers, Buffers) per session. */
  externalKbPerSession: number;
}

export type MemoryRow = MemoryMeasured | { mode: string; label: string; sessions: number; error: string };

const CHILD = fileURLToPath(new URL('./memory-child.ts', import.meta.url));
const CHILD_TIMEOUT_MS = 60_000;
const LABELS: Record<string, string> = {
  patchbay: 'Patchbay SessionPool + createMcpFetch',
  'patchbay-first-fetch': 'Patchbay SessionPool + first fetch (undici fetch)',
  sdk: 'bare SDK clients, global fetch',
};

export async function benchMemory(options: MemoryOptions): Promise<MemoryRow[]> {
  const rows: MemoryRow[] = [];
  for (const mode of Object.keys(LABELS)) {
    // A fresh server per mode so it starts from the same state.
    const server = await startEchoServer();
    try {
      const result = await runChild(server.url, mode, options.sessions).catch((error: Error) => error);
      if (result instanceof Error) {
        options.log(`  ${mode.padEnd(21)} ${result.message}`);
        rows.push({ mode, label: LABELS[mode], sessions: options.sessions, error: result.message });
        continue;
      }
      const per = (a: number, b: number) => (b - a) / 1024 / result.sessions;
      const row: MemoryMeasured = {
        ...result,
        label: LABELS[mode],
        rssKbPerSession: per(result.before.rss, result.after.rss),
        heapTotalKbPerSession: per(result.before.heapTotal, result.after.heapTotal),
        heapKbPerSession: per(result.before.heapUsed, result.after.heapUsed),
        externalKbPerSession: per(result.before.external, result.after.external),
      };
      options.log(`  ${mode.padEnd(21)} ${row.rssKbPerSession.toFixed(0)} KB RSS per session (${row.openStreams} open streams)`);
      rows.push(row);
    } finally {
      await server.close();
    }
  }
  return rows;
}

function runChild(url: string, mode: string, sessions: number): Promise<MemoryChildResult> {
  const child = fork(CHILD, [url, mode, String(sessions)], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise<MemoryChildResult>((resolve, reject) => {
    let result: MemoryChildResult | undefined;
    const timer = setTimeout(() => {
      void stopChild(child);
      reject(new Error(`The memory measurement (${mode}) did not finish within ${CHILD_TIMEOUT_MS / 1000} s.`));
    }, CHILD_TIMEOUT_MS);
    let failure: string | undefined;
    child.on('message', (message: MemoryChildResult | { error: string }) => {
      if ('error' in message) failure = message.error;
      else result = message;
      void stopChild(child);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (result) resolve(result);
      else reject(new Error(`The memory measurement (${mode}) failed: ${failure ?? `exited with status ${code} without a result`}.`));
    });
  });
}
