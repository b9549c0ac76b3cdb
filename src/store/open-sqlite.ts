import { closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { setTimeout as delay } from 'node:timers/promises';
import { Kysely } from 'kysely';
import { PatchbayError } from '../core/errors.ts';
import { describeError } from './describe-error.ts';
import { adaptNodeSqlite, NodeSqliteDialect } from './node-sqlite-dialect.ts';
import type { Database } from './schema.ts';

/** How long a statement waits for another process's write lock before failing. */
const BUSY_TIMEOUT_MS = 10_000;

/**
 * Opens (creating if needed) a SQLite file: its directory private to this user,
 * WAL so readers never wait for a writer, foreign keys enforced, and a busy
 * timeout because the CLI and the server may open the same file at once.
 * `:memory:` gives a private in-memory database.
 */
export async function openSqliteDatabase(path: string): Promise<{ db: Kysely<Database>; database: DatabaseSync }> {
  const inMemory = path === ':memory:';
  const location = inMemory ? path : resolve(path);
  let database: DatabaseSync;
  try {
    if (!inMemory) {
      mkdirSync(dirname(location), { recursive: true, mode: 0o700 });
      // Created here rather than by SQLite so it never exists readable by others;
      // SQLite gives its -wal and -shm files the same permissions.
      closeSync(openSync(location, 'a', 0o600));
    }
    database = new DatabaseSync(location, { timeout: BUSY_TIMEOUT_MS, enableForeignKeyConstraints: true });
  } catch (error) {
    throw explainSqliteFailure(location, error);
  }
  try {
    await enableWal(database);
    // synchronous=NORMAL in WAL mode loses no committed transaction when the process
    // dies, only (possibly) the last ones on power loss; FULL would fsync every commit.
    database.exec('PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;');
  } catch (error) {
    database.close();
    throw explainSqliteFailure(location, error);
  }
  return { db: new Kysely<Database>({ dialect: new NodeSqliteDialect(adaptNodeSqlite(database)) }), database };
}

/**
 * Switches a new file to WAL (a no-op once it is). Processes switching the same new
 * file at once can get SQLITE_BUSY without SQLite waiting on the busy timeout (it
 * refuses to wait where waiting could deadlock), so this retries until the timeout.
 */
async function enableWal(database: DatabaseSync): Promise<void> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      database.exec('PRAGMA journal_mode = WAL');
      return;
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
      await delay(5 + Math.random() * 20);
    }
  }
}

function isBusy(error: unknown): boolean {
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  // The primary result code is the low byte: SQLITE_BUSY (5) or SQLITE_LOCKED (6).
  return typeof errcode === 'number' && ((errcode & 0xff) === 5 || (errcode & 0xff) === 6);
}

/** A `STORE_ERROR` naming the file and what to check. */
export function explainSqliteFailure(path: string, error: unknown): PatchbayError {
  return new PatchbayError(
    'STORE_ERROR',
    `Cannot open the SQLite database at ${path}: ${describeError(error)}. Check that this user can write to the file and its directory, ` +
      'that the file is a Patchbay database, and that PATCHBAY_DATABASE_URL or PATCHBAY_DATA_DIR points where you meant.',
    { cause: error, details: { database: 'sqlite', path } },
  );
}
