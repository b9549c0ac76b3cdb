import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, it, type TestContext } from 'node:test';
import pg from 'pg';
import type { Clock } from '../core/clock.ts';
import type { DatabaseConfig } from '../core/config.ts';
import { isPatchbayError } from '../core/errors.ts';
import { createLogger, type Logger } from '../core/log.ts';
import { MIGRATION_NAMES, openStore } from './index.ts';
import type { Connector, NewConnector, Owner, ServerFacts, Store, UsageCount, UsageGrant, UsageLimit, UsageRefusal, UsageReservation } from './types.ts';

/**
 * One suite, every database: SQLite (a temporary file) always, PostgreSQL when
 * PATCHBAY_TEST_DATABASE_URL is set (each test in a schema of its own, dropped after).
 */

const postgresUrl = process.env.PATCHBAY_TEST_DATABASE_URL;

interface TestDatabase {
  /** Opens a store on this test's database; closed when the test ends. */
  open(options?: { clock?: Clock; logger?: Logger }): Promise<Store>;
  /** Rows in a table, read around the store. */
  count(table: string): Promise<number>;
}

interface Backend {
  name: 'sqlite' | 'postgres';
  skip: string | false;
  config(t: TestContext): { config: DatabaseConfig; schema?: string; count(table: string): Promise<number> };
}

const sqliteBackend: Backend = {
  name: 'sqlite',
  skip: false,
  config(t) {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-store-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'data', 'patchbay.db');
    return {
      config: { kind: 'sqlite', path },
      async count(table) {
        const db = new DatabaseSync(path, { readOnly: true });
        try {
          return Number((db.prepare(`select count(*) as n from ${table}`).get() as { n: number }).n);
        } finally {
          db.close();
        }
      },
    };
  },
};

