import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { type Kysely, sql } from 'kysely';
import type { Database } from './schema.ts';
import type { ApplyUsageBatch, BatchOutcome, CounterKey, QueuedReservation, UsageBatch } from './usage-batch.ts';
import type { UsageScope, UsageWindow } from './types.ts';

/**
 * The order a reservation checks its limits in, and, extended to one total order over
 * every counter row of a batch, the order a batch locks them in, so two batches sharing
 * rows never wait on each other in a cycle (a deadlock on PostgreSQL). Longer windows
 * come first: when several limits are reached, the one reported is the one that frees
 * last.
 */
export const WINDOW_ORDER: Record<UsageWindow, number> = { conversation: 0, day: 1, hour: 2, concurrent: 3 };
export const SCOPE_ORDER: Record<UsageScope, number> = { connector: 0, tool: 1 };

/**
 * Attempts of one batch when PostgreSQL breaks a deadlock by aborting it. Lock order
 * rules out deadlocks between batches, but `prune` deletes stale rows in whatever
 * order it scans them, and an idle conversation row it deletes may be one a batch is
 * counting in.
 */
const BATCH_ATTEMPTS = 3;

/** How stale a counter row's `updated_at` may get before locking it moves it: pruning counts in days. */
const TOUCH_INTERVAL_MS = 3_600_000;
const PG_DEADLOCK_DETECTED = '40P01';

function isDeadlock(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === PG_DEADLOCK_DETECTED;
}

/** Before this (ISO), a counter row's `updated_at` is stale enough to move when the row is locked or touched. */
function touchBefore(now: string): string {
  return new Date(Date.parse(now) - TOUCH_INTERVAL_MS).toISOString();
}

function lockOrderOf(key: CounterKey): string {
  return [key.user_id, key.connector_id, WINDOW_ORDER[key.window_kind], SCOPE_ORDER[key.scope], key.tool_name, key.window_key].join('\u0000');
}

/**
 * PostgreSQL: the whole batch in one statement (`patchbay_reserve_usage_batch`,
 * migration 009), so its counter rows stay locked for one commit, not one per call.
 */
export function applyOnPostgres(db: Kysely<Database>): ApplyUsageBatch {
  return async (batch) => {
    const described = describeBatch(batch);
    // Positions stay here: the function answers per group, in order.
    const payload = JSON.stringify(described, (key, value) => (key === 'positions' ? undefined : value));
    for (let attempt = 1; ; attempt++) {
      try {
        const { rows } = await sql<{ results: Parameters<typeof outcomesOf>[2] }>`
          select patchbay_reserve_usage_batch(${payload}::jsonb) as results
        `.execute(db);
        return outcomesOf(batch, described.groups, rows[0].results);
      } catch (error) {
        if (!isDeadlock(error) || attempt === BATCH_ATTEMPTS) throw error;
      }
    }
  };
}

/** Reservations asking for the same limits, in the order they were asked for. */
interface Group {
  limits: Array<{ row: number; max: number }>;
  now: string;
  ids: string[];
  expires: string[];
  /** Positions of the group's reservations in the batch. */
  positions: number[];
}

/** The batch as the PostgreSQL function takes it: distinct counter rows in lock order, groups of reservations pointing at them. */
function describeBatch(batch: UsageBatch) {
  const rows = new Map<string, CounterKey & { resets_at: string | null }>();
  let latest = '';
  for (const reservation of batch.reservations) {
    if (reservation.now > latest) latest = reservation.now;
    for (const limit of reservation.limits) rows.set(lockOrderOf(limit.key), { ...limit.key, resets_at: limit.resetsAt });
  }
  const order = [...rows.keys()].sort();
  const rowOf = new Map(order.map((id, i) => [id, i]));
  const groups = new Map<string, Group>();
  batch.reservations.forEach((reservation, position) => {
    const limits = reservation.limits.map((limit) => ({ row: rowOf.get(lockOrderOf(limit.key))!, max: limit.max }));
    const id = JSON.stringify(limits);
    const group = groups.get(id) ?? { limits, now: reservation.now, ids: [], expires: [], positions: [] };
    groups.set(id, group);
    if (reservation.now < group.now) group.now = reservation.now;
    group.ids.push(reservation.id);
    group.expires.push(reservation.slotExpiresAt);
    group.positions.push(position);
  });
  // A batch of releases alone locks no rows.
  return { now: latest, touch_before: latest === '' ? '' : touchBefore(latest), releases: batch.releases, rows: order.map((id) => rows.get(id)!), groups: [...groups.values()] };
}

