import assert from 'node:assert/strict';
import { test } from 'node:test';
import { silentLogger } from '../core/log.ts';
import { startExampleServer } from '../example-server/index.ts';
import { createMcpFetch } from './http-fetch.ts';
import { SessionPool } from './session-pool.ts';
import type { SessionTarget } from './session.ts';

/** An example server and a pool of legacy-protocol sessions to it. */
async function startPool(idleMs: number) {
  const server = await startExampleServer();
  const http = createMcpFetch({ maxResponseBytes: 1_000_000 });
  const pool = new SessionPool({
    fetch: http.fetch,
    requestTimeoutMs: 5000,
    connectTimeoutMs: 5000,
    idleMs,
    protocol: 'legacy',
    clientInfo: { name: 'patchbay-test', version: '0' },
    logger: silentLogger,
  });
  return { server, http, pool };
}

async function waitFor(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 50));
  assert.ok(condition(), `gave up waiting for ${what}`);
}

test('one session per (user, connector); idle sessions are closed and the server is told', async (t) => {
  const { server, http, pool } = await startPool(300);
  t.after(async () => {
    await pool.closeAll();
    await http.close();
    await server.close();
  });
  const target = (userId: string, connectorId: string): SessionTarget => ({ userId, connectorId, name: connectorId, url: server.url, transport: 'auto' });

  const a = pool.get(target('u1', 'c1'));
  assert.equal(pool.get(target('u1', 'c1')), a, 'the same pair gets the same session');
  const b = pool.get(target('u2', 'c1'));
  assert.notEqual(b, a, 'another user gets a session of their own');
  await Promise.all([a.listTools(), b.listTools()]);
  assert.equal(server.sessionCount(), 2);

  const moved = pool.get({ ...target('u1', 'c1'), url: `${server.url}?v=2` });
  assert.notEqual(moved, a, 'a changed address replaces the session');

  await moved.listTools();
  await waitFor(() => pool.size === 0, 'the idle sweep');
  await waitFor(() => server.sessionCount() === 0, 'the server to see the sessions end (DELETE)');
});

test('closeAll closes every session and later use is refused with a clear error', async (t) => {
  const { server, http, pool } = await startPool(60_000);
  t.after(async () => {
    await http.close();
    await server.close();
  });
  const session = pool.get({ userId: 'u', connectorId: 'c', name: 'c', url: server.url, transport: 'auto' });
  await session.listTools();
  assert.equal(server.sessionCount(), 1);
  await pool.closeAll();
  assert.equal(pool.size, 0);
  await waitFor(() => server.sessionCount() === 0, 'the DELETE');
  await assert.rejects(session.listTools(), (e: unknown) => (e as { code?: string }).code === 'CONNECTOR_UNREACHABLE');
});

test('a request Patchbay makes on its own (background) does not count as use: it keeps no idle session open', async (t) => {
  const { server, http, pool } = await startPool(60_000);
  t.after(async () => {
    await pool.closeAll();
    await http.close();
    await server.close();
  });
  const session = pool.get({ userId: 'u1', connectorId: 'c1', name: 'c1', url: server.url, transport: 'auto' });
  await session.connect();
  const used = session.lastUsed;
  await new Promise((resolve) => setTimeout(resolve, 20));
  await session.listTools({ background: true });
  assert.equal(session.lastUsed, used, 'a background request leaves the last use where it was');
  await session.listTools();
  assert.ok(session.lastUsed > used, 'a caller\'s request is use');
});