const postgresBackend: Backend = {
  name: 'postgres',
  skip: postgresUrl ? false : 'PATCHBAY_TEST_DATABASE_URL is not set',
  config(t) {
    const url = postgresUrl!;
    const schema = `pb_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const query = async (text: string) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        return await client.query(text);
      } finally {
        await client.end();
      }
    };
    t.after(() => query(`drop schema if exists "${schema}" cascade`));
    return {
      config: { kind: 'postgres', url },
      schema,
      count: async (table) => Number((await query(`select count(*)::int as n from "${schema}"."${table}"`)).rows[0].n),
    };
  },
};

function useDatabase(t: TestContext, backend: Backend): TestDatabase {
  const { config, schema, count } = backend.config(t);
  const opened: Store[] = [];
  // Registered after the schema drop, so it runs first (after hooks run last-in first-out).
  t.after(() => Promise.all(opened.map((s) => s.close())));
  return {
    async open(options = {}) {
      const store = await openStore(config, { schema, ...options });
      opened.push(store);
      return store;
    },
    count,
  };
}

/** A clock that moves only when told to. */
function createManualClock(start = Date.parse('2026-03-01T10:00:00.000Z')) {
  let now = start;
  return {
    now: () => now,
    advance(ms: number) {
      now += ms;
    },
    iso: () => new Date(now).toISOString(),
  };
}

/** A logger keeping the messages written, to see what a store did while opening. */
function createRecordingLogger() {
  const lines: { msg: string; applied?: string[] }[] = [];
  return { lines, logger: createLogger('debug', {}, (line) => lines.push(JSON.parse(line))) };
}

const serverFacts: ServerFacts = {
  serverInfo: { name: 'everything', version: '2.0.0', title: 'Everything — test server' },
  capabilities: { tools: { listChanged: true }, resources: { subscribe: true } },
  instructions: 'Use the echo tool.\nLine two with "quotes".',
  protocolVersion: '2025-11-25',
  era: 'legacy',
  transport: 'streamable-http',
  connectedAt: '2026-03-01T10:00:05.000Z',
};

async function rejectsWithCode(promise: Promise<unknown>, code: string) {
  await assert.rejects(promise, (error) => {
    assert.ok(isPatchbayError(error), `expected a PatchbayError, got ${error}`);
    assert.equal(error.code, code);
    return true;
  });
}

for (const backend of [sqliteBackend, postgresBackend]) {
  describe(`store contract (${backend.name})`, { skip: backend.skip }, () => {
    it('applies the migrations at the first open only and records them', async (t) => {
      const db = useDatabase(t, backend);
      const first = createRecordingLogger();
      const store = await db.open({ logger: first.logger });
      assert.equal(store.kind, backend.name);
      assert.deepEqual(await store.migrations(), MIGRATION_NAMES);
      assert.deepEqual(first.lines.find((l) => l.msg === 'database migrated')?.applied, MIGRATION_NAMES);
      await store.close();

      const second = createRecordingLogger();
      const reopened = await db.open({ logger: second.logger });
      assert.equal(second.lines.filter((l) => l.msg === 'database migrated').length, 0);
      assert.deepEqual(await reopened.migrations(), MIGRATION_NAMES);
      assert.equal(await db.count('patchbay_migrations'), MIGRATION_NAMES.length);
    });

    if (backend.name === 'postgres') {
      it('migrates once when several processes open a new database at the same time', async (t) => {
        const db = useDatabase(t, backend);
        const recorders = Array.from({ length: 4 }, () => createRecordingLogger());
        const stores = await Promise.all(recorders.map((r) => db.open({ logger: r.logger })));
        const migrated = recorders.filter((r) => r.lines.some((l) => l.msg === 'database migrated'));
        assert.equal(migrated.length, 1);
        for (const store of stores) assert.deepEqual(await store.migrations(), MIGRATION_NAMES);
        assert.equal(await db.count('patchbay_migrations'), MIGRATION_NAMES.length);
      });

      it('keeps stores in different schemas of one database apart', async (t) => {
        const first = await useDatabase(t, backend).open();
        const second = await useDatabase(t, backend).open();
        assert.deepEqual(await second.migrations(), MIGRATION_NAMES);
        const owner: Owner = { kind: 'organization', id: 'org-1' };
        await first.connectors.create({ owner, name: 'only-here', url: 'https://a.example/mcp' });
        assert.deepEqual(await second.connectors.list(owner), []);
        await second.connectors.create({ owner, name: 'only-here', url: 'https://b.example/mcp' });
        assert.equal((await first.connectors.list(owner))[0].url, 'https://a.example/mcp');
      });
    }

    it('creates the local user once, also under concurrent calls', async (t) => {
      const db = useDatabase(t, backend);
      const store = await db.open();
      const users = await Promise.all(Array.from({ length: 10 }, () => store.users.ensureLocalUser()));
      assert.equal(new Set(users.map((u) => u.id)).size, 1);
      const again = await store.users.ensureLocalUser();
      assert.deepEqual(again, users[0]);
      assert.equal(again.kind, 'local');
      assert.equal(again.email, null);
      assert.deepEqual(await store.users.get(again.id), again);
      assert.equal(await store.users.get('no-such-user'), undefined);
      assert.equal(await db.count('users'), 1);
    });

    it('round-trips a connector with every field', async (t) => {
      const db = useDatabase(t, backend);
      const clock = createManualClock();
      const store = await db.open({ clock });
      const user = await store.users.ensureLocalUser();
      const owner: Owner = { kind: 'user', id: user.id };

      const input = {
        owner,
        name: 'linear',
        url: 'https://mcp.linear.app/mcp?team=ünïcode&x=1',
        project: 'work',
        tags: ['issues', 'team-a', 'ümlaut'],
        transport: 'sse',
        authKind: 'oauth',
        allowHttp: true,
      } satisfies Required<NewConnector>;
      const created = await store.connectors.create(input);
      assert.match(created.id, /^[0-9a-f-]{36}$/);
      assert.deepEqual(created, {
        id: created.id,
        ...input,
        status: 'new',
        lastError: null,
        server: null,
        policy: { defaultApproval: 'ask', allowReadOnly: false, limits: null },
        createdAt: clock.iso(),
        updatedAt: clock.iso(),
      } satisfies Connector);
      assert.deepEqual(await store.connectors.get(created.id), created);
      assert.deepEqual(await store.connectors.getByName(owner, 'linear'), created);
      assert.equal(await store.connectors.getByName({ kind: 'organization', id: user.id }, 'linear'), undefined);
      assert.equal(await store.connectors.get('no-such-connector'), undefined);

      const minimal = await store.connectors.create({ owner, name: 'plain', url: 'http://127.0.0.1:9/mcp' });
      assert.deepEqual(
        { project: minimal.project, tags: minimal.tags, transport: minimal.transport, authKind: minimal.authKind, allowHttp: minimal.allowHttp },
        { project: null, tags: [], transport: 'auto', authKind: 'none', allowHttp: false },
      );
      assert.deepEqual(await store.connectors.get(minimal.id), minimal);

      clock.advance(1500);
      const lastError = { code: 'CONNECTOR_UNREACHABLE', message: 'connect ECONNREFUSED 127.0.0.1:9', at: clock.iso() };
      const updated = await store.connectors.update(created.id, { status: 'connected', server: serverFacts, lastError, allowHttp: false, project: null });
      assert.deepEqual(updated, { ...created, status: 'connected', server: serverFacts, lastError, allowHttp: false, project: null, updatedAt: clock.iso() });
      assert.deepEqual(await store.connectors.get(created.id), updated);

      const cleared = await store.connectors.update(created.id, { server: null, lastError: null, tags: [] });
      assert.equal(cleared.server, null);
      assert.equal(cleared.lastError, null);
      assert.deepEqual(cleared.tags, []);
      assert.deepEqual(await store.connectors.get(created.id), cleared);
    });

    it('refuses a second connector with the same name for the same owner', async (t) => {
      const db = useDatabase(t, backend);
      const store = await db.open();
      const user = await store.users.ensureLocalUser();
      const owner: Owner = { kind: 'user', id: user.id };
      const first = await store.connectors.create({ owner, name: 'github', url: 'https://a.example/mcp' });
      await rejectsWithCode(store.connectors.create({ owner, name: 'github', url: 'https://b.example/mcp' }), 'NAME_TAKEN');
      assert.deepEqual(await store.connectors.list(owner), [first]);

      // The same name for another owner, including an organization with the same id.
      const other = await store.connectors.create({ owner: { kind: 'user', id: 'someone-else' }, name: 'github', url: 'https://c.example/mcp' });
      const org = await store.connectors.create({ owner: { kind: 'organization', id: user.id }, name: 'github', url: 'https://d.example/mcp' });
      assert.notEqual(other.id, first.id);
      assert.notEqual(org.id, first.id);
      assert.deepEqual(await store.connectors.list(owner), [first]);
    });

    it('lets exactly one of ten concurrent creates of one name succeed', async (t) => {
      const db = useDatabase(t, backend);
      const store = await db.open();
      const owner: Owner = { kind: 'user', id: (await store.users.ensureLocalUser()).id };
      const results = await Promise.allSettled(
        Array.from({ length: 10 }, (_, i) => store.connectors.create({ owner, name: 'racy', url: `https://r${i}.example/mcp` })),
      );
      const fulfilled = results.filter((r) => r.status === 'fulfilled');
      const rejected = results.filter((r) => r.status === 'rejected');
      assert.equal(fulfilled.length, 1);
      assert.equal(rejected.length, 9);
      for (const r of rejected) assert.ok(isPatchbayError(r.reason, 'NAME_TAKEN'), `unexpected ${r.reason}`);
      assert.equal(await db.count('connectors'), 1);
      assert.deepEqual(await store.connectors.list(owner), [fulfilled[0].value]);
    });

    it('updates and renames, and refuses unknown ids and taken names', async (t) => {
      const db = useDatabase(t, backend);
      const clock = createManualClock();
      const store = await db.open({ clock });
      const owner: Owner = { kind: 'user', id: (await store.users.ensureLocalUser()).id };
      const a = await store.connectors.create({ owner, name: 'a', url: 'https://a.example/mcp', project: 'p', tags: ['x'] });
      const b = await store.connectors.create({ owner, name: 'b', url: 'https://b.example/mcp' });

      clock.advance(60_000);
      const renamed = await store.connectors.update(a.id, { name: 'a2' });
      assert.deepEqual(renamed, { ...a, name: 'a2', updatedAt: clock.iso() });
      assert.equal(renamed.createdAt, a.createdAt);
      assert.equal(await store.connectors.getByName(owner, 'a'), undefined);
      assert.deepEqual(await store.connectors.getByName(owner, 'a2'), renamed);

      await rejectsWithCode(store.connectors.update(b.id, { name: 'a2', url: 'https://changed.example' }), 'NAME_TAKEN');
      assert.deepEqual(await store.connectors.get(b.id), b);
      await rejectsWithCode(store.connectors.update('no-such-connector', { name: 'x' }), 'CONNECTOR_NOT_FOUND');

      // Renaming to its own name is no conflict.
      const same = await store.connectors.update(b.id, { name: 'b', url: 'https://b2.example/mcp' });
      assert.equal(same.url, 'https://b2.example/mcp');
    });

    it('removes a connector with its settings, catalog and credentials, and nothing else', async (t) => {
      const db = useDatabase(t, backend);
      const store = await db.open();
      const user = await store.users.ensureLocalUser();
      const owner: Owner = { kind: 'user', id: user.id };
      const doomed = await store.connectors.create({ owner, name: 'doomed', url: 'https://a.example/mcp' });
      const kept = await store.connectors.create({ owner, name: 'kept', url: 'https://b.example/mcp' });
      for (const c of [doomed, kept]) {
        await store.toolSettings.put({ connectorId: c.id, toolName: 'echo', enabled: true, approval: 'ask' });
        await store.toolSettings.put({ connectorId: c.id, toolName: 'delete_all', enabled: false, approval: 'block' });
        await store.catalog.put({ connectorId: c.id, userId: user.id, kind: 'tools', items: [{ name: 'echo' }], fetchedAt: '2026-03-01T10:00:00.000Z' });
        await store.catalog.put({ connectorId: c.id, userId: user.id, kind: 'prompts', items: [], fetchedAt: '2026-03-01T10:00:00.000Z' });
        await store.credentials.put({ userId: user.id, connectorId: c.id, issuer: 'https://auth.example', kind: 'oauth-tokens', ciphertext: `v1.${c.name}` });
      }
      const keptBefore = {
        settings: await store.toolSettings.list(kept.id),
        catalog: await store.catalog.get(kept.id, user.id, 'tools'),
        credentials: await store.credentials.list(user.id, kept.id),
      };

      assert.equal(await store.connectors.remove(doomed.id), true);
      assert.equal(await store.connectors.get(doomed.id), undefined);
      assert.deepEqual(await store.toolSettings.list(doomed.id), []);
      assert.equal(await store.catalog.get(doomed.id, user.id, 'tools'), undefined);
      assert.deepEqual(await store.credentials.list(user.id, doomed.id), []);

      assert.deepEqual(await store.connectors.get(kept.id), kept);
      assert.deepEqual(
        { settings: await store.toolSettings.list(kept.id), catalog: await store.catalog.get(kept.id, user.id, 'tools'), credentials: await store.credentials.list(user.id, kept.id) },
        keptBefore,
      );
      assert.deepEqual(
        { tools: await db.count('tool_settings'), catalog: await db.count('catalog_entries'), credentials: await db.count('credentials'), users: await db.count('users') },
        { tools: 2, catalog: 2, credentials: 1, users: 1 },
      );

      assert.equal(await store.connectors.remove(doomed.id), false);
      // Writes racing a removal find the connector gone rather than leaving orphans.
      await rejectsWithCode(store.toolSettings.put({ connectorId: doomed.id, toolName: 'echo', enabled: true, approval: 'allow' }), 'CONNECTOR_NOT_FOUND');
      await rejectsWithCode(store.catalog.put({ connectorId: doomed.id, userId: user.id, kind: 'tools', items: [], fetchedAt: 'x' }), 'CONNECTOR_NOT_FOUND');
      await rejectsWithCode(store.credentials.put({ userId: user.id, connectorId: doomed.id, issuer: 'i', kind: 'k', ciphertext: 'c' }), 'CONNECTOR_NOT_FOUND');
    });

    it('keeps catalog entries, tool settings and credentials per key and replaces them on put', async (t) => {
      const db = useDatabase(t, backend);
      const clock = createManualClock();
      const store = await db.open({ clock });
      const user = await store.users.ensureLocalUser();
      const c = await store.connectors.create({ owner: { kind: 'user', id: user.id }, name: 'c', url: 'https://c.example/mcp' });

      const items = [{ name: 'echo', inputSchema: { type: 'object', properties: { text: { type: 'string' } } }, annotations: { readOnlyHint: true } }];
      await store.catalog.put({ connectorId: c.id, userId: user.id, kind: 'tools', items, fetchedAt: '2026-03-01T10:00:00.000Z' });
      await store.catalog.put({ connectorId: c.id, userId: user.id, kind: 'resourceTemplates', items: [{ uriTemplate: 'file:///{path}' }], fetchedAt: '2026-03-01T10:00:00.000Z' });
      assert.deepEqual(await store.catalog.get(c.id, user.id, 'tools'), { connectorId: c.id, userId: user.id, kind: 'tools', items, fetchedAt: '2026-03-01T10:00:00.000Z' });
      await store.catalog.put({ connectorId: c.id, userId: user.id, kind: 'tools', items: [], fetchedAt: '2026-03-01T11:00:00.000Z' });
      assert.deepEqual((await store.catalog.get(c.id, user.id, 'tools'))?.items, []);
      assert.equal((await store.catalog.get(c.id, user.id, 'tools'))?.fetchedAt, '2026-03-01T11:00:00.000Z');
      await store.catalog.clear(c.id, 'another-user');
      assert.ok(await store.catalog.get(c.id, user.id, 'tools'));
      await store.catalog.clear(c.id, user.id);
      assert.equal(await store.catalog.get(c.id, user.id, 'tools'), undefined);
      assert.equal(await store.catalog.get(c.id, user.id, 'resourceTemplates'), undefined);

      const echo = await store.toolSettings.put({ connectorId: c.id, toolName: 'echo', enabled: true, approval: 'allow' });
      const unpinned = { limits: null, pinnedHash: null, pinnedDefinition: null, reviewState: 'reviewed', changedDefinition: null };
      assert.deepEqual(echo, { connectorId: c.id, toolName: 'echo', enabled: true, approval: 'allow', ...unpinned, updatedAt: clock.iso() });
      clock.advance(1000);
      const echo2 = await store.toolSettings.put({ connectorId: c.id, toolName: 'echo', enabled: false, approval: 'ask' });
      assert.deepEqual(echo2, { connectorId: c.id, toolName: 'echo', enabled: false, approval: 'ask', ...unpinned, updatedAt: clock.iso() });
      const add = await store.toolSettings.put({ connectorId: c.id, toolName: 'add', enabled: true, approval: 'block' });
      assert.deepEqual(await store.toolSettings.list(c.id), [add, echo2]);

      await store.credentials.put({ userId: user.id, connectorId: c.id, issuer: 'https://b.example', kind: 'oauth-client', ciphertext: 'v1.aaa' });
      await store.credentials.put({ userId: user.id, connectorId: c.id, issuer: 'https://a.example', kind: 'oauth-tokens', ciphertext: 'v1.bbb' });
      await store.credentials.put({ userId: user.id, connectorId: c.id, issuer: 'https://b.example', kind: 'oauth-client', ciphertext: 'v1.ccc' });
      assert.deepEqual(await store.credentials.get(user.id, c.id, 'https://b.example'), {
        userId: user.id,
        connectorId: c.id,
        issuer: 'https://b.example',
        kind: 'oauth-client',
        ciphertext: 'v1.ccc',
        updatedAt: clock.iso(),
      });
      assert.deepEqual((await store.credentials.list(user.id, c.id)).map((r) => r.issuer), ['https://a.example', 'https://b.example']);
      await store.credentials.remove(user.id, c.id, 'https://a.example');
      assert.deepEqual((await store.credentials.list(user.id, c.id)).map((r) => r.issuer), ['https://b.example']);
      await store.credentials.remove(user.id, c.id);
      assert.deepEqual(await store.credentials.list(user.id, c.id), []);
    });

    it('keeps everything across close and reopen', async (t) => {
      const db = useDatabase(t, backend);
      const store = await db.open();
      const user = await store.users.ensureLocalUser();
      const owner: Owner = { kind: 'user', id: user.id };
      const created = await store.connectors.create({ owner, name: 'kept', url: 'https://k.example/mcp', project: 'p', tags: ['a', 'b'], authKind: 'headers' });
      const connector = await store.connectors.update(created.id, { server: serverFacts, status: 'connected' });
      const setting = await store.toolSettings.put({ connectorId: connector.id, toolName: 'echo', enabled: false, approval: 'block' });
      await store.catalog.put({ connectorId: connector.id, userId: user.id, kind: 'tools', items: [{ name: 'echo' }], fetchedAt: '2026-03-01T10:00:00.000Z' });
      await store.credentials.put({ userId: user.id, connectorId: connector.id, issuer: 'headers', kind: 'headers', ciphertext: 'v1.xyz' });
      const credential = await store.credentials.get(user.id, connector.id, 'headers');
      await store.close();

      const reopened = await db.open();
      assert.deepEqual(await reopened.users.ensureLocalUser(), user);
      assert.deepEqual(await reopened.connectors.list(owner), [connector]);
      assert.deepEqual(await reopened.toolSettings.list(connector.id), [setting]);
      assert.deepEqual((await reopened.catalog.get(connector.id, user.id, 'tools'))?.items, [{ name: 'echo' }]);
      assert.deepEqual(await reopened.credentials.get(user.id, connector.id, 'headers'), credential);
    });

    it('keeps a connector policy and tool settings, merging fields a write leaves out', async (t) => {
      const db = useDatabase(t, backend);
      const store = await db.open();
      const user = await store.users.ensureLocalUser();
      const c = await store.connectors.create({ owner: { kind: 'user', id: user.id }, name: 'pol', url: 'https://p.example/mcp' });
      const policy = { defaultApproval: 'block' as const, allowReadOnly: true, limits: { perDay: 5, concurrent: 2 } };
      assert.deepEqual((await store.connectors.update(c.id, { policy })).policy, policy);
      assert.deepEqual((await store.connectors.get(c.id))?.policy, policy);

      const pinned = { name: 'echo', description: 'Echoes', inputSchema: { type: 'object' } };
      const first = await store.toolSettings.put({ connectorId: c.id, toolName: 'echo', pinnedHash: 'h1', pinnedDefinition: pinned, reviewState: 'reviewed' });
      assert.equal(first.approval, 'default', 'a new setting follows the connector');
      assert.equal(first.enabled, true);
      const blocked = await store.toolSettings.put({ connectorId: c.id, toolName: 'echo', approval: 'block', limits: { perHour: 1 } });
      assert.equal(blocked.pinnedHash, 'h1', 'fields left out are kept');
      assert.deepEqual(blocked.pinnedDefinition, pinned);
      assert.deepEqual(blocked.limits, { perHour: 1 });
      const changed = await store.toolSettings.put({ connectorId: c.id, toolName: 'echo', reviewState: 'changed', changedDefinition: { ...pinned, description: 'New' } });
      assert.equal(changed.approval, 'block');
      assert.deepEqual(await store.toolSettings.get(c.id, 'echo'), changed);
      assert.equal(await store.toolSettings.get(c.id, 'nope'), undefined);
    });

    it('answers an approval once, and lets it be used once for exactly its arguments', async (t) => {
      const db = useDatabase(t, backend);
      const clock = createManualClock();
      const store = await db.open({ clock });
      const user = await store.users.ensureLocalUser();
      const c = await store.connectors.create({ owner: { kind: 'user', id: user.id }, name: 'ask', url: 'https://a.example/mcp' });
      const make = (id: string, ttl = 60_000) =>
        store.approvals.create({
          id,
          userId: user.id,
          connectorId: c.id,
          toolName: 'delete',
          argumentsHash: `hash-${id}`,
          arguments: { path: '/tmp/x' },
          description: 'Deletes a file',
          door: 'api',
          createdAt: clock.iso(),
          expiresAt: new Date(Date.parse(clock.iso()) + ttl).toISOString(),
        });
      const a = await make('a');
      assert.equal(a.status, 'pending');
      await make('b', 1_000);
      assert.deepEqual((await store.approvals.listPending(user.id, clock.iso())).map((r) => r.id).sort(), ['a', 'b']);
      const answers = await Promise.all([1, 2, 3].map(() => store.approvals.answer('a', { allow: true, always: false, answeredBy: user.id, now: clock.iso() })));
      assert.equal(answers.filter(Boolean).length, 1, 'answered once');
      assert.equal(await store.approvals.consume('a', 'hash-other', clock.iso()), false, 'other arguments do not use it');
      const uses = await Promise.all([1, 2, 3].map(() => store.approvals.consume('a', 'hash-a', clock.iso())));
      assert.equal(uses.filter(Boolean).length, 1, 'used once');
      assert.equal(await store.approvals.consume('a', 'hash-a', clock.iso()), false, 'a replay does nothing');
      clock.advance(2_000);
      assert.equal(await store.approvals.answer('b', { allow: true, always: false, answeredBy: user.id, now: clock.iso() }), undefined, 'too late');
      assert.deepEqual(await store.approvals.listPending(user.id, clock.iso()), []);
    });

    it('keeps access tokens by hash, one live name per user, revoked once', async (t) => {
      const db = useDatabase(t, backend);
      const clock = createManualClock();
      const store = await db.open({ clock });
      const user = await store.users.ensureLocalUser();
      const make = (id: string, name: string, projects: string[] | null = null) =>
        store.accessTokens.create({ id, userId: user.id, name, tokenHash: `hash-${id}`, prefix: `pbt_${id}`, projects, createdAt: clock.iso() });
      const laptop = await make('t1', 'laptop', ['work', 'ünïcode']);
      assert.deepEqual(laptop, {
        id: 't1',
        userId: user.id,
        name: 'laptop',
        prefix: 'pbt_t1',
        projects: ['work', 'ünïcode'],
        createdAt: clock.iso(),
        lastUsedAt: null,
        revokedAt: null,
      });
      clock.advance(1_000);
      await make('t2', 'desktop');
      await rejectsWithCode(make('t3', 'laptop'), 'NAME_TAKEN');
      await rejectsWithCode(
        store.accessTokens.create({ id: 't3', userId: 'nobody', name: 'x', tokenHash: 'hash-t3', prefix: 'pbt_t3', projects: null, createdAt: clock.iso() }),
        'NOT_FOUND',
      );
      assert.deepEqual(await store.accessTokens.findByHash('hash-t1'), laptop);
      assert.equal(await store.accessTokens.findByHash('hash-nope'), undefined);
      await store.accessTokens.touch('t1', '2026-03-01T11:00:00.000Z');
      assert.equal((await store.accessTokens.findByHash('hash-t1'))?.lastUsedAt, '2026-03-01T11:00:00.000Z');

      const revokes = await Promise.all([1, 2, 3].map(() => store.accessTokens.revoke(user.id, 't1', clock.iso())));
      assert.equal(revokes.filter(Boolean).length, 1, 'revoked once');
      assert.equal(await store.accessTokens.revoke('someone-else', 't2', clock.iso()), undefined, 'only its owner revokes it');
      assert.equal((await store.accessTokens.findByHash('hash-t1'))?.revokedAt, clock.iso(), 'a revoked token is still found, marked');
      clock.advance(1_000);
      const again = await make('t7', 'laptop');
      assert.equal(again.name, 'laptop', 'a revoked token frees its name');
      assert.deepEqual(
        (await store.accessTokens.list(user.id)).map((x) => [x.id, x.revokedAt !== null]),
        [
          ['t7', false],
          ['t2', false],
          ['t1', true],
        ],
      );
      assert.deepEqual(await store.accessTokens.list('someone-else'), []);
      assert.equal(await db.count('access_tokens'), 3);
    });

    it('records audit events and lists them newest first, filtered, and prunes old ones', async (t) => {
      const db = useDatabase(t, backend);
      const store = await db.open();
      const event = (id: string, at: string, connectorName: string) => ({
        id,
        at,
        userId: 'u1',
        door: 'cli',
        connectorId: `c-${connectorName}`,
        connectorName,
        toolName: 'echo',
        arguments: '{"message":"hi"}',
        decision: 'allowed',
        approvedBy: null,
        latencyMs: 12,
        resultBytes: 34,
        errorCode: null,
        conversationId: null,
      });
      await store.audit.record(event('1', '2026-01-01T00:00:00.000Z', 'a'));
      await store.audit.record(event('2', '2026-01-02T00:00:00.000Z', 'b'));
      await store.audit.record(event('3', '2026-01-03T00:00:00.000Z', 'a'));
      assert.deepEqual((await store.audit.list({ userId: 'u1' })).map((e) => e.id), ['3', '2', '1']);
      assert.deepEqual((await store.audit.list({ userId: 'u1', connectorName: 'a' })).map((e) => e.id), ['3', '1']);
      assert.deepEqual((await store.audit.list({ userId: 'u1', since: '2026-01-02T00:00:00.000Z' })).map((e) => e.id), ['3', '2']);
      assert.deepEqual(await store.audit.list({ userId: 'u2' }), []);
      assert.deepEqual((await store.audit.list({ userId: 'u1', limit: 1 }))[0], event('3', '2026-01-03T00:00:00.000Z', 'a'));
      assert.equal(await store.audit.prune('2026-01-02T12:00:00.000Z'), 2);
      assert.deepEqual((await store.audit.list({ userId: 'u1' })).map((e) => e.id), ['3']);
      const many = Array.from({ length: 150 }, (_, i) => event(`m${String(i).padStart(3, '0')}`, `2026-02-01T00:00:${String(i % 60).padStart(2, '0')}.${String(i).padStart(3, '0')}Z`, 'bulk'));
      await store.audit.recordMany(many);
      assert.equal((await store.audit.list({ userId: 'u1', connectorName: 'bulk', limit: 1000 })).length, 150, 'a batch larger than one INSERT is written whole');
    });

    it('pages the audit log by position: older and newer pages, ties on time ordered by id', async (t) => {
      const db = useDatabase(t, backend);
      const store = await db.open();
      const at = (minute: number) => `2026-03-01T00:${String(minute).padStart(2, '0')}:00.000Z`;
      // e0..e9 at one minute each; e4 and e5 share a time, so only the id tells them apart.
      const events = Array.from({ length: 10 }, (_, i) => ({
        id: `e${i}`,
        at: at(i === 5 ? 4 : i),
        userId: 'u1',
        door: 'cli',
        connectorId: 'c1',
        connectorName: 'paged',
        toolName: 'echo',
        arguments: null,
        decision: 'allowed',
        approvedBy: null,
        latencyMs: null,
        resultBytes: null,
        errorCode: null,
        conversationId: null,
      }));
      await store.audit.recordMany(events);
      const ids = async (filter: Partial<Parameters<typeof store.audit.list>[0]>) => (await store.audit.list({ userId: 'u1', limit: 3, ...filter })).map((e) => e.id);
      const position = (i: number) => ({ at: events[i].at, id: events[i].id });
      assert.deepEqual(await ids({}), ['e9', 'e8', 'e7']);
      assert.deepEqual(await ids({ before: position(7) }), ['e6', 'e5', 'e4']);
      assert.deepEqual(await ids({ before: position(4) }), ['e3', 'e2', 'e1']);
      assert.deepEqual(await ids({ before: position(5) }), ['e4', 'e3', 'e2'], 'e4 has the same time as e5 and a smaller id');
      assert.deepEqual(await ids({ before: position(1) }), ['e0']);
      assert.deepEqual(await ids({ before: position(0) }), []);
      assert.deepEqual(await ids({ after: position(1) }), ['e4', 'e3', 'e2'], 'the page just newer, still newest first');
      assert.deepEqual(await ids({ after: position(4) }), ['e7', 'e6', 'e5']);
      assert.deepEqual(await ids({ after: position(8) }), ['e9']);
      assert.deepEqual(await ids({ after: position(9) }), []);
      assert.deepEqual(await ids({ connectorName: 'other', before: position(9) }), []);
    });

    it('takes a sign-in flow once, never after it expires, and prunes expired ones', async (t) => {
      const db = useDatabase(t, backend);
      const clock = createManualClock();
      const store = await db.open({ clock });
      const user = await store.users.ensureLocalUser();
      const connector = await store.connectors.create({ owner: { kind: 'user', id: user.id }, name: 'oauth', url: 'https://o.example/mcp' });
      const flow = (id: string, ttlMs: number) => ({
        id,
        userId: user.id,
        connectorId: connector.id,
        ciphertext: `v1.${id}`,
        createdAt: clock.iso(),
        expiresAt: new Date(Date.parse(clock.iso()) + ttlMs).toISOString(),
      });
      await store.signInFlows.create(flow('a', 600_000));
      await store.signInFlows.create(flow('b', 1_000));
      const takes = await Promise.all([store.signInFlows.take('a'), store.signInFlows.take('a'), store.signInFlows.take('a')]);
      assert.equal(takes.filter(Boolean).length, 1, 'exactly one take wins');
      assert.equal(takes.find(Boolean)?.ciphertext, 'v1.a');
      assert.equal(await store.signInFlows.take('a'), undefined, 'a replay finds nothing');
      assert.equal(await store.signInFlows.take('unknown'), undefined);
      clock.advance(2_000);
      assert.equal(await store.signInFlows.take('b'), undefined, 'an expired flow cannot be taken');
      assert.equal(await store.signInFlows.prune(clock.iso()), 1);
      await store.connectors.remove(connector.id);
      assert.equal(await db.count('sign_in_flows'), 0, 'removing the connector removes its flows');
    });

    it('grants a lease to one holder at a time until it is released or runs out', async (t) => {
      const db = useDatabase(t, backend);
      const clock = createManualClock();
      const store = await db.open({ clock });
      const attempts = await Promise.all(['p1', 'p2', 'p3', 'p4'].map((holder) => store.leases.acquire('refresh:u:c', holder, 5_000)));
      assert.equal(attempts.filter(Boolean).length, 1, 'one holder wins');
      const winner = ['p1', 'p2', 'p3', 'p4'][attempts.indexOf(true)];
      const loser = winner === 'p1' ? 'p2' : 'p1';
      assert.equal(await store.leases.acquire('refresh:u:c', loser, 5_000), false);
      assert.equal(await store.leases.acquire('refresh:u:c', winner, 5_000), true, 'the holder may renew');
      assert.equal(await store.leases.acquire('other', loser, 5_000), true, 'leases are per name');
      await store.leases.release('refresh:u:c', loser);
      assert.equal(await store.leases.acquire('refresh:u:c', loser, 5_000), false, 'only the holder releases');
      await store.leases.release('refresh:u:c', winner);
      assert.equal(await store.leases.acquire('refresh:u:c', loser, 5_000), true);
      clock.advance(6_000);
      assert.equal(await store.leases.acquire('refresh:u:c', winner, 5_000), true, 'an expired lease can be taken over');
    });

    it('lists an owner’s connectors by name, filtered by project and tag', async (t) => {
      const db = useDatabase(t, backend);
      const store = await db.open();
      const owner: Owner = { kind: 'user', id: (await store.users.ensureLocalUser()).id };
      const make = (name: string, project: string | null, tags: string[]) => store.connectors.create({ owner, name, url: `https://${name}.example/mcp`, project, tags });
      const zeta = await make('zeta', 'work', ['ci', 'deploy']);
      const alpha = await make('alpha', 'work', ['docs']);
      const mid = await make('mid', null, ['ci']);
      const home = await make('home-assistant', 'home', []);
      await store.connectors.create({ owner: { kind: 'organization', id: 'org-1' }, name: 'shared', url: 'https://s.example/mcp', project: 'work', tags: ['ci'] });

      const names = (list: Connector[]) => list.map((c) => c.name);
      assert.deepEqual(await store.connectors.list(owner), [alpha, home, mid, zeta]);
      assert.deepEqual(names(await store.connectors.list(owner, { project: 'work' })), ['alpha', 'zeta']);
      assert.deepEqual(names(await store.connectors.list(owner, { tag: 'ci' })), ['mid', 'zeta']);
      assert.deepEqual(names(await store.connectors.list(owner, { project: 'work', tag: 'ci' })), ['zeta']);
      assert.deepEqual(names(await store.connectors.list(owner, { tag: 'c' })), []);
      assert.deepEqual(names(await store.connectors.list(owner, { project: 'nowhere' })), []);
      assert.deepEqual(names(await store.connectors.list({ kind: 'organization', id: 'org-1' })), ['shared']);
      assert.deepEqual(await store.connectors.list({ kind: 'user', id: 'nobody' }), []);
    });

    describe('usage limits', () => {
      const at = Date.parse('2026-11-24T08:30:00.000Z');
      const call = (overrides: Partial<UsageReservation> = {}): UsageReservation => ({
        userId: 'u1',
        connectorId: 'c1',
        toolName: 'search',
        now: at,
        limits: [],
        ...overrides,
      });
      const grants = (results: (UsageGrant | UsageRefusal)[]) => results.filter((r): r is UsageGrant => r.ok);
      const refusals = (results: (UsageGrant | UsageRefusal)[]) => results.filter((r): r is UsageRefusal => !r.ok);
      const used = (counts: UsageCount[], window: UsageCount['window'], scope: UsageCount['scope'] = 'tool') =>
        counts.filter((c) => c.window === window && c.scope === scope).reduce((sum, c) => sum + c.used, 0);

      for (const [window, resetsAt, nextPeriod] of [
        ['day', '2026-11-25T00:00:00.000Z', '2026-11-24'],
        ['hour', '2026-11-24T09:00:00.000Z', '2026-11-24T08'],
      ] as const) {
        it(`grants exactly 3 of 10 simultaneous calls against 3 per ${window}`, async (t) => {
          const store = await useDatabase(t, backend).open({ clock: { now: () => at } });
          const limit: UsageLimit = { scope: 'tool', window, max: 3 };
          const results = await Promise.all(Array.from({ length: 10 }, () => store.usage.reserve(call({ limits: [limit] }))));
          assert.equal(grants(results).length, 3);
          assert.deepEqual(grants(results).map((g) => g.reservationId), ['', '', ''], 'no concurrent slot held: nothing to release');
          assert.equal(refusals(results).length, 7);
          for (const refusal of refusals(results)) assert.deepEqual(refusal, { ok: false, limit, resetsAt, used: 3, max: 3 });
          assert.deepEqual(await store.usage.usage('u1', 'c1', 'search'), [{ scope: 'tool', toolName: 'search', window, period: nextPeriod, used: 3, resetsAt }]);
          // Releasing ends a call; it does not give back a call already made.
          for (const grant of grants(results)) await store.usage.release(grant.reservationId);
          assert.equal(refusals([await store.usage.reserve(call({ limits: [limit] }))]).length, 1);
          // The next window starts afresh, to the millisecond.
          const justBefore = await store.usage.reserve(call({ limits: [limit], now: Date.parse(resetsAt) - 1 }));
          assert.equal(justBefore.ok, false);
          const next = await Promise.all(Array.from({ length: 4 }, () => store.usage.reserve(call({ limits: [limit], now: Date.parse(resetsAt) }))));
          assert.equal(grants(next).length, 3);
        });
      }

      it('counts a call against every limit or none: a refusal leaves no count behind', async (t) => {
        const store = await useDatabase(t, backend).open({ clock: { now: () => at } });
        const limits: UsageLimit[] = [
          { scope: 'tool', window: 'hour', max: 5 },
          { scope: 'connector', window: 'day', max: 3 },
        ];
        for (let n = 0; n < 3; n++) assert.equal((await store.usage.reserve(call({ limits }))).ok, true);
        const fourth = await store.usage.reserve(call({ limits }));
        assert.deepEqual(fourth, { ok: false, limit: limits[1], resetsAt: '2026-11-25T00:00:00.000Z', used: 3, max: 3 });
        // Connector-wide limits count every tool of the connector; other users and connectors have their own.
        assert.equal((await store.usage.reserve(call({ limits, toolName: 'other' }))).ok, false);
        assert.equal((await store.usage.reserve(call({ limits, userId: 'u2' }))).ok, true);
        assert.equal((await store.usage.reserve(call({ limits, connectorId: 'c2' }))).ok, true);
        let counts = await store.usage.usage('u1', 'c1', 'search');
        assert.equal(used(counts, 'hour'), 3, 'the tool counter did not move');
        assert.equal(used(counts, 'day', 'connector'), 3);

        // A limit taken earlier in the same reservation is rolled back when a later one refuses.
        const dayThenHour: UsageLimit[] = [
          { scope: 'tool', window: 'day', max: 10 },
          { scope: 'connector', window: 'hour', max: 1 },
        ];
        assert.equal((await store.usage.reserve(call({ limits: dayThenHour, connectorId: 'c3' }))).ok, true);
        const refused = await store.usage.reserve(call({ limits: dayThenHour, connectorId: 'c3' }));
        assert.equal(refused.ok, false);
        assert.deepEqual(!refused.ok && refused.limit, dayThenHour[1]);
        counts = await store.usage.usage('u1', 'c3', 'search');
        assert.equal(used(counts, 'day'), 1, 'the day count taken before the refusal was rolled back');

        // The same for a window count taken before a concurrent slot is refused.
        const hourThenSlot: UsageLimit[] = [
          { scope: 'tool', window: 'hour', max: 10 },
          { scope: 'tool', window: 'concurrent', max: 1 },
        ];
        const held = await store.usage.reserve(call({ limits: hourThenSlot, connectorId: 'c4' }));
        assert.equal(held.ok, true);
        assert.deepEqual(await store.usage.reserve(call({ limits: hourThenSlot, connectorId: 'c4' })), {
          ok: false,
          limit: hourThenSlot[1],
          resetsAt: null,
          used: 1,
          max: 1,
        });
        counts = await store.usage.usage('u1', 'c4', 'search');
        assert.equal(used(counts, 'hour'), 1);
        assert.equal(used(counts, 'concurrent'), 1);
      });

      it('a reservation without a concurrent limit holds nothing to give back: its id is empty and releasing it changes no count', async (t) => {
        const store = await useDatabase(t, backend).open({ clock: { now: () => at } });
        const limits: UsageLimit[] = [{ scope: 'tool', window: 'day', max: 2 }];
        const grant = await store.usage.reserve(call({ limits, connectorId: 'c9' }));
        assert.deepEqual(grant, { ok: true, reservationId: '' });
        await store.usage.release('');
        assert.equal(used(await store.usage.usage('u1', 'c9', 'search'), 'day'), 1, 'the call made stays counted');
        const withSlot = await store.usage.reserve(call({ limits: [...limits, { scope: 'tool', window: 'concurrent', max: 1 }], connectorId: 'c9' }));
        assert.ok(withSlot.ok && withSlot.reservationId !== '', 'a reservation holding a slot has an id to release it by');
      });

      it('holds at most `max` concurrent slots until they are released or expire', async (t) => {
        const clock = createManualClock(at);
        const store = await useDatabase(t, backend).open({ clock });
        const limits: UsageLimit[] = [{ scope: 'connector', window: 'concurrent', max: 2 }];
        const reserve = (toolName = 'search', slotTtlMs = 60_000) => store.usage.reserve(call({ limits, toolName, now: clock.now(), slotTtlMs }));
        const first = await Promise.all([reserve('a'), reserve('b'), reserve('c')]);
        assert.equal(grants(first).length, 2);
        assert.deepEqual(refusals(first), [{ ok: false, limit: limits[0], resetsAt: null, used: 2, max: 2 }]);
        assert.deepEqual(await store.usage.usage('u1', 'c1'), [{ scope: 'connector', toolName: null, window: 'concurrent', period: null, used: 2, resetsAt: null }]);

        const [released, kept] = grants(first);
        await store.usage.release(released.reservationId);
        await store.usage.release(released.reservationId);
        const second = await reserve();
        assert.equal(second.ok, true, 'a released slot is free again');
        assert.equal((await reserve()).ok, false, 'releasing twice frees one slot');

        // A slot its process never released stops counting when it expires.
        await store.usage.release(kept.reservationId);
        const shortLived = await reserve('search', 1_000);
        assert.equal(shortLived.ok, true);
        assert.equal((await reserve()).ok, false);
        clock.advance(1_000);
        assert.equal((await reserve()).ok, true, 'the expired slot no longer counts');
        assert.equal(used(await store.usage.usage('u1', 'c1'), 'concurrent', 'connector'), 2);
      });

      it('frees a released slot for the next reservation before the release is awaited, and writes it before closing', async (t) => {
        const db = useDatabase(t, backend);
        const store = await db.open({ clock: { now: () => at } });
        const limits: UsageLimit[] = [{ scope: 'tool', window: 'concurrent', max: 1 }];
        const first = await store.usage.reserve(call({ limits }));
        assert.equal(first.ok, true);
        // Released and reserved in the same turn of the event loop, as the door does between two calls.
        const released = store.usage.release(first.ok ? first.reservationId : '');
        const second = store.usage.reserve(call({ limits }));
        const third = store.usage.reserve(call({ limits }));
        assert.equal((await second).ok, true, 'the released slot was free');
        assert.deepEqual(await third, { ok: false, limit: limits[0], resetsAt: null, used: 1, max: 1 });
        await released;
        const held = await second;
        const closing = store.usage.release(held.ok ? held.reservationId : '');
        await store.close();
        await closing;
        assert.equal(await db.count('usage_slots'), 0, 'the release queued before closing was written');
      });

      it('counts conversation limits per conversation, and only inside one', async (t) => {
        const store = await useDatabase(t, backend).open({ clock: { now: () => at } });
        const limits: UsageLimit[] = [{ scope: 'tool', window: 'conversation', max: 2 }];
        const inA = await Promise.all(Array.from({ length: 5 }, () => store.usage.reserve(call({ limits, conversationId: 'conv-a' }))));
        assert.equal(grants(inA).length, 2);
        for (const refusal of refusals(inA)) assert.deepEqual(refusal, { ok: false, limit: limits[0], resetsAt: null, used: 2, max: 2 });
        assert.equal((await store.usage.reserve(call({ limits, conversationId: 'conv-b' }))).ok, true);
        assert.equal((await store.usage.reserve(call({ limits }))).ok, true, 'a call outside a conversation has no conversation limit');
        assert.deepEqual(
          (await store.usage.usage('u1', 'c1', 'search')).map((c) => [c.window, c.period, c.used]),
          [
            ['conversation', 'conv-a', 2],
            ['conversation', 'conv-b', 1],
          ],
        );
      });

      it('applies the strictest of limits on one counter, refuses at max 0, and rejects a broken limit', async (t) => {
        const store = await useDatabase(t, backend).open({ clock: { now: () => at } });
        const strict: UsageLimit = { scope: 'tool', window: 'day', max: 1 };
        const limits: UsageLimit[] = [{ scope: 'tool', window: 'day', max: 5 }, strict];
        assert.equal((await store.usage.reserve(call({ limits }))).ok, true);
        assert.deepEqual(await store.usage.reserve(call({ limits })), { ok: false, limit: strict, resetsAt: '2026-11-25T00:00:00.000Z', used: 1, max: 1 });
        assert.equal(used(await store.usage.usage('u1', 'c1', 'search'), 'day'), 1);
        const blocked: UsageLimit = { scope: 'connector', window: 'hour', max: 0 };
        assert.deepEqual(await store.usage.reserve(call({ limits: [blocked], toolName: 'x' })), { ok: false, limit: blocked, resetsAt: '2026-11-24T09:00:00.000Z', used: 0, max: 0 });
        assert.equal((await store.usage.reserve(call({ limits: [{ scope: 'connector', window: 'concurrent', max: 0 }] }))).ok, false);
        assert.deepEqual(
          (await store.usage.usage('u1', 'c1')).map((c) => [c.scope, c.window, c.used]),
          [['tool', 'day', 1]],
          'a refused call left no count of its own',
        );
        await rejectsWithCode(store.usage.reserve(call({ limits: [{ scope: 'tool', window: 'day', max: 1.5 }] })), 'VALIDATION_FAILED');
        await rejectsWithCode(store.usage.reserve(call({ limits: [{ scope: 'tool', window: 'day', max: -1 }] })), 'VALIDATION_FAILED');
        const free = await store.usage.reserve(call({ limits: [] }));
        assert.equal(free.ok, true, 'no limits, nothing to count');
        await store.usage.release(free.ok ? free.reservationId : '');
      });

      it('prunes ended windows, idle conversations and expired slots, and keeps the rest', async (t) => {
        const db = useDatabase(t, backend);
        const store = await db.open({ clock: { now: () => at } });
        const yesterday = at - 86_400_000;
        const windows: UsageLimit[] = [
          { scope: 'tool', window: 'hour', max: 9 },
          { scope: 'tool', window: 'day', max: 9 },
          { scope: 'tool', window: 'conversation', max: 9 },
        ];
        await store.usage.reserve(call({ limits: windows, conversationId: 'old', now: yesterday }));
        await store.usage.reserve(call({ limits: [{ scope: 'tool', window: 'concurrent', max: 9 }], now: yesterday, slotTtlMs: 1_000 }));
        await store.usage.reserve(call({ limits: windows, conversationId: 'new' }));
        const held = await store.usage.reserve(call({ limits: [{ scope: 'tool', window: 'concurrent', max: 9 }], slotTtlMs: 60_000 }));
        assert.equal(held.ok, true);
        assert.equal(await db.count('usage_counters'), 7);
        assert.equal(await db.count('usage_slots'), 2);
        // An hour ago: yesterday's hour, day and conversation counts and its expired slot go; the
        // concurrent row was touched today.
        assert.equal(await store.usage.prune(new Date(at - 3_600_000).toISOString()), 4);
        assert.equal(await db.count('usage_slots'), 1);
        assert.deepEqual(
          (await store.usage.usage('u1', 'c1', 'search')).map((c) => [c.window, c.period, c.used]),
          [
            ['conversation', 'new', 1],
            ['day', '2026-11-24', 1],
            ['hour', '2026-11-24T08', 1],
            ['concurrent', null, 1],
          ],
        );
        assert.equal(await store.usage.prune(new Date(at - 3_600_000).toISOString()), 0);
      });
    });

    describe('chat', () => {
      it('keeps model endpoints per user, with the sealed key readable only through keyCiphertext', async (t) => {
        const db = useDatabase(t, backend);
        const store = await db.open();
        const user = await store.users.ensureLocalUser();
        const model = await store.models.create({ id: 'm1', userId: user.id, name: 'local', provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama3', keyCiphertext: 'v1.sealed' });
        assert.equal(model.hasKey, true);
        assert.equal(JSON.stringify(model).includes('sealed'), false);
        await store.models.create({ id: 'm2', userId: user.id, name: 'claude', provider: 'anthropic', baseUrl: null, model: 'claude-sonnet', keyCiphertext: null });
        assert.deepEqual((await store.models.list(user.id)).map((m) => [m.name, m.hasKey]), [['claude', false], ['local', true]]);
        assert.equal(await store.models.keyCiphertext(user.id, 'm1'), 'v1.sealed');
        assert.equal(await store.models.keyCiphertext('someone-else', 'm1'), null);
        await rejectsWithCode(store.models.create({ id: 'm3', userId: user.id, name: 'local', provider: 'openai', baseUrl: null, model: 'x', keyCiphertext: null }), 'NAME_TAKEN');
        assert.equal(await store.models.remove(user.id, 'm1'), true);
        assert.equal(await store.models.remove(user.id, 'm1'), false);
        assert.equal(await store.models.get(user.id, 'm1'), undefined);
      });

      it('stores conversations with messages, tool calls and attachments, and deletes them together', async (t) => {
        const db = useDatabase(t, backend);
        const clock = createManualClock();
        const store = await db.open({ clock });
        const user = await store.users.ensureLocalUser();
        await store.models.create({ id: 'm1', userId: user.id, name: 'local', provider: 'openai', baseUrl: null, model: 'gpt', keyCiphertext: null });
        const first = await store.conversations.create({ userId: user.id, title: 'First', modelId: 'm1', connectors: ['tiny'] });
        clock.advance(1000);
        const second = await store.conversations.create({ userId: user.id, title: 'Second' });
        assert.deepEqual((await store.conversations.list(user.id)).map((c) => c.title), ['Second', 'First']);
        assert.deepEqual(first.connectors, ['tiny']);
        assert.equal(second.connectors, null);
        assert.equal(await store.conversations.get('someone-else', first.id), undefined);

        clock.advance(1000);
        const asked = await store.messages.append({
          conversationId: first.id,
          role: 'user',
          parts: [{ type: 'text', text: 'Echo hi' }],
          attachments: [{ kind: 'resource', connector: 'tiny', ref: 'file:///a.txt', arguments: null, content: { contents: [{ uri: 'file:///a.txt', text: 'A' }] } }],
        });
        const answered = await store.messages.append({
          conversationId: first.id,
          role: 'assistant',
          parts: [{ type: 'text', text: 'Calling.' }],
          toolCalls: [
            { modelCallId: 'call_1', toolName: 'tiny__echo', connector: 'tiny', connectorTool: 'echo', arguments: { text: 'hi' } },
            { modelCallId: 'call_2', toolName: 'tiny__add', connector: 'tiny', connectorTool: 'add', arguments: { a: 1, b: 2 } },
          ],
        });
        assert.deepEqual([asked.seq, answered.seq], [1, 2]);
        assert.deepEqual((await store.conversations.list(user.id)).map((c) => c.title), ['First', 'Second']);
        const call = answered.toolCalls[0];
        assert.equal(call.status, 'pending');
        await store.messages.updateToolCall(call.id, { status: 'awaiting-approval', approvalId: 'ap-1' });
        assert.equal((await store.messages.findToolCallByApproval(first.id, 'ap-1'))?.id, call.id);
        assert.equal(await store.messages.findToolCallByApproval(second.id, 'ap-1'), undefined);
        // Of two claims on a waiting call, one wins.
        assert.equal((await store.messages.claimToolCall(call.id, 'awaiting-approval', { status: 'pending' }))?.status, 'pending');
        assert.equal(await store.messages.claimToolCall(call.id, 'awaiting-approval', { status: 'denied' }), undefined, 'claimed once only');
        assert.equal((await store.messages.findToolCallByApproval(first.id, 'ap-1'))?.status, 'pending');
        const done = await store.messages.updateToolCall(call.id, { status: 'done', result: { content: [{ type: 'text', text: 'hi' }] } });
        assert.deepEqual(done.result, { content: [{ type: 'text', text: 'hi' }] });
        await store.messages.updateToolCall(answered.toolCalls[1].id, { status: 'refused', error: { code: 'TOOL_BLOCKED', message: 'blocked' } });

        const messages = await store.messages.list(first.id);
        assert.deepEqual(messages.map((m) => [m.role, m.parts]), [
          ['user', [{ type: 'text', text: 'Echo hi' }]],
          ['assistant', [{ type: 'text', text: 'Calling.' }]],
        ]);
        assert.deepEqual(messages[0].attachments.map((a) => [a.kind, a.ref, a.content]), [['resource', 'file:///a.txt', { contents: [{ uri: 'file:///a.txt', text: 'A' }] }]]);
        assert.deepEqual(messages[1].toolCalls.map((c) => [c.toolName, c.status, c.arguments, c.error?.code ?? null]), [
          ['tiny__echo', 'done', { text: 'hi' }, null],
          ['tiny__add', 'refused', { a: 1, b: 2 }, 'TOOL_BLOCKED'],
        ]);

        const renamed = await store.conversations.update(user.id, first.id, { title: 'Renamed', connectors: null });
        assert.equal(renamed.title, 'Renamed');
        assert.equal(renamed.connectors, null);
        await rejectsWithCode(store.conversations.update('someone-else', first.id, { title: 'x' }), 'CONVERSATION_NOT_FOUND');
        // Removing the model leaves the conversation without one.
        await store.models.remove(user.id, 'm1');
        assert.equal((await store.conversations.get(user.id, first.id))?.modelId, null);

        assert.equal(await store.conversations.remove(user.id, first.id), true);
        assert.equal(await db.count('chat_messages'), 0);
        assert.equal(await db.count('chat_tool_calls'), 0);
        assert.equal(await db.count('chat_attachments'), 0);
        assert.deepEqual((await store.conversations.list(user.id)).map((c) => c.title), ['Second']);
      });

      it('gives concurrent appends distinct, ordered sequence numbers', async (t) => {
        const db = useDatabase(t, backend);
        const store = await db.open();
        const user = await store.users.ensureLocalUser();
        const conversation = await store.conversations.create({ userId: user.id, title: 'Busy' });
        await Promise.all(Array.from({ length: 6 }, (_, i) => store.messages.append({ conversationId: conversation.id, role: 'user', parts: [{ type: 'text', text: String(i) }] })));
        assert.deepEqual((await store.messages.list(conversation.id)).map((m) => m.seq), [1, 2, 3, 4, 5, 6]);
      });
    });
  });
}

