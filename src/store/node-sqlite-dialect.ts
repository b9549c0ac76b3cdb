import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { type DatabaseConnection, type Driver, SqliteAdapter, SqliteDialect, type SqliteDatabase, SqliteDriver, type SqliteStatement, CompiledQuery } from 'kysely';

/** Prepared statements kept per connection; Kysely compiles one SQL text per query shape. */
const STATEMENT_CACHE_SIZE = 200;

/**
 * Presents a `node:sqlite` database as the better-sqlite3-like object Kysely's
 * `SqliteDialect` drives. node:sqlite takes spread parameters and has no `reader`
 * flag: a statement that yields columns is a reader.
 */
export function adaptNodeSqlite(db: DatabaseSync): SqliteDatabase {
  const cache = new Map<string, SqliteStatement>();
  const wrap = (statement: StatementSync): SqliteStatement => ({
    reader: statement.columns().length > 0,
    all: (parameters) => statement.all(...(parameters as SQLInputValue[])),
    run: (parameters) => statement.run(...(parameters as SQLInputValue[])),
    iterate: (parameters) => statement.iterate(...(parameters as SQLInputValue[])),
  });
  return {
    prepare(sql) {
      const cached = cache.get(sql);
      if (cached) {
        // Re-inserting keeps the map in least-recently-used order.
        cache.delete(sql);
        cache.set(sql, cached);
        return cached;
      }
      const statement = wrap(db.prepare(sql));
      cache.set(sql, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
      return statement;
    },
    close() {
      cache.clear();
      if (db.isOpen) db.close();
    },
  };
}

/**
 * Write transactions take the write lock up front (`BEGIN IMMEDIATE`): a deferred
 * transaction that reads first and writes later fails with SQLITE_BUSY, without
 * waiting, when another process committed in between.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * SQLite runs DDL inside transactions; saying so makes Kysely's Migrator wrap each
 * run in one `BEGIN IMMEDIATE` transaction, which also serializes processes that
 * migrate the same file at once (the second waits on the busy timeout, then sees
 * the migrations recorded by the first).
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/** Kysely's SQLite dialect over `node:sqlite`. */
export class NodeSqliteDialect extends SqliteDialect {
  readonly #database: SqliteDatabase;

  constructor(database: SqliteDatabase) {
    super({ database });
    this.#database = database;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver({ database: this.#database });
  }

  override createAdapter(): SqliteAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}
