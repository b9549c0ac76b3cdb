import type { Kysely } from 'kysely';
import { type Clock, systemClock } from '../core/clock.ts';
import type { DatabaseConfig } from '../core/config.ts';
import { type Logger, silentLogger } from '../core/log.ts';
import { createPostgresChangeFeed, createSqliteChangeFeed } from './change-feed.ts';
import { createChatMessageRepository, createConversationRepository, createModelEndpointRepository } from './chat-repository.ts';
import { createCatalogRepository } from './catalog-repository.ts';
import { createConnectorRepository } from './connector-repository.ts';
import { createAccessTokenRepository } from './access-token-repository.ts';
import { createApprovalRepository } from './approval-repository.ts';
import { createAuditRepository } from './audit-repository.ts';
import { createCredentialRepository } from './credential-repository.ts';
import { createLeaseRepository } from './lease-repository.ts';
import { createSignInFlowRepository } from './sign-in-flow-repository.ts';
import { runStoreOperation } from './database-errors.ts';
import { listAppliedMigrations, migrateToLatest } from './migrate.ts';
import { explainPostgresFailure, openPostgresDatabase } from './open-postgres.ts';
import { explainSqliteFailure, openSqliteDatabase } from './open-sqlite.ts';
import type { Database } from './schema.ts';
import type { StoreContext } from './store-context.ts';
import { createToolSettingRepository } from './tool-setting-repository.ts';
import type { Store } from './types.ts';
import { createUsageRepository } from './usage-repository.ts';
import { createUserRepository } from './user-repository.ts';

export interface OpenStoreOptions {
  /** PostgreSQL schema holding Patchbay's tables, created if missing. Default `public`. Ignored for SQLite. */
  schema?: string;
  logger?: Logger;
  /** Source of the timestamps the store writes (createdAt, updatedAt). */
  clock?: Clock;
}

/**
 * Opens the database `config` names and applies pending migrations before returning.
 * Failing to open or migrate throws `STORE_ERROR` naming the file or server.
 *
 * Several processes may open the same database at once (replicas on PostgreSQL; the
 * CLI and the server on one SQLite file). Within one process, open a SQLite file
 * once: node:sqlite is synchronous, so a second connection waiting for the first
 * one's write lock would block the very event loop the first needs to finish.
 */
export async function openStore(config: DatabaseConfig, options: OpenStoreOptions = {}): Promise<Store> {
  const logger = options.logger ?? silentLogger;
  // Only PostgreSQL has schemas; the migration table is looked up in this one.
  const schema = config.kind === 'postgres' ? (options.schema ?? 'public') : undefined;
  const sqlite = config.kind === 'sqlite' ? await openSqliteDatabase(config.path) : undefined;
  const postgres = config.kind === 'postgres' ? await openPostgresDatabase(config.url, schema!, logger) : undefined;
  const db = sqlite ? sqlite.db : postgres!.db;
  const explain = (error: unknown) => (config.kind === 'sqlite' ? explainSqliteFailure(config.path, error) : explainPostgresFailure(config.url, error));

  const untyped = db as unknown as Kysely<unknown>;
  try {
    const applied = await migrateToLatest(untyped, schema);
    if (applied.length > 0) logger.info('database migrated', { database: config.kind, schema, applied });
  } catch (error) {
    await db.destroy().catch(() => {});
    throw explain(error);
  }
  // On PostgreSQL a failure to listen is not fatal: until the feed connects, lookups read the database.
  const changes = config.kind === 'sqlite' ? createSqliteChangeFeed(sqlite!.database) : await createPostgresChangeFeed(db, config.url, schema!, logger);
  const pg = postgres ? { pool: postgres.pool, schema: schema! } : undefined;
  return createStore(config.kind, db, { clock: options.clock ?? systemClock, changes, sqlite: sqlite?.database, pg });
}

function createStore(kind: Store['kind'], db: Kysely<Database>, options: Pick<StoreContext, 'clock' | 'changes' | 'sqlite' | 'pg'>): Store {
  const context: StoreContext = { kind, db, ...options };
  const usage = createUsageRepository(context);
  let closing: Promise<void> | undefined;
  return {
    kind,
    users: createUserRepository(context),
    connectors: createConnectorRepository(context),
    catalog: createCatalogRepository(context),
    toolSettings: createToolSettingRepository(context),
    credentials: createCredentialRepository(context),
    signInFlows: createSignInFlowRepository(context),
    leases: createLeaseRepository(context),
    approvals: createApprovalRepository(context),
    audit: createAuditRepository(context),
    usage,
    accessTokens: createAccessTokenRepository(context),
    models: createModelEndpointRepository(context),
    conversations: createConversationRepository(context),
    messages: createChatMessageRepository(context),
    migrations: () => runStoreOperation('migrations', () => listAppliedMigrations(db as unknown as Kysely<unknown>, options.pg?.schema)),
    changes: options.changes,
    close: () => {
      // Releases still queued are written before the connection goes.
      closing ??= usage
        .idle()
        .then(() => options.changes.close())
        .then(() => db.destroy());
      return closing;
    },
  };
}
