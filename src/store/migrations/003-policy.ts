import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * What a person decides about tools, and the record of every call.
 *
 * - connectors gain their policy: the approval new tools start at (Ask), whether tools
 *   the server marks read-only may run without asking, and connector-wide limits;
 * - tool settings gain 'default' as an approval (follow the connector), limits, the
 *   pinned definition a person reviewed, and a review state (new / reviewed / changed);
 * - approval requests: one per call that had to ask, bound to its exact arguments;
 * - audit events: every call at every door. Not tied to connectors by a foreign key,
 *   so the history survives a removed connector.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('connectors').addColumn('default_approval', 'text', (c) => c.notNull().defaultTo('ask')).execute();
  await db.schema.alterTable('connectors').addColumn('allow_read_only', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await db.schema.alterTable('connectors').addColumn('limits', 'text').execute();

  await db.schema.alterTable('tool_settings').addColumn('limits', 'text').execute();
  await db.schema.alterTable('tool_settings').addColumn('pinned_hash', 'text').execute();
  await db.schema.alterTable('tool_settings').addColumn('pinned_definition', 'text').execute();
  await db.schema.alterTable('tool_settings').addColumn('review_state', 'text', (c) => c.notNull().defaultTo('reviewed')).execute();
  await db.schema.alterTable('tool_settings').addColumn('changed_definition', 'text').execute();

  await db.schema
    .createTable('approval_requests')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('connector_id', 'text', (c) => c.notNull().references('connectors.id').onDelete('cascade'))
    .addColumn('tool_name', 'text', (c) => c.notNull())
    .addColumn('arguments_hash', 'text', (c) => c.notNull())
    .addColumn('arguments', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('door', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('pending', 'allowed', 'denied', 'used', 'expired')`))
    .addColumn('always', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('answered_at', 'text')
    .addColumn('answered_by', 'text')
    .execute();
  await db.schema.createIndex('approval_requests_user_status').on('approval_requests').columns(['user_id', 'status']).execute();

  await db.schema
    .createTable('audit_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('door', 'text', (c) => c.notNull())
    .addColumn('connector_id', 'text', (c) => c.notNull())
    .addColumn('connector_name', 'text', (c) => c.notNull())
    .addColumn('tool_name', 'text', (c) => c.notNull())
    .addColumn('arguments', 'text')
    .addColumn('decision', 'text', (c) => c.notNull())
    .addColumn('approved_by', 'text')
    .addColumn('latency_ms', 'integer')
    .addColumn('result_bytes', 'integer')
    .addColumn('error_code', 'text')
    .addColumn('conversation_id', 'text')
    .execute();
  await db.schema.createIndex('audit_events_user_at').on('audit_events').columns(['user_id', 'at']).execute();
}
