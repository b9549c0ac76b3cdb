import type { Kysely } from 'kysely';
import { sql } from 'kysely';

/**
 * Personal access tokens: what another MCP client sends as `Authorization: Bearer`
 * to reach the gateway. Only a SHA-256 hash of a token is kept (the token is shown
 * once, at creation); `prefix` is its first characters, enough to recognise it in a
 * list. `projects` (a JSON array, or null for all) limits what the token sees.
 * A revoked token stays listed with its revocation time; its name is free again.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('access_tokens')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('projects', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('revoked_at', 'text')
    .execute();
  // One live token per name and user; revoked ones keep theirs without blocking it.
  await db.schema
    .createIndex('access_tokens_user_live_name')
    .on('access_tokens')
    .columns(['user_id', 'name'])
    .unique()
    .where(sql.ref('revoked_at'), 'is', null)
    .execute();
}