describe('openStore failures', () => {
  it('names the SQLite path that cannot be opened', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-store-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const blocker = join(dir, 'not-a-directory');
    writeFileSync(blocker, 'x');
    const path = join(blocker, 'patchbay.db');
    await assert.rejects(openStore({ kind: 'sqlite', path }), (error) => {
      assert.ok(isPatchbayError(error, 'STORE_ERROR'));
      assert.ok(error.message.includes(path), error.message);
      return true;
    });
  });

  it('refuses a SQLite file that is not a database', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'patchbay-store-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'garbage.db');
    writeFileSync(path, 'this is not a database file, just some text long enough to fill a header........');
    await assert.rejects(openStore({ kind: 'sqlite', path }), (error) => isPatchbayError(error, 'STORE_ERROR') && error.message.includes(path));
  });

  it('names the PostgreSQL server it cannot reach, without the password', async () => {
    // Port 1 on loopback: nothing listens there, the connection is refused at once.
    const url = 'postgres://patchbay:s3cret-pass@127.0.0.1:1/patchbay';
    await assert.rejects(openStore({ kind: 'postgres', url }), (error) => {
      assert.ok(isPatchbayError(error, 'STORE_ERROR'));
      assert.ok(error.message.includes('patchbay@127.0.0.1:1/patchbay'), error.message);
      assert.ok(!error.message.includes('s3cret-pass'), error.message);
      assert.ok(!JSON.stringify(error.toJSON()).includes('s3cret-pass'));
      return true;
    });
  });

  it('refuses a PostgreSQL schema name it would have to quote', async () => {
    await assert.rejects(openStore({ kind: 'postgres', url: 'postgres://127.0.0.1:1/x' }, { schema: 'a"; drop table users; --' }), (error) =>
      isPatchbayError(error, 'CONFIG_INVALID'),
    );
  });
});
