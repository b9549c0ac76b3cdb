import { PatchbayError } from '../core/errors.ts';
import { newId } from '../core/ids.ts';
import { runStoreOperation } from './database-errors.ts';
import type { StoreContext } from './store-context.ts';
import type { UsageCount, UsageLimit, UsageRepository, UsageReservation, UsageScope, UsageWindow } from './types.ts';
import { applyOnPostgres, applyOnSqlite, SCOPE_ORDER, WINDOW_ORDER } from './usage-apply.ts';
import { type QueuedLimit, UsageBatcher } from './usage-batch.ts';

/** How long a concurrent slot counts when the reservation names no expiry. */
export const DEFAULT_SLOT_TTL_MS = 10 * 60_000;

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

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

function queuedLimitOf(request: UsageReservation, limit: UsageLimit): QueuedLimit {
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
      return { key: { ...base, window_key: key }, resetsAt, max: limit.max };
    }
    case 'conversation':
      return { key: { ...base, window_key: request.conversationId! }, resetsAt: null, max: limit.max };
    case 'concurrent':
      return { key: { ...base, window_key: '' }, resetsAt: null, max: limit.max };
  }
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
 * Reservations and releases go to the store in batches (`UsageBatcher`): one
 * transaction per turn of the event loop rather than one or two per call. A release
 * is committed with the next batch, within a turn of the event loop.
 */
export function createUsageRepository({ kind, db, clock, sqlite }: StoreContext): UsageRepository & { idle(): Promise<void> } {
  const batcher = new UsageBatcher(kind === 'postgres' ? applyOnPostgres(db) : applyOnSqlite(db, sqlite!));
  return {
    reserve: (request) =>
      runStoreOperation('usage.reserve', async () => {
        const limits = selectLimits(request);
        const reservationId = newId();
        if (limits.length === 0) return { ok: true, reservationId };
        const ttlMs = request.slotTtlMs ?? DEFAULT_SLOT_TTL_MS;
        if (!(ttlMs > 0)) throw new PatchbayError('VALIDATION_FAILED', `A concurrent slot needs a positive lifetime; got ${ttlMs} ms. Pass the request timeout as slotTtlMs.`);
        const queued = limits.map((limit) => queuedLimitOf(request, limit));
        const refusal = await batcher.reserve({
          id: reservationId,
          now: new Date(request.now).toISOString(),
          slotExpiresAt: new Date(request.now + ttlMs).toISOString(),
          limits: queued,
        });
        // Only a concurrent slot is given back; counts of calls made stay.
        if (refusal === undefined) return { ok: true, reservationId: limits.some((limit) => limit.window === 'concurrent') ? reservationId : '' };
        const limit = limits[refusal.index];
        return { ok: false, limit, resetsAt: queued[refusal.index].resetsAt, used: refusal.used, max: limit.max };
      }),

    // A reservation without a slot has nothing to free: no trip to the store.
    release: (reservationId) => (reservationId === '' ? Promise.resolve() : runStoreOperation('usage.release', () => batcher.release(reservationId))),

    idle: () => batcher.idle(),

    usage: (userId, connectorId, toolName) =>
      runStoreOperation('usage.usage', async () => {
        // Releases this process already made are shown as made.
        await batcher.idle();
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