/** Each reservation's outcome: the first `granted` of a group are granted, the rest share the group's refusal. */
function outcomesOf(batch: UsageBatch, groups: Group[], results: Array<{ granted: number; refusal: { index: number; used: number | string } | null }>): BatchOutcome[] {
  const outcomes: BatchOutcome[] = new Array(batch.reservations.length);
  groups.forEach((group, g) => {
    const { granted, refusal } = results[g];
    group.positions.forEach((position, i) => {
      outcomes[position] = i < granted || refusal === null ? undefined : { index: refusal.index, used: Number(refusal.used) };
    });
  });
  return outcomes;
}

const KEY_MATCH = 'user_id = ? and connector_id = ? and scope = ? and tool_name = ?';

/**
 * SQLite: the batch in one `BEGIN IMMEDIATE` transaction of statements prepared once,
 * run synchronously over the store's node:sqlite connection (taken through Kysely, so
 * no transaction of the query builder is open on it meanwhile). The write lock is held
 * from the first read, so reading the counts and then writing them is exact across
 * processes sharing the file.
 */
export function applyOnSqlite(db: Kysely<Database>, database: DatabaseSync): ApplyUsageBatch {
  let statements: ReturnType<typeof prepareStatements> | undefined;
  return (batch) =>
    db.connection().execute(async () => {
      statements ??= prepareStatements(database);
      const prepared = statements;
      database.exec('begin immediate');
      try {
        for (const id of batch.releases) prepared.deleteSlots.run(id);
        const outcomes = batch.reservations.map((reservation) => reserveOnSqlite(prepared, reservation));
        database.exec('commit');
        return outcomes;
      } catch (error) {
        if (database.isTransaction) database.exec('rollback');
        throw error;
      }
    });
}

function prepareStatements(database: DatabaseSync) {
  const columns = 'user_id, connector_id, scope, tool_name, window_kind, window_key, used, resets_at, updated_at';
  const conflict = 'on conflict (user_id, connector_id, scope, tool_name, window_kind, window_key) do update set';
  return {
    deleteSlots: database.prepare('delete from usage_slots where reservation_id = ?'),
    readCount: database.prepare(`select used from usage_counters where ${KEY_MATCH} and window_kind = ? and window_key = ?`),
    countSlots: database.prepare(`select count(*) as n from usage_slots where ${KEY_MATCH} and expires_at > ?`),
    countCall: database.prepare(`insert into usage_counters (${columns}) values (?, ?, ?, ?, ?, ?, 1, ?, ?) ${conflict} used = used + 1, updated_at = excluded.updated_at`),
    // Kept like PostgreSQL's lock row, so both stores hold the same rows; touched as rarely.
    touchConcurrent: database.prepare(
      `insert into usage_counters (${columns}) values (?, ?, ?, ?, 'concurrent', '', 0, null, ?) ${conflict} updated_at = excluded.updated_at where updated_at < ?`,
    ),
    insertSlot: database.prepare('insert into usage_slots (reservation_id, scope, user_id, connector_id, tool_name, expires_at) values (?, ?, ?, ?, ?, ?)'),
  } satisfies Record<string, StatementSync>;
}

/** Checks every limit first, then counts against all of them: a refusal leaves nothing behind. */
function reserveOnSqlite(statements: ReturnType<typeof prepareStatements>, reservation: QueuedReservation): BatchOutcome {
  for (const [index, { key, max }] of reservation.limits.entries()) {
    const keyValues = [key.user_id, key.connector_id, key.scope, key.tool_name] as const;
    const used =
      key.window_kind === 'concurrent'
        ? Number((statements.countSlots.get(...keyValues, reservation.now) as { n: number }).n)
        : Number((statements.readCount.get(...keyValues, key.window_kind, key.window_key) as { used: number } | undefined)?.used ?? 0);
    if (used >= max) return { index, used };
  }
  for (const { key, resetsAt } of reservation.limits) {
    if (key.window_kind === 'concurrent') {
      statements.touchConcurrent.run(key.user_id, key.connector_id, key.scope, key.tool_name, reservation.now, touchBefore(reservation.now));
      statements.insertSlot.run(reservation.id, key.scope, key.user_id, key.connector_id, key.tool_name, reservation.slotExpiresAt);
    } else {
      statements.countCall.run(key.user_id, key.connector_id, key.scope, key.tool_name, key.window_kind, key.window_key, resetsAt, reservation.now);
    }
  }
  return undefined;
}
