import { CompiledQuery, Kysely, sql } from 'kysely';
import pg from 'pg';
import { PatchbayError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { describeError } from './describe-error.ts';
import { SchemaPostgresDialect } from './postgres-schema-introspector.ts';
import type { Database } from './schema.ts';

const CONNECT_TIMEOUT_MS = 10_000;
const SCHEMA_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/** Where a PostgreSQL URL points, without its password: `user@host:port/database`. */
export function describePostgresUrl(url: string): string {
  try {
    const u = new URL(url);
    const user = u.username ? `${decodeURIComponent(u.username)}@` : '';
    const host = u.hostname || u.searchParams.get('host') || 'localhost';
    return `${user}${host}:${u.port || '5432'}/${decodeURIComponent(u.pathname.slice(1))}`;
  } catch {
    return 'the configured PostgreSQL URL (it does not parse as a URL)';
  }
}

/**
 * A pool on PostgreSQL whose every connection uses `schema` as its search path,
 * after making sure the schema exists.
 */
export async function openPostgresDatabase(url: string, schema: string, logger: Logger): Promise<{ db: Kysely<Database>; pool: pg.Pool }> {
  if (!SCHEMA_NAME.test(schema)) {
    throw new PatchbayError('CONFIG_INVALID', `"${schema}" is not a usable PostgreSQL schema name: use letters, digits and underscores, starting with a letter.`);
  }
  const pool = new pg.Pool({ connectionString: url, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
  // An idle connection dropped by the server is emitted on the pool; without a
  // listener it would crash the process. The pool replaces it on next use.
  pool.on('error', (error) => logger.warn('PostgreSQL dropped an idle connection', { error: describeError(error) }));
  const db = new Kysely<Database>({
    dialect: new SchemaPostgresDialect(
      {
        pool,
        onCreateConnection: async (connection) => {
          await connection.executeQuery(CompiledQuery.raw(`set search_path to "${schema}"`));
        },
      },
      schema,
    ),
  });
  try {
    await ensureSchema(db, schema);
  } catch (error) {
    await db.destroy().catch(() => {});
    throw explainPostgresFailure(url, error);
  }
  return { db, pool };
}

async function ensureSchema(db: Kysely<Database>, schema: string): Promise<void> {
  const exists = async () => (await sql`select 1 from pg_namespace where nspname = ${schema}`.execute(db)).rows.length > 0;
  // Checked first: CREATE SCHEMA IF NOT EXISTS still needs the CREATE privilege,
  // which a role confined to an existing schema may lack.
  if (await exists()) return;
  try {
    await sql`create schema if not exists ${sql.id(schema)}`.execute(db);
  } catch (error) {
    // Two processes creating it at once: one of them gets a unique violation.
    if (!(await exists())) throw error;
  }
}

/** A `STORE_ERROR` naming the server and what to check, never the password. */
export function explainPostgresFailure(url: string, error: unknown): PatchbayError {
  const target = describePostgresUrl(url);
  return new PatchbayError(
    'STORE_ERROR',
    `Cannot use the PostgreSQL database ${target}: ${describeError(error)}. Check that the server is running and reachable from here, ` +
      'that PATCHBAY_DATABASE_URL has the right host, port, database, user and password, and that the user may create tables.',
    { cause: error, details: { database: 'postgres', target } },
  );
}
