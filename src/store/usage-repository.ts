import { type Kysely, sql, type Transaction } from 'kysely';
import { PatchbayError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { runStoreOperation } from './database-errors.ts';
import type { Database } from './schema.ts';
import type { StoreContext } from './store-context.ts';
import type { UsageCount, UsageLimit, UsageRefusal, UsageRepository, UsageReservation, UsageScope, UsageWindow } from './types.ts';

/** How long a concurrent slot counts when the reservation names no expiry. */
export const DEFAULT_SLOT_TTL_MS = 10 * 60_000;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/**
 * The order every reservation takes its row locks in, so two reservations sharing
 * rows never wait on each other in a cycle (a deadlock on PostgreSQL). Longer windows
 * come first: when several limits are reached, the one reported is the one that
 * frees last.
 */
const WINDOW_ORDER: Record<UsageWindow, number> = { conversation: 0, day: 1, hour: 2, concurrent: 3 };
const SCOPE_ORDER: Record<UsageScope, number> = { connector: 0, tool: 1 };
const PRIMARY_KEY = ['user_id', 'connector_id', 'scope', 'tool_name', 'window_kind', 'window_key'] as const;

/**
 * Attempts of one reservation when PostgreSQL breaks a deadlock by aborting it. Lock
 * order rules out deadlocks between reservations, but `prune` deletes stale rows in
 * whatever order it scans them, and an idle conversation row it deletes may be the
 * one a reservation is counting in.
 */
const RESERVE_ATTEMPTS = 3;
const PG_DEADLOCK_DETECTED = '40P01';

function isDeadlock(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === PG_DEADLOCK_DETECTED;
}

/** The counter row one limit of one call touches. */
interface CounterKey {
  user_id: string;
  connector_id: string;
  scope: UsageScope;
  tool_name: string;
  window_kind: UsageWindow;
  window_key: string;
}

/** Thrown inside the transaction to roll back every count taken before the refusing limit. */
class LimitReached extends Error {
  readonly refusal: UsageRefusal;

  constructor(refusal: UsageRefusal) {
    super('usage limit reached');
    this.refusal = refusal;
  }
}

/** The hour ('2026-11-24T08') or day ('2026-11-24') holding `now`, and when it ends. */
function describeCalendarWindow(window: 'hour' | 'day', now: number): { key: string; resetsAt: string } {
  const size = window === 'hour' ? HOUR_MS : DAY_MS;
  const start = Math.floor(now / size) * size;
  const iso = new Date(start).toISOString();
  return { key: iso.slice(0, window === 'hour' ? 13 : 10), resetsAt: new Date(start + size).toISOString() };
}

function checkLimit(limit: UsageLimit): void {
  if (!Number.isInteger(limit.max) || limit.max < 0) {
    throw new PatchbayError('VALIDATION_FAILED', `A usage limit must allow a whole number of calls, 0 or more; got ${limit.max} for ${limit.scope} per ${limit.window}. Fix the limit setting.`);
  }
}

/**
 * The limits that apply to this call, one per (scope, window) — the strictest when
 * several name the same counter — in lock order. 'conversation' limits need a
 * conversation to count in.
 */
function selectLimits(request: UsageReservation): UsageLimit[] {
  const strictest = new Map<string, UsageLimit>();
  for (const limit of request.limits) {
    checkLimit(limit);
    if (limit.window === 'conversation' && request.conversationId === undefined) continue;
    const id = `${limit.scope}:${limit.window}`;
    const known = strictest.get(id);
    if (!known || limit.max < known.max) strictest.set(id, limit);
  }
  return [...strictest.values()].sort((a, b) => WINDOW_ORDER[a.window] - WINDOW_ORDER[b.window] || SCOPE_ORDER[a.scope] - SCOPE_ORDER[b.scope]);
}

function keyOf(request: UsageReservation, limit: UsageLimit): { key: CounterKey; resetsAt: string | null } {
  const base = {
    user_id: request.userId,
    connector_id: request.connectorId,
    scope: limit.scope,
    tool_name: limit.scope === 'tool' ? request.toolName : '',
    window_kind: limit.window,
  };
  switch (limit.window) {
    case 'hour':
    case 'day': {
      const { key, resetsAt } = describeCalendarWindow(limit.window, request.now);
      return { key: { ...base, window_key: key }, resetsAt };
    }
    case 'conversation':
      return { key: { ...base, window_key: request.conversationId! }, resetsAt: null };
    case 'concurrent':
      return { key: { ...base, window_key: '' }, resetsAt: null };
  }
}

/**
 * Counts one call in a conversation, hour or day window, or says how many there were.
 *
 * Exact because one statement both checks and counts: an upsert whose update only
 * happens `where used < max`. On PostgreSQL under READ COMMITTED, a second writer of
 * the same row waits for the first to commit, then evaluates the WHERE against the row
 * as the first left it (an insert racing an insert waits on the unique index, then
 * takes the update path); the row stays locked until this transaction ends. SQLite
 * runs one write transaction at a time (`BEGIN IMMEDIATE`).
 */
async function countCall(trx: Transaction<Database>, limit: UsageLimit, key: CounterKey, resetsAt: string | null, updatedAt: string): Promise<UsageRefusal | undefined> {
  if (limit.max > 0) {
    const counted = await trx
      .insertInto('usage_counters')
      .values({ ...key, used: 1, resets_at: resetsAt, updated_at: updatedAt })
      .onConflict((oc) =>
        oc
          .columns(PRIMARY_KEY)
          .doUpdateSet((eb) => ({ used: eb('usage_counters.used', '+', 1), updated_at: updatedAt }))
          .where('usage_counters.used', '<', limit.max),
      )
      .returning('used')
      .executeTakeFirst();
    if (counted) return undefined;
  }
  const row = await trx
    .selectFrom('usage_counters')
    .select('used')
    .where('user_id', '=', key.user_id)
    .where('connector_id', '=', key.connector_id)
    .where('scope', '=', key.scope)
    .where('tool_name', '=', key.tool_name)
    .where('window_kind', '=', key.window_kind)
    .where('window_key', '=', key.window_key)
    .executeTakeFirst();
  return { ok: false, limit, resetsAt, used: row?.used ?? 0, max: limit.max };
}

/**
 * Takes one concurrent slot, or says how many are taken.
 *
 * Live slots are rows, so one that outlives its process simply expires. Counting
 * them and adding one are two statements, so every reservation of the key first
 * locks the key's 'concurrent' counter row (an upsert, which locks the row it
 * inserts or updates until commit). On PostgreSQL under READ COMMITTED the count
 * that follows is a new statement with a new snapshot, taken after the previous
 * holder of the lock committed, so it sees that holder's slot. A release deletes
 * without the lock: racing a count, it can only make a reservation refuse that would
 * have fitted a moment later, never admit one too many.
 */
async function takeSlot(
  trx: Transaction<Database>,
  limit: UsageLimit,
  key: CounterKey,
  reservationId: string,
  now: number,
  ttlMs: number,
): Promise<UsageRefusal | undefined> {
  const nowIso = new Date(now).toISOString();
  await trx
    .insertInto('usage_counters')
    .values({ ...key, used: 0, resets_at: null, updated_at: nowIso })
    .onConflict((oc) => oc.columns(PRIMARY_KEY).doUpdateSet({ updated_at: nowIso }))
    .execute();
  const { n } = await trx
    .selectFrom('usage_slots')
    .select((eb) => eb.fn.countAll<number | string | bigint>().as('n'))
    .where('user_id', '=', key.user_id)
    .where('connector_id', '=', key.connector_id)
    .where('scope', '=', key.scope)
    .where('tool_name', '=', key.tool_name)
    .where('expires_at', '>', nowIso)
    .executeTakeFirstOrThrow();
  const used = Number(n);
  if (used >= limit.max) return { ok: false, limit, resetsAt: null, used, max: limit.max };
  await trx
    .insertInto('usage_slots')
    .values({
      reservation_id: reservationId,
      scope: key.scope,
      user_id: key.user_id,
      connector_id: key.connector_id,
      tool_name: key.tool_name,
      expires_at: new Date(now + ttlMs).toISOString(),
    })
    .execute();
  return undefined;
}

function compareCounts(a: UsageCount, b: UsageCount): number {
  return (
    SCOPE_ORDER[a.scope] - SCOPE_ORDER[b.scope] ||
    (a.toolName ?? '').localeCompare(b.toolName ?? '') ||
    WINDOW_ORDER[a.window] - WINDOW_ORDER[b.window] ||
    (a.period ?? '').localeCompare(b.period ?? '')
  );
}

/**
 * PostgreSQL: the reservation in one statement (`patchbay_reserve_usage`, migration 008),
 * so the counter rows stay locked for the server's few microseconds, not for round trips.
 */
async function reserveInOneStatement(db: Kysely<Database>, request: UsageReservation, limits: UsageLimit[], reservationId: string, ttlMs: number): Promise<UsageRefusal | undefined> {
  const keys = limits.map((limit) => keyOf(request, limit));
  const payload = limits.map((limit, i) => ({ ...keys[i].key, max: limit.max, resets_at: keys[i].resetsAt }));
  const { rows } = await sql<{ refusal: { index: number; used: number | string } | null }>`
    select patchbay_reserve_usage(${JSON.stringify(payload)}::jsonb, ${reservationId}, ${new Date(request.now).toISOString()}, ${new Date(request.now + ttlMs).toISOString()}) as refusal
  `.execute(db);
  const refusal = rows[0]?.refusal;
  if (!refusal) return undefined;
  const limit = limits[refusal.index];
  return { ok: false, limit, resetsAt: keys[refusal.index].resetsAt, used: Number(refusal.used), max: limit.max };
}

export function createUsageRepository({ kind, db, clock }: StoreContext): UsageRepository {
  return {
    reserve: (request) =>
      runStoreOperation('usage.reserve', async () => {
        const limits = selectLimits(request);
        const reservationId = newId();
        if (limits.length === 0) return { ok: true, reservationId };
        const ttlMs = request.slotTtlMs ?? DEFAULT_SLOT_TTL_MS;
        if (!(ttlMs > 0)) throw new PatchbayError('VALIDATION_FAILED', `A concurrent slot needs a positive lifetime; got ${ttlMs} ms. Pass the request timeout as slotTtlMs.`);
        const updatedAt = new Date(request.now).toISOString();
        for (let attempt = 1; ; attempt++) {
          try {
            if (kind === 'postgres') {
              const refusal = await reserveInOneStatement(db, request, limits, reservationId, ttlMs);
              return refusal ?? { ok: true, reservationId };
            }
            // All limits in one transaction: a refusal rolls back the counts already taken.
            await db.transaction().execute(async (trx) => {
              for (const limit of limits) {
                const { key, resetsAt } = keyOf(request, limit);
                const refusal =
                  limit.window === 'concurrent'
                    ? await takeSlot(trx, limit, key, reservationId, request.now, ttlMs)
                    : await countCall(trx, limit, key, resetsAt, updatedAt);
                if (refusal) throw new LimitReached(refusal);
              }
            });
            return { ok: true, reservationId };
          } catch (error) {
            if (error instanceof LimitReached) return error.refusal;
            if (!isDeadlock(error) || attempt === RESERVE_ATTEMPTS) throw error;
          }
        }
      }),

    release: (reservationId) =>
      runStoreOperation('usage.release', async () => {
        await db.deleteFrom('usage_slots').where('reservation_id', '=', reservationId).execute();
      }),

    usage: (userId, connectorId, toolName) =>
      runStoreOperation('usage.usage', async () => {
        const now = clock.now();
        const nowIso = new Date(now).toISOString();
        const hour = describeCalendarWindow('hour', now).key;
        const day = describeCalendarWindow('day', now).key;
        const rows = await db
          .selectFrom('usage_counters')
          .select(['scope', 'tool_name', 'window_kind', 'window_key', 'used', 'resets_at'])
          .where('user_id', '=', userId)
          .where('connector_id', '=', connectorId)
          .where((eb) => (toolName === undefined ? eb.lit(true) : eb.or([eb('scope', '=', 'connector'), eb('tool_name', '=', toolName)])))
          .where((eb) =>
            eb.or([
              eb('window_kind', '=', 'conversation'),
              eb.and([eb('window_kind', '=', 'hour'), eb('window_key', '=', hour)]),
              eb.and([eb('window_kind', '=', 'day'), eb('window_key', '=', day)]),
            ]),
          )
          .execute();
        const slots = await db
          .selectFrom('usage_slots')
          .select((eb) => ['scope', 'tool_name', eb.fn.countAll<number | string | bigint>().as('n')])
          .where('user_id', '=', userId)
          .where('connector_id', '=', connectorId)
          .where((eb) => (toolName === undefined ? eb.lit(true) : eb.or([eb('scope', '=', 'connector'), eb('tool_name', '=', toolName)])))
          .where('expires_at', '>', nowIso)
          .groupBy(['scope', 'tool_name'])
          .execute();
        const counts: UsageCount[] = [
          ...rows.map((row) => ({
            scope: row.scope as UsageScope,
            toolName: row.scope === 'tool' ? row.tool_name : null,
            window: row.window_kind as UsageWindow,
            period: row.window_key,
            used: Number(row.used),
            resetsAt: row.resets_at,
          })),
          ...slots.map((row) => ({
            scope: row.scope as UsageScope,
            toolName: row.scope === 'tool' ? row.tool_name : null,
            window: 'concurrent' as const,
            period: null,
            used: Number(row.n),
            resetsAt: null,
          })),
        ];
        return counts.sort(compareCounts);
      }),

    prune: (before) =>
      runStoreOperation('usage.prune', async () => {
        const counters = await db
          .deleteFrom('usage_counters')
          .where((eb) =>
            eb.or([
              eb.and([eb('resets_at', 'is not', null), eb('resets_at', '<=', before)]),
              eb.and([eb('resets_at', 'is', null), eb('updated_at', '<', before)]),
            ]),
          )
          .executeTakeFirst();
        const slots = await db.deleteFrom('usage_slots').where('expires_at', '<=', before).executeTakeFirst();
        return Number(counters.numDeletedRows) + Number(slots.numDeletedRows);
      }),
  };
}
