import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { isPatchbayError } from '../src/core/errors.ts';
import type { ExampleAuthOptions } from '../src/example-server/auth/options.ts';
import { startExampleServer } from '../src/example-server/index.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';
import { createTestApiApp } from './fixtures/api-app.ts';

type AuthServer = Awaited<ReturnType<typeof startExampleServer>> & { auth: { requests(kind?: string): readonly any[]; [k: string]: any } };

async function startAuthServer(auth: ExampleAuthOptions = {}): Promise<AuthServer> {
  return (await startExampleServer({ auth })) as AuthServer;
}

/** Plays the person's browser against the auto-approving authorization server. */
/** The example authorization server with the machine client "robot" registered by hand, and a Patchbay with a connector to it. */
async function machineClientConnector(t: TestContext) {
  const server = await startAuthServer();
  t.after(() => server.close());
  server.auth.preRegister({ client_id: 'robot', client_secret: 'robot-secret' });
  const patchbay = await openTestPatchbay();
  const actor = patchbay.actor('api');
  const { connector } = await patchbay.hub.addConnector(actor, { url: server.url });
  return { server, patchbay, actor, connector, [Symbol.asyncDispose]: () => patchbay.close() };
}

async function signIn(patchbay: TestPatchbay, name: string) {
  const started = await patchbay.hub.startSignIn(patchbay.actor('cli'), name);
  assert.equal(started.status, 'redirect');
  if (started.status !== 'redirect') throw new Error('unreachable');
  const response = await fetch(started.authorizationUrl, { redirect: 'manual' });
  const location = response.headers.get('location');
  assert.ok(location, `expected a redirect from the authorization endpoint, got ${response.status}`);
  await patchbay.hub.finishSignIn(new URL(location).searchParams);
  return started;
}

async function kindsStored(patchbay: TestPatchbay, connectorId: string): Promise<string[]> {
  return (await patchbay.store.credentials.list(patchbay.localUser.id, connectorId)).map((r) => r.kind);
}

async function databaseBytes(patchbay: TestPatchbay): Promise<Buffer> {
  const files = (await readdir(patchbay.dataDir)).filter((f) => f.startsWith('patchbay.db'));
  return Buffer.concat(await Promise.all(files.map((f) => readFile(join(patchbay.dataDir, f)))));
}

