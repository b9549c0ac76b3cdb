import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import type { Logger } from '../core/log.ts';
import { describeError } from './describe-error.ts';
import type { Database } from './schema.ts';

/**
 * Tells a process when what decides a tool call (connectors, tool settings, stored
 * catalogs) may have changed — through this process or any other one sharing the
 * database — so the hub can keep those lookups in memory and still enforce a Block
 * set elsewhere.
 */
export interface ChangeFeed {
  /**
   * A number that moves whenever a change of the topic may have happened since it was
   * last read; null while changes made elsewhere cannot be seen (read the database instead).
   */
  version(topic?: ChangeTopic): number | null;
  /**
   * Announces a write of the topic: repositories after they write connectors, tool
   * settings, catalogs or revoke a token (`settings`); the hub after it asks for or
   * answers an approval (`approvals`).
   */
  changed(topic?: ChangeTopic): Promise<void>;
  close(): Promise<void>;
}

/**
 * What changed: what decides a tool call (kept in memory by the door, so its version is
 * read on every call), or approval requests (which calls waiting for an answer watch).
 * Apart, so an approval asked for or answered does not empty every replica's lookups.
 */
export type ChangeTopic = 'settings' | 'approvals';

/** How often, at most, SQLite is asked whether another process committed. */
const SQLITE_CHECK_INTERVAL_MS = 1;

/**
 * SQLite: `PRAGMA data_version` moves when another connection (another process on the
 * same file) commits, whatever it wrote, so it moves every topic's version; this
 * process's own writes are counted by `changed()`, per topic. Reading it
 * takes the WAL index's shared lock, which under load costs more than the rest of the
 * door's lookups, so it is read at most once a millisecond: a change committed by the
 * CLI applies to the server's calls from a millisecond later on.
 * @see https://www.sqlite.org/pragma.html#pragma_data_version
 */
export function createSqliteChangeFeed(database: DatabaseSync, now: () => number = performance.now.bind(performance)): ChangeFeed {
  let statement: StatementSync | undefined;
  let seen: unknown;
  /** Commits by other processes seen, and this process's own writes per topic: a topic's version is their sum. */
  let elsewhere = 0;
  const here: Record<ChangeTopic, number> = { settings: 0, approvals: 0 };
  let checkedAt = Number.NEGATIVE_INFINITY;
  return {
    version(topic = 'settings') {
      if (!database.isOpen) return null;
      const at = now();
      if (at - checkedAt >= SQLITE_CHECK_INTERVAL_MS) {
        checkedAt = at;
        statement ??= database.prepare('PRAGMA data_version');
        const dataVersion = (statement.get() as { data_version?: unknown } | undefined)?.data_version;
        if (dataVersion !== seen) {
          seen = dataVersion;
          elsewhere++;
        }
      }
      return elsewhere + here[topic];
    },
    async changed(topic = 'settings') {
      here[topic]++;
    },
    async close() {},
  };
}

/** The channel every Patchbay on a PostgreSQL database announces changes on; the payload is the schema, followed by ` approvals` for that topic. */
const CHANNEL = 'patchbay_changes';
const RECONNECT_MS = [100, 500, 2000, 5000];
/** The listening connection's application_name, followed by the schema. */
export const LISTENER_NAME = 'patchbay changes';

/**
 * PostgreSQL: writes announce themselves with NOTIFY (payload: the schema, so Patchbays in
 * other schemas ignore them) and every process LISTENs on one dedicated connection.
 * While that connection is down the feed says null and the hub reads the database on
 * every call; after it is back everything read before is dropped, since notifications
 * sent in between were lost.
 * @see https://www.postgresql.org/docs/current/sql-notify.html
 */
export async function createPostgresChangeFeed(db: Kysely<Database>, url: string, schema: string, logger: Logger): Promise<ChangeFeed> {
  const counters: Record<ChangeTopic, number> = { settings: 0, approvals: 0 };
  const moveAll = () => {
    counters.settings++;
    counters.approvals++;
  };
  // A schema name has no spaces, so no other schema's payload can look like one of these.
  const payloads = new Map<string, ChangeTopic>([
    [schema, 'settings'],
    [`${schema} approvals`, 'approvals'],
  ]);
  let listening = false;
  let closed = false;
  let client: pg.Client | undefined;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;

  const connect = async (): Promise<void> => {
    // Named so an operator (or a test) can tell it apart in pg_stat_activity.
    const next = new pg.Client({ connectionString: url, keepAlive: true, connectionTimeoutMillis: 10_000, application_name: `${LISTENER_NAME} ${schema}` });
    const lost = (error?: unknown) => {
      if (client !== next) return;
      client = undefined;
      listening = false;
      moveAll();
      next.end().catch(() => {});
      if (closed) return;
      logger.warn('lost the PostgreSQL change notifications; reading settings from the database until they are back', {
        error: error ? describeError(error) : 'connection ended',
      });
      schedule();
    };
    next.on('error', lost);
    next.on('end', () => lost());
    next.on('notification', (message) => {
      const topic = message.channel === CHANNEL ? payloads.get(message.payload ?? '') : undefined;
      if (topic) counters[topic]++;
    });
    client = next;
    try {
      await next.connect();
      await next.query(`LISTEN ${CHANNEL}`);
      if (client !== next || closed) return;
      listening = true;
      attempt = 0;
      moveAll();
    } catch (error) {
      lost(error);
    }
  };
  const schedule = () => {
    const wait = RECONNECT_MS[Math.min(attempt++, RECONNECT_MS.length - 1)];
    timer = setTimeout(() => void connect(), wait);
    timer.unref();
  };

  await connect();
  return {
    version: (topic = 'settings') => (listening ? counters[topic] : null),
    async changed(topic = 'settings') {
      counters[topic]++;
      await sql`select pg_notify(${CHANNEL}, ${topic === 'settings' ? schema : `${schema} ${topic}`})`.execute(db);
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      const current = client;
      client = undefined;
      listening = false;
      await current?.end().catch(() => {});
    },
  };
}
