import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import pg from 'pg';
import type { DatabaseConfig } from '../src/core/config.ts';
import { openStore } from '../src/store/index.ts';

const postgresUrl = process.env.PATCHBAY_TEST_DATABASE_URL;
const reserver = join(import.meta.dirname, 'fixtures', 'usage-reserver.ts');

interface Report {
  search: string[];
  fetch: string[];
}

/**
 * Starts `count` reserver processes on one database, lets them all open it, then
 * releases them at once and collects each one's report.
 */
async function runReservers(t: TestContext, args: string[], count: number): Promise<Report[]> {
  const children: ChildProcess[] = [];
  t.after(() => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let ready = 0;
  const runs = Array.from({ length: count }, () => {
    const child = spawn(process.execPath, [reserver, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8');
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.stdout!.on('data', (chunk: string) => {
      const wasReady = stdout.includes('ready\n');
      stdout += chunk;
      // Released together once every process has opened the store.
      if (!wasReady && stdout.includes('ready\n') && ++ready === count) for (const c of children) c.stdin!.end('go\n');
    });
    return new Promise<Report>((resolve, reject) => {
      child.on('error', reject);
      child.on('close', (code) => {
        if (code !== 0) return reject(new Error(`reserver exited with ${code}: ${stderr}`));
        resolve(JSON.parse(stdout.split('\n')[1]) as Report);
      });
    });
  });
  return Promise.all(runs);
}

async function checkTotals(t: TestContext, config: DatabaseConfig, args: string[], schema?: string): Promise<void> {
  const reports = await runReservers(t, args, 2);
  const search = reports.flatMap((r) => r.search);
  const fetch = reports.flatMap((r) => r.fetch);
  assert.equal(search.length, 3, `3 per day across both processes, got ${JSON.stringify(reports.map((r) => r.search.length))}`);
  assert.equal(fetch.length, 2, `2 concurrent across both processes, got ${JSON.stringify(reports.map((r) => r.fetch.length))}`);
  assert.equal(new Set(fetch).size, 2, 'each slot has its own reservation id');
  assert.deepEqual(search, ['', '', ''], 'a count of calls made holds nothing to release');

  const store = await openStore(config, { schema, clock: { now: () => Date.parse('2026-11-24T08:30:00.000Z') } });
  t.after(() => store.close());
  assert.deepEqual(
    (await store.usage.usage('u1', 'c1')).map((c) => [c.toolName, c.window, c.used]),
    [
      ['fetch', 'concurrent', 2],
      ['search', 'day', 3],
    ],
  );
}

describe('usage limits across processes', () => {
  it('grants exactly the limit to two processes on one SQLite file', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-usage-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'patchbay.db');
    await checkTotals(t, { kind: 'sqlite', path }, ['sqlite', path]);
  });

  it('grants exactly the limit to two processes on one PostgreSQL schema', { skip: postgresUrl ? false : 'PATCHBAY_TEST_DATABASE_URL is not set' }, async (t) => {
    const schema = usePostgresSchema(t);
    await checkTotals(t, { kind: 'postgres', url: postgresUrl! }, ['postgres', postgresUrl!, schema], schema);
  });

  it('retries a reservation PostgreSQL aborts to break a deadlock with another session', { skip: postgresUrl ? false : 'PATCHBAY_TEST_DATABASE_URL is not set' }, async (t) => {
    const schema = usePostgresSchema(t);
    const store = await openStore({ kind: 'postgres', url: postgresUrl! }, { schema, clock: { now: () => Date.parse('2026-11-24T08:30:00.000Z') } });
    t.after(() => store.close());
    const reserve = () =>
      store.usage.reserve({
        userId: 'u1',
        connectorId: 'c1',
        toolName: 'search',
        conversationId: 'conv',
        now: Date.parse('2026-11-24T08:30:00.000Z'),
        limits: [
          { scope: 'tool', window: 'conversation', max: 5 },
          { scope: 'tool', window: 'concurrent', max: 5 },
        ],
      });
    assert.equal((await reserve()).ok, true);

    // Another session (as prune's DELETE may) locks the rows in the opposite order of a reservation.
    const other = new pg.Client({ connectionString: postgresUrl });
    await other.connect();
    t.after(() => other.end());
    await other.query(`set search_path to "${schema}"`);
    // Longer than the store's sessions wait, so the deadlock is found, and broken, on the reservation's side.
    await other.query(`set deadlock_timeout = '30s'`);
    await other.query('begin');
    await other.query(`select 1 from usage_counters where window_kind = 'concurrent' for update`);
    const pending = reserve();
    // The reservation holds the conversation row and waits for the concurrent one.
    for (;;) {
      const { rows } = await other.query('select count(*)::int as n from pg_stat_activity where pg_backend_pid() = any(pg_blocking_pids(pid))');
      if (rows[0].n > 0) break;
      await delay(10);
    }
    await other.query(`select 1 from usage_counters where window_kind = 'conversation' for update`);
    await other.query('commit');
    assert.equal((await pending).ok, true, 'granted on a second attempt');
    assert.deepEqual(
      (await store.usage.usage('u1', 'c1', 'search')).map((c) => [c.window, c.used]),
      [
        ['conversation', 2],
        ['concurrent', 2],
      ],
    );
  });
});

function usePostgresSchema(t: TestContext): string {
  const schema = `pb_usage_${randomBytes(4).toString('hex')}`;
  t.after(async () => {
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    await client.query(`drop schema if exists "${schema}" cascade`);
    await client.end();
  });
  return schema;
}
