import type { Kysely } from 'kysely';
import { type Migration, Migrator } from 'kysely/migration';
import * as initial from './migrations/001-initial.ts';
import * as signInFlowsAndLeases from './migrations/002-sign-in-flows-and-leases.ts';
import * as policy from './migrations/003-policy.ts';
import * as usage from './migrations/004-usage.ts';
import * as accessTokens from './migrations/005-access-tokens.ts';
import * as chat from './migrations/006-chat.ts';
import * as reserveUsageFunction from './migrations/008-reserve-usage-function.ts';
import * as batchedUsage from './migrations/009-batched-usage.ts';
import * as usageIndexScans from './migrations/010-usage-index-scans.ts';

/**
 * Every migration, oldest first. Names sort in the order they apply; a released
 * migration is never edited, a change is a new entry.
 */
export const MIGRATIONS: Readonly<Record<string, Migration>> = {
  '001_initial': initial,
  '002_sign_in_flows_and_leases': signInFlowsAndLeases,
  '003_policy': policy,
  '004_usage': usage,
  '005_access_tokens': accessTokens,
  '006_chat': chat,
  '008_reserve_usage_function': reserveUsageFunction,
  '009_batched_usage': batchedUsage,
  '010_usage_index_scans': usageIndexScans,
};

/** Names of every migration this version knows, oldest first. */
export const MIGRATION_NAMES: readonly string[] = Object.keys(MIGRATIONS);

/** The table of applied migrations; named for the project rather than Kysely's default. */
const MIGRATION_TABLE = 'patchbay_migrations';
const MIGRATION_LOCK_TABLE = 'patchbay_migrations_lock';

function createMigrator(db: Kysely<unknown>, schema: string | undefined): Migrator {
  return new Migrator({
    db,
    provider: { getMigrations: async () => ({ ...MIGRATIONS }) },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    // On PostgreSQL the table must be looked up in our schema: Kysely's check for an
    // existing table otherwise sees the same table in any other schema.
    migrationTableSchema: schema,
  });
}

/**
 * Applies pending migrations. Safe when several processes start at once: PostgreSQL
 * runs them under an advisory lock in one transaction, SQLite in one
 * `BEGIN IMMEDIATE` transaction. Returns the names applied by this call.
 */
export async function migrateToLatest(db: Kysely<unknown>, schema?: string): Promise<string[]> {
  const { error, results = [] } = await createMigrator(db, schema).migrateToLatest();
  if (error) {
    const failed = results.find((r) => r.status === 'Error')?.migrationName;
    throw Object.assign(new Error(failed ? `migration ${failed} failed: ${messageOf(error)}` : messageOf(error)), { cause: error });
  }
  return results.filter((r) => r.status === 'Success').map((r) => r.migrationName);
}

/** Names of the migrations recorded as applied, oldest first. */
export async function listAppliedMigrations(db: Kysely<unknown>, schema?: string): Promise<string[]> {
  const all = await createMigrator(db, schema).getMigrations();
  return all.filter((m) => m.executedAt !== undefined).map((m) => m.name);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
