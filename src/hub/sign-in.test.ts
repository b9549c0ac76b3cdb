import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Vault } from '../auth/index.ts';
import { silentLogger } from '../core/log.ts';
import { startExampleServer } from '../example-server/index.ts';
import { openStore } from '../store/index.ts';
import { SignIn } from './sign-in.ts';

test('an access token is refreshed shortly before it expires, before any request is refused', async (t) => {
  const server = (await startExampleServer({ auth: { accessTokenTtlSeconds: 600 } })) as Awaited<ReturnType<typeof startExampleServer>> & {
    auth: { requests(kind: string): readonly unknown[] };
  };
  t.after(() => server.close());
  const dir = await mkdtemp(join(tmpdir(), 'patchbay-sign-in-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const store = await openStore({ kind: 'sqlite', path: join(dir, 'patchbay.db') });
  t.after(() => store.close());
  let now = Date.now();
  const signIn = new SignIn({
    store,
    vault: new Vault(randomBytes(32)),
    fetch: (url, init) => fetch(url, init),
    redirectUrl: 'http://127.0.0.1:7410/oauth/callback',
    allowLoopbackHttp: true,
    logger: silentLogger,
    now: () => now,
  });
  const user = await store.users.ensureLocalUser();
  const connector = await store.connectors.create({ owner: { kind: 'user', id: user.id }, name: 'timed', url: server.url, authKind: 'oauth' });

  const started = await signIn.start(user.id, connector);
  assert.equal(started.status, 'redirect');
  if (started.status !== 'redirect') return;
  const approved = await fetch(started.authorizationUrl, { redirect: 'manual' });
  await signIn.finish(new URL(approved.headers.get('location')!).searchParams, async (id) => store.connectors.get(id));

  const bearer = signIn.bearerAuth(user.id, connector);
  const first = await bearer.token();
  assert.ok(first);
  now += 5 * 60_000;
  assert.equal(await bearer.token(), first, 'half-way through its life the token is kept');
  assert.equal(server.auth.requests('refresh').length, 0);

  now += 4 * 60_000 + 45_000; // 15 s left of 600
  const second = await bearer.token();
  assert.notEqual(second, first, 'refreshed in its last 30 seconds');
  assert.equal(server.auth.requests('refresh').length, 1);
  assert.equal(await bearer.token(), second, 'the new token is used until it too nears its end');
  assert.equal(server.auth.requests('refresh').length, 1);
});
