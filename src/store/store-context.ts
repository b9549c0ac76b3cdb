import type { DatabaseSync } from 'node:sqlite';
import type { Kysely } from 'kysely';
import type pg from 'pg';
import { runStoreOperation } from './database-errors.ts';
import type { Clock } from '../core/clock.ts';
import type { ChangeFeed } from './change-feed.ts';
import type { Database } from './schema.ts';

/** What every repository works with. */
export interface StoreContext {
  kind: 'sqlite' | 'postgres';
  db: Kysely<Database>;
  /** SQLite only: the connection under `db`, for the few hot paths that run prepared statements on it. */
  sqlite?: DatabaseSync;
  /** PostgreSQL only: the pool under `db` and the schema, for the few hot paths that run named (prepared) statements. */
  pg?: { pool: pg.Pool; schema: string };
  clock: Clock;
  /** Told after every write to connectors, tool settings, catalogs or access tokens' revocation. */
  changes: ChangeFeed;
}

/** Current time as stored: an ISO 8601 string in UTC, which sorts as it reads. */
export function nowIso(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

export function toFlag(value: boolean): number {
  return value ? 1 : 0;
}

export function fromFlag(value: number): boolean {
  return value === 1;
}

/**
 * A write to what decides tool calls (connectors, tool settings, catalogs, revoked tokens): run as any
 * store operation, then announced on the change feed — also when it failed, since a
 * failure may be seen only after the database applied it.
 */
export async function runAnnouncedOperation<T>(changes: ChangeFeed, operation: string, run: () => Promise<T>): Promise<T> {
  try {
    return await runStoreOperation(operation, run);
  } finally {
    await changes.changed().catch(() => {});
  }
}
