import { type Kysely, PostgresAdapter, sql } from 'kysely';

/**
 * PostgreSQL: `patchbay_reserve_usage_batch` runs without sequential scans.
 *
 * Every limited call inserts a slot row and its release deletes it, thousands a second
 * under load, while autovacuum visits at most once a minute. The planner sizes the
 * table from its last statistics ("a few rows") while it holds thousands of dead ones,
 * so it chose to read every page of `usage_slots` to find a batch's releases, a cost
 * that grew until the next vacuum. By index, a release reads only its own rows.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`alter function patchbay_reserve_usage_batch(jsonb) set enable_seqscan = off`.execute(db);
}
