import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startExampleServer } from '../src/example-server/index.ts';
import { replicaEnvironment } from './fixtures/hub-events.ts';
import { openTestPatchbay } from './fixtures/patchbay.ts';

const url = process.env.PATCHBAY_TEST_DATABASE_URL;

test('two Patchbay processes on one PostgreSQL refresh an expired sign-in exactly once', { skip: url ? false : 'PATCHBAY_TEST_DATABASE_URL is not set' }, async (t) => {
  const server = (await startExampleServer({ auth: {} })) as Awaited<ReturnType<typeof startExampleServer>> & {
    auth: { requests(kind: string): readonly unknown[]; expireAccessTokens(): void };
  };
  t.after(() => server.close());
  // Two replicas: same database, same key, separate processes' worth of state (pools, single-flight maps).
  const env = replicaEnvironment(t, url!, 'pb_replicas');
  await using a = await openTestPatchbay(env);
  await using b = await openTestPatchbay(env);
  assert.equal(a.localUser.id, b.localUser.id, 'one local user in the shared database');

  const { connector } = await a.hub.addConnector(a.actor('api'), { url: server.url, name: 'shared' });
  const started = await a.hub.startSignIn(a.actor('api'), 'shared');
  assert.equal(started.status, 'redirect');
  if (started.status !== 'redirect') return;
  const approved = await fetch(started.authorizationUrl, { redirect: 'manual' });
  // The callback lands on the other replica: the flow lives in the database.
  await b.hub.finishSignIn(new URL(approved.headers.get('location')!).searchParams);
  assert.equal((await b.hub.getConnector(b.actor('api'), 'shared')).id, connector.id);

  await a.hub.callTool(a.actor('api'), 'shared', 'echo', { message: 'a' });
  await b.hub.callTool(b.actor('api'), 'shared', 'echo', { message: 'b' });
  server.auth.expireAccessTokens();
  const calls = Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).hub.callTool((i % 2 ? a : b).actor('api'), 'shared', 'echo', { message: `m${i}` }));
  const results = await Promise.all(calls);
  assert.equal(results.length, 10);
  assert.equal(server.auth.requests('refresh').length, 1, 'one refresh for both replicas: the rotating refresh token was spent once');
});
