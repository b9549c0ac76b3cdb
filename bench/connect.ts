/**
 * Part 2: how long it takes to open N connectors at once and list their tools.
 * The N sessions go to one server process (N distinct MCP sessions on it), so the
 * figure is the client's and the protocol's cost, not N process start-ups.
 */

import { createMcpFetch, type SessionPoolOptions, SessionPool } from '../src/mcp/index.ts';
import { type BenchClient, benchSessionSettings, openSdkClient, wrapSession } from './clients.ts';
import { median } from './measure-cell.ts';
import { startEchoServer } from './spawn-server.ts';

export interface ConnectOptions {
  connectors: number;
  /** Measured rounds (one unmeasured warm-up round comes first). */
  rounds: number;
  log(line: string): void;
}

export interface ConnectRow {
  variant: string;
  label: string;
  connectors: number;
  roundsMs: number[];
  medianMs: number;
  minMs: number;
}

interface Opener {
  key: string;
  label: string;
  /** Opens one round's worth of clients, connected and with their tools listed; returns a clean-up. */
  open(url: string, count: number): Promise<{ close(): Promise<void> }>;
}

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

function poolOpener(key: string, label: string, protocol: SessionPoolOptions['protocol']): Opener {
  return {
    key,
    label,
    async open(url, count) {
      const http = createMcpFetch({ maxResponseBytes: MAX_RESPONSE_BYTES });
      const pool = new SessionPool({ ...benchSessionSettings(http.fetch, { protocol }), idleMs: 600_000 });
      const close = async () => {
        await pool.closeAll();
        await http.close();
      };
      try {
        await Promise.all(
          Array.from({ length: count }, async (_, i) => {
            const session = pool.get({ connectorId: `connector-${i}`, userId: 'bench', name: `connector-${i}`, url, transport: 'auto' });
            await session.connect();
            await expectOneTool(wrapSession(session));
          }),
        );
      } catch (error) {
        await close();
        throw error;
      }
      return { close };
    },
  };
}

const OPENERS: Opener[] = [
  poolOpener('pool', 'Patchbay SessionPool (protocol auto: probes 2026-07-28 first)', 'auto'),
  poolOpener('pool-legacy', 'Patchbay SessionPool (protocol legacy)', 'legacy'),
  {
    key: 'sdk',
    label: 'bare SDK clients, global fetch',
    async open(url, count) {
      const settled = await Promise.allSettled(
        Array.from({ length: count }, async () => {
          const client = await openSdkClient(url);
          await expectOneTool(client);
          return client;
        }),
      );
      const clients = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
      const close = async () => {
        await Promise.allSettled(clients.map((c) => c.close()));
      };
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) {
        await close();
        throw failed.reason;
      }
      return { close };
    },
  },
];

async function expectOneTool(client: BenchClient): Promise<void> {
  const tools = await client.listTools();
  if (tools !== 1) throw new Error(`expected 1 tool, got ${tools}`);
}

export async function benchConnect(options: ConnectOptions): Promise<ConnectRow[]> {
  const server = await startEchoServer();
  try {
    const times = new Map<string, number[]>(OPENERS.map((o) => [o.key, []]));
    // Round-robin so a busy moment on the machine does not land on one variant only.
    for (let round = 0; round <= options.rounds; round++) {
      for (const opener of OPENERS) {
        const started = performance.now();
        const opened = await opener.open(server.url, options.connectors);
        const elapsed = performance.now() - started;
        await opened.close();
        if (round > 0) times.get(opener.key)!.push(elapsed);
      }
    }
    return OPENERS.map((opener) => {
      const roundsMs = times.get(opener.key)!;
      const row = { variant: opener.key, label: opener.label, connectors: options.connectors, roundsMs, medianMs: median(roundsMs), minMs: Math.min(...roundsMs) };
      options.log(`  ${opener.key.padEnd(12)} median ${row.medianMs.toFixed(1)} ms`);
      return row;
    });
  } finally {
    await server.close();
  }
}
