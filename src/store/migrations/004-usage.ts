import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Usage counters behind per-conversation, per-hour, per-day and concurrent limits.
 *
 * - usage_counters: one row per (user, connector, scope, tool, window kind, window
 *   key) with a count, raised by a conditional upsert so a limit is exact under
 *   concurrency. A 'concurrent' row counts nothing: it is the row every reservation of
 *   that key locks before counting its live slots. `tool_name` is '' for
 *   connector-wide counters (MCP tool names are never empty).
 * - usage_slots: one row per concurrent slot held by a reservation, with an expiry so
 *   a process that dies mid-call does not hold its slots for ever.
 *
 * No foreign keys, like audit events: counting must not take locks on connectors, and
 * rows of a removed connector simply age out through pruning.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('usage_counters')
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('connector_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('tool', 'connector')`))
    .addColumn('tool_name', 'text', (c) => c.notNull())
    .addColumn('window_kind', 'text', (c) => c.notNull().check(sql`window_kind in ('conversation', 'hour', 'day', 'concurrent')`))
    .addColumn('window_key', 'text', (c) => c.notNull())
    .addColumn('used', 'integer', (c) => c.notNull())
    .addColumn('resets_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_counters_pk', ['user_id', 'connector_id', 'scope', 'tool_name', 'window_kind', 'window_key'])
    .execute();
  await db.schema.createIndex('usage_counters_resets_at').on('usage_counters').column('resets_at').execute();
  await db.schema.createIndex('usage_counters_updated_at').on('usage_counters').column('updated_at').execute();

  await db.schema
    .createTable('usage_slots')
    .addColumn('reservation_id', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('tool', 'connector')`))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('connector_id', 'text', (c) => c.notNull())
    .addColumn('tool_name', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('usage_slots_pk', ['reservation_id', 'scope'])
    .execute();
  await db.schema.createIndex('usage_slots_key').on('usage_slots').columns(['user_id', 'connector_id', 'scope', 'tool_name', 'expires_at']).execute();
  await db.schema.createIndex('usage_slots_expires_at').on('usage_slots').column('expires_at').execute();
}
