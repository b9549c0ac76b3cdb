/**
 * The door keeps its lookups (connector, tool setting, tool list) in memory; these tests
 * prove a change made elsewhere — another process on the SQLite file, another replica on
 * PostgreSQL, a replica whose notifications were cut — still decides the very next call.
 */
import assert from 'node:assert/strict';
import { setTimeout as delay } from 'node:timers/promises';
import { type TestContext, test } from 'node:test';
import pg from 'pg';
import { isPatchbayError } from '../src/core/errors.ts';
import { startExampleServer } from '../src/example-server/index.ts';
import { LISTENER_NAME } from '../src/store/change-feed.ts';
import { runCli } from './fixtures/cli-process.ts';
import { replicaEnvironment } from './fixtures/hub-events.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

const url = process.env.PATCHBAY_TEST_DATABASE_URL;
const blocked = (e: unknown) => isPatchbayError(e, 'TOOL_BLOCKED');

async function callEcho(patchbay: TestPatchbay, message: string): Promise<string | undefined> {
  const result = await patchbay.hub.callTool(patchbay.actor('gateway'), 'ex', 'echo', { message });
  return (result.content[0] as { text?: string }).text;
}

/** Waits until `patchbay`'s change feed has moved past `from` (a notification arrived). */
async function feedMoved(patchbay: TestPatchbay, from: number | null): Promise<void> {
  for (let i = 0; i < 500 && patchbay.store.changes.version() === from; i++) await delay(10);
  assert.notEqual(patchbay.store.changes.version(), from, 'the change feed never moved');
}

test('SQLite: a Block set by another process (the CLI) is enforced on the server’s next call, and lifted the same way', async (t) => {
  const server = await startExampleServer();
  t.after(() => server.close());
  await using patchbay = await openTestPatchbay();
  await patchbay.hub.addConnector(patchbay.actor('cli'), { url: server.url, name: 'ex' });
  await patchbay.hub.updateToolSetting(patchbay.actor('cli'), 'ex', 'echo', { approval: 'allow' });
  // Called twice, so the second call is served from the lookups kept in memory.
  assert.equal(await callEcho(patchbay, 'one'), 'one');
  assert.equal(await callEcho(patchbay, 'two'), 'two');

  const cli = (...args: string[]) => runCli(args, { env: { PATCHBAY_DATA_DIR: patchbay.dataDir } });
  const block = await cli('tool', 'ex', 'echo', '--approval', 'block');
  assert.equal(block.code, 0, block.stderr);
  await assert.rejects(callEcho(patchbay, 'three'), blocked);

  assert.equal((await cli('tool', 'ex', 'echo', '--approval', 'allow')).code, 0);
  assert.equal(await callEcho(patchbay, 'four'), 'four');
  // The CLI removing the connector is seen too: not found, not a call to a forgotten connector.
  const removed = await cli('remove', 'ex');
  assert.equal(removed.code, 0, removed.stderr);
  await assert.rejects(callEcho(patchbay, 'five'), (e: unknown) => isPatchbayError(e, 'CONNECTOR_NOT_FOUND'));
});

/**
 * Two Patchbays on one PostgreSQL schema, the example server as connector "ex" with echo
 * allowed, and replica A's lookups warm (it has called echo twice).
 */
async function openTwoReplicas(t: TestContext): Promise<{ a: TestPatchbay; b: TestPatchbay; env: Record<string, string> }> {
  const server = await startExampleServer();
  t.after(() => server.close());
  const env = replicaEnvironment(t, url!, 'pb_lookups');
  const a = await openTestPatchbay(env);
  t.after(() => a.close());
  const b = await openTestPatchbay(env);
  t.after(() => b.close());
  await a.hub.addConnector(a.actor('cli'), { url: server.url, name: 'ex' });
  await a.hub.updateToolSetting(a.actor('cli'), 'ex', 'echo', { approval: 'allow' });
  assert.equal(await callEcho(a, 'one'), 'one');
  assert.equal(await callEcho(a, 'two'), 'two');
  return { a, b, env };
}

test('PostgreSQL: a Block set on one replica is enforced by another once its notification arrives', { skip: url ? false : 'PATCHBAY_TEST_DATABASE_URL is not set' }, async (t) => {
  const { a, b } = await openTwoReplicas(t);

  const before = a.store.changes.version();
  assert.notEqual(before, null, 'replica A listens for changes');
  await b.hub.updateToolSetting(b.actor('cli'), 'ex', 'echo', { approval: 'block' });
  await feedMoved(a, before);
  await assert.rejects(callEcho(a, 'three'), blocked);
  await assert.rejects(callEcho(b, 'three'), blocked);
});

test('PostgreSQL: a replica whose notifications were cut reads the database until it listens again', { skip: url ? false : 'PATCHBAY_TEST_DATABASE_URL is not set' }, async (t) => {
  const { a, b, env } = await openTwoReplicas(t);

  // Cut both replicas' listening connections; what B then writes is announced to nobody.
  const before = a.store.changes.version();
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  t.after(() => admin.end());
  const killed = await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where application_name = $1', [`${LISTENER_NAME} ${env.PATCHBAY_DATABASE_SCHEMA}`]);
  assert.equal(killed.rowCount, 2, 'each replica has one listening connection');
  await feedMoved(a, before);
  await b.hub.updateToolSetting(b.actor('cli'), 'ex', 'echo', { approval: 'block' });
  // Whether A is still reconnecting (reads the database) or already back (dropped what it kept), the Block holds.
  await assert.rejects(callEcho(a, 'three'), blocked);

  // Once A listens again, changes reach it by notification as before.
  for (let i = 0; i < 500 && a.store.changes.version() === null; i++) await delay(10);
  const listening = a.store.changes.version();
  assert.notEqual(listening, null, 'replica A listens again');
  await b.hub.updateToolSetting(b.actor('cli'), 'ex', 'echo', { approval: 'allow' });
  await feedMoved(a, listening);
  assert.equal(await callEcho(a, 'four'), 'four');
});
