import type { Selectable } from 'kysely';
import { runStoreOperation } from './database-errors.ts';
import type { AuditEventsTable } from './schema.ts';
import type { StoreContext } from './store-context.ts';
import type { AuditEvent, AuditRepository } from './types.ts';

function toEvent(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: row.id,
    at: row.at,
    userId: row.user_id,
    door: row.door,
    connectorId: row.connector_id,
    connectorName: row.connector_name,
    toolName: row.tool_name,
    arguments: row.arguments,
    decision: row.decision,
    approvedBy: row.approved_by,
    latencyMs: row.latency_ms === null ? null : Number(row.latency_ms),
    resultBytes: row.result_bytes === null ? null : Number(row.result_bytes),
    errorCode: row.error_code,
    conversationId: row.conversation_id,
  };
}

function toRow(event: AuditEvent) {
  return {
    id: event.id,
    at: event.at,
    user_id: event.userId,
    door: event.door,
    connector_id: event.connectorId,
    connector_name: event.connectorName,
    tool_name: event.toolName,
    arguments: event.arguments,
    decision: event.decision,
    approved_by: event.approvedBy,
    latency_ms: event.latencyMs,
    result_bytes: event.resultBytes,
    error_code: event.errorCode,
    conversation_id: event.conversationId,
  };
}

/** Rows per INSERT: well under SQLite's limit of bound parameters (14 columns each). */
const BATCH = 64;

export function createAuditRepository({ db }: StoreContext): AuditRepository {
  return {
    record: (event) =>
      runStoreOperation('audit.record', async () => {
        await db.insertInto('audit_events').values(toRow(event)).execute();
      }),

    recordMany: (events) =>
      runStoreOperation('audit.recordMany', async () => {
        for (let i = 0; i < events.length; i += BATCH) {
          await db.insertInto('audit_events').values(events.slice(i, i + BATCH).map(toRow)).execute();
        }
      }),

    list: (filter) =>
      runStoreOperation('audit.list', async () => {
        let query = db.selectFrom('audit_events').selectAll().where('user_id', '=', filter.userId);
        if (filter.connectorName !== undefined) query = query.where('connector_name', '=', filter.connectorName);
        if (filter.since !== undefined) query = query.where('at', '>=', filter.since);
        const { before, after } = filter;
        if (before) query = query.where((eb) => eb.or([eb('at', '<', before.at), eb.and([eb('at', '=', before.at), eb('id', '<', before.id)])]));
        if (after) query = query.where((eb) => eb.or([eb('at', '>', after.at), eb.and([eb('at', '=', after.at), eb('id', '>', after.id)])]));
        // The page just newer than `after` is the oldest of the newer events, read upwards and then turned round.
        const direction = after && !before ? 'asc' : 'desc';
        const rows = await query
          .orderBy('at', direction)
          .orderBy('id', direction)
          .limit(Math.min(filter.limit ?? 100, 10_000))
          .execute();
        if (direction === 'asc') rows.reverse();
        return rows.map(toEvent);
      }),

    prune: (before) =>
      runStoreOperation('audit.prune', async () => {
        const result = await db.deleteFrom('audit_events').where('at', '<', before).executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
  };
}
