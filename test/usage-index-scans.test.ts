/**
 * PostgreSQL: a batch of reservations and releases finds its slot rows by index. Slot
 * rows churn (one inserted per limited call, deleted at its release) far faster than
 * autovacuum runs, so a sequential scan reads every dead row left since the last vacuum.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pg from 'pg';
import { openStore } from '../src/store/index.ts';
import type { UsageLimit } from '../src/store/types.ts';

const postgresUrl = process.env.PATCHBAY_TEST_DATABASE_URL;

describe('usage batches on PostgreSQL', { skip: postgresUrl ? false : 'PATCHBAY_TEST_DATABASE_URL is not set' }, () => {
  it('release and count concurrent slots by index, never by reading the whole slot table', async (t) => {
    const schema = `pb_scan_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const client = new pg.Client({ connectionString: postgresUrl });
    await client.connect();
    t.after(async () => {
      await client.query(`drop schema if exists "${schema}" cascade`);
      await client.end();
    });
    const store = await openStore({ kind: 'postgres', url: postgresUrl! }, { schema });
    const limits: UsageLimit[] = [{ scope: 'tool', window: 'concurrent', max: 1000 }];
    const now = Date.now();
    const reserve = () => store.usage.reserve({ userId: 'u1', connectorId: 'c1', toolName: 'search', now, limits, slotTtlMs: 60_000 });
    // Rows live and dead, as under load: 300 slots taken, 200 of them released.
    const grants = await Promise.all(Array.from({ length: 300 }, reserve));
    const ids = grants.map((g) => (g.ok ? g.reservationId : assert.fail('a slot was refused')));
    await Promise.all(ids.slice(0, 200).map((id) => store.usage.release(id)));
    await store.close();

    // One batch as the store sends it (see migration 009): two releases and one reservation.
    const iso = new Date(now).toISOString();
    const key = { user_id: 'u1', connector_id: 'c1', scope: 'tool', tool_name: 'search', window_kind: 'concurrent', window_key: '', resets_at: null };
    const batch = {
      now: iso,
      touch_before: new Date(now - 3_600_000).toISOString(),
      releases: ids.slice(200, 202),
      rows: [key],
      groups: [{ now: iso, ids: ['next'], expires: [new Date(now + 60_000).toISOString()], limits: [{ row: 0, max: 1000 }] }],
    };
    await client.query(`set search_path to "${schema}"`);
    await client.query('begin');
    const { rows } = await client.query('select patchbay_reserve_usage_batch($1::jsonb) as results', [JSON.stringify(batch)]);
    const scans = await client.query(`select seq_scan, idx_scan from pg_stat_xact_user_tables where schemaname = $1 and relname = 'usage_slots'`, [schema]);
    await client.query('rollback');
    assert.deepEqual(rows[0].results, [{ granted: 1, refusal: null }], 'the batch did its work: 99 slots held, one more granted');
    assert.equal(Number(scans.rows[0].seq_scan), 0, 'no sequential scan of usage_slots');
    assert.ok(Number(scans.rows[0].idx_scan) >= 2, 'the release and the count went by index');
  });
});