describe('OAuth clients beyond dynamic registration, against the example authorization server', () => {
  test('a pre-registered client is used instead of registering, and its secret is sealed', async (t) => {
    const server = await startAuthServer();
    t.after(() => server.close());
    await using patchbay = await openTestPatchbay();
    const actor = patchbay.actor('cli');
    const { connector } = await patchbay.hub.addConnector(actor, { url: server.url });
    const redirectUrl = `http://127.0.0.1:${patchbay.config.port}/oauth/callback`;
    server.auth.preRegister({ client_id: 'patchbay-by-hand', client_secret: 'hand-made-secret', redirect_uris: [redirectUrl] });

    const saved = await patchbay.hub.setOAuthClient(actor, connector.name, { client_id: 'patchbay-by-hand', client_secret: 'hand-made-secret' });
    assert.deepEqual(saved, { client_id: 'patchbay-by-hand', token_endpoint_auth_method: 'client_secret_basic', has_secret: true }, 'the secret is never returned');
    const started = await signIn(patchbay, connector.name);
    assert.equal(started.redirectUrl, redirectUrl);
    assert.equal(new URL(started.authorizationUrl).searchParams.get('client_id'), 'patchbay-by-hand');
    assert.equal(server.auth.requests('register').length, 0, 'no dynamic registration');
    const tokenRequests = server.auth.requests('token');
    assert.deepEqual(
      tokenRequests.map((r) => [r.clientId, r.grantType, r.status]),
      [['patchbay-by-hand', 'authorization_code', 200]],
    );
    const result = await patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'by hand' });
    assert.deepEqual(result.content, [{ type: 'text', text: 'by hand' }]);
    assert.equal((await databaseBytes(patchbay)).includes(Buffer.from('hand-made-secret')), false);

    await assert.rejects(
      patchbay.hub.setOAuthClient(actor, connector.name, { client_id: 'x', token_endpoint_auth_method: 'client_secret_post' }),
      (e: unknown) => isPatchbayError(e, 'VALIDATION_FAILED'),
    );
  });

  test('a machine client signs in with client credentials, and gets a new token when the old one dies', async (t) => {
    await using bed = await machineClientConnector(t);
    const { server, patchbay, actor, connector } = bed;
    assert.equal(connector.status, 'needs-sign-in');

    const signedIn = await patchbay.hub.signInWithClientCredentials(actor, connector.name, { client_id: 'robot', client_secret: 'robot-secret' });
    assert.equal(signedIn.status, 'connected');
    assert.equal(signedIn.authKind, 'oauth');
    const first = await patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'beep' });
    assert.deepEqual(first.content, [{ type: 'text', text: 'beep' }]);

    server.auth.expireAccessTokens();
    const second = await patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'boop' });
    assert.deepEqual(second.content, [{ type: 'text', text: 'boop' }], 'a refused token is replaced without a person');
    assert.deepEqual(
      server.auth.requests('token').map((r) => [r.clientId, r.grantType, r.status]),
      [
        ['robot', 'client_credentials', 200],
        ['robot', 'client_credentials', 200],
      ],
    );
    assert.equal(server.auth.requests('authorize').length, 0, 'nobody was sent anywhere');
    assert.deepEqual(await patchbay.hub.startSignIn(actor, connector.name), { status: 'signed-in' }, 'signing in again is asking for a token');
    assert.equal(server.auth.requests('token').length, 3);
    assert.equal((await databaseBytes(patchbay)).includes(Buffer.from('robot-secret')), false, 'the secret is sealed');

    // A pre-registered client for people replaces the machine client: the next sign-in is interactive.
    await patchbay.hub.setOAuthClient(actor, connector.name, { client_id: 'person-client' });
    assert.equal((await kindsStored(patchbay, connector.id)).includes('oauth-client-credentials'), false);
  });

  test('removing a connector signed in as a machine client revokes its token at the server', async (t) => {
    await using bed = await machineClientConnector(t);
    const { server, patchbay, actor, connector } = bed;
    await patchbay.hub.signInWithClientCredentials(actor, connector.name, { client_id: 'robot', client_secret: 'robot-secret' });
    await patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'beep' });
    await patchbay.hub.removeConnector(actor, connector.name);
    const revocations = server.auth.requests('revoke') as ReadonlyArray<{ clientId?: string; status?: number }>;
    assert.deepEqual(
      revocations.map((r) => [r.clientId, r.status]),
      [['robot', 200]],
      'the machine client revoked its access token (it has no refresh token)',
    );
  });

  test('a machine client the server refuses is not kept', async (t) => {
    const server = await startAuthServer();
    t.after(() => server.close());
    server.auth.preRegister({ client_id: 'robot', client_secret: 'robot-secret' });
    await using patchbay = await openTestPatchbay();
    const actor = patchbay.actor('cli');
    const { connector } = await patchbay.hub.addConnector(actor, { url: server.url });
    await assert.rejects(
      patchbay.hub.signInWithClientCredentials(actor, connector.name, { client_id: 'robot', client_secret: 'wrong' }),
      (e: unknown) => isPatchbayError(e, 'AUTH_REQUIRED'),
    );
    assert.equal((await kindsStored(patchbay, connector.id)).includes('oauth-client-credentials'), false);
    assert.equal((await patchbay.hub.getConnector(actor, connector.name)).status, 'needs-sign-in');
    await assert.rejects(patchbay.hub.signInWithClientCredentials(actor, connector.name, { client_id: 'robot' }), (e: unknown) => isPatchbayError(e, 'VALIDATION_FAILED'));
  });

  test('the server’s challenge is kept for the next sign-in, and a step-up keeps the scopes already granted', async (t) => {
    const server = await startAuthServer();
    t.after(() => server.close());
    server.auth.setRequiredScope('admin_action', 'mcp:admin');
    await using patchbay = await openTestPatchbay();
    const actor = patchbay.actor('cli');
    const { connector } = await patchbay.hub.addConnector(actor, { url: server.url });
    assert.ok((await kindsStored(patchbay, connector.id)).includes('oauth-challenge'), 'the 401 challenge of the first contact is kept');
    const first = await signIn(patchbay, connector.name);
    assert.ok(first.scopes.includes('mcp:read'));
    assert.equal(first.scopes.includes('mcp:admin'), false, 'only what the challenge named');
    assert.equal((await kindsStored(patchbay, connector.id)).includes('oauth-challenge'), false, 'forgotten once signed in');

    let details: Record<string, unknown> | undefined;
    await assert.rejects(patchbay.hub.callTool(actor, connector.name, 'admin_action', {}), (e: unknown) => {
      details = isPatchbayError(e, 'AUTH_REQUIRED') ? e.details : undefined;
      return details?.stepUp === true;
    });
    assert.equal(details?.scope, 'mcp:admin');
    // Nobody says which scope: Patchbay remembers the challenge and keeps what was granted.
    const stepUp = await signIn(patchbay, connector.name);
    assert.ok(stepUp.scopes.includes('mcp:admin') && stepUp.scopes.includes('mcp:read'), stepUp.scopes.join(' '));
    const result = await patchbay.hub.callTool(actor, connector.name, 'admin_action', {});
    assert.equal(result.isError ?? false, false);
    const echo = await patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'still allowed' });
    assert.deepEqual(echo.content, [{ type: 'text', text: 'still allowed' }]);
  });

  test('the HTTP API stores a pre-registered client and signs in a machine client', async (t) => {
    const server = await startAuthServer();
    t.after(() => server.close());
    server.auth.preRegister({ client_id: 'robot', client_secret: 'robot-secret' });
    await using patchbay = await openTestPatchbay();
    const token = 'pb_test-token-0123456789abcdef';
    const app = createTestApiApp(patchbay, { accessToken: token, allowedHosts: ['127.0.0.1:7410'], allowedOrigins: [] });
    const call = (method: string, path: string, body: unknown) =>
      app.request(path, { method, headers: { host: '127.0.0.1:7410', authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const { connector } = await patchbay.hub.addConnector(patchbay.actor('api'), { url: server.url });
    const path = `/api/connectors/${connector.name}`;

    const stored = await call('PUT', `${path}/oauth-client`, { client_id: 'app', client_secret: 'shh', token_endpoint_auth_method: 'client_secret_post' });
    assert.equal(stored.status, 200);
    const body = (await stored.json()) as Record<string, any>;
    assert.deepEqual(body.oauthClient, { client_id: 'app', token_endpoint_auth_method: 'client_secret_post', has_secret: true });
    assert.equal(JSON.stringify(body).includes('shh'), false);
    const unknownField = await call('PUT', `${path}/oauth-client`, { client_id: 'app', redirect_uri: 'https://evil.example' });
    assert.equal(unknownField.status, 400);
    assert.equal(((await unknownField.json()) as Record<string, any>).error.code, 'VALIDATION_FAILED');

    const machine = await call('POST', `${path}/sign-in/client-credentials`, { client_id: 'robot', client_secret: 'robot-secret' });
    assert.equal(machine.status, 200);
    assert.equal(((await machine.json()) as Record<string, any>).connector.status, 'connected');
    const refused = await call('POST', `${path}/sign-in/client-credentials`, { client_id: 'robot', client_secret: 'nope' });
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as Record<string, any>).error.code, 'AUTH_REQUIRED');
  });

  test('GET /api/connectors/:name/oauth-clients shows the configured clients without a secret', async (t) => {
    const server = await startAuthServer();
    t.after(() => server.close());
    server.auth.preRegister({ client_id: 'robot', client_secret: 'robot-secret-0123456789' });
    await using patchbay = await openTestPatchbay();
    const token = 'pb_test-token-0123456789abcdef';
    const app = createTestApiApp(patchbay, { accessToken: token });
    const call = (method: string, path: string, body?: unknown) =>
      app.request(path, { method, headers: { host: '127.0.0.1:7410', authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const { connector } = await patchbay.hub.addConnector(patchbay.actor('api'), { url: server.url });
    const path = `/api/connectors/${connector.name}/oauth-clients`;
    assert.deepEqual(await (await call('GET', path)).json(), { preregistered: null, machine: null });

    assert.equal((await call('PUT', `/api/connectors/${connector.name}/oauth-client`, { client_id: 'app', client_secret: 'hand-secret-0123456789' })).status, 200);
    assert.deepEqual(await (await call('GET', path)).json(), {
      preregistered: { client_id: 'app', token_endpoint_auth_method: 'client_secret_basic', has_secret: true },
      machine: null,
    });
    const machine = await call('POST', `/api/connectors/${connector.name}/sign-in/client-credentials`, { client_id: 'robot', client_secret: 'robot-secret-0123456789' });
    assert.equal(machine.status, 200);
    const shown = await call('GET', path);
    const text = await shown.text();
    assert.equal(text.includes('secret-0123456789'), false, 'no secret in the answer');
    assert.deepEqual(JSON.parse(text).machine, { client_id: 'robot', token_endpoint_auth_method: 'client_secret_basic', scope: 'mcp:read', has_secret: true, has_private_key: false });
    assert.equal((await call('GET', '/api/connectors/nothing-here/oauth-clients')).status, 404);
  });
});
