import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, type TestContext, test } from 'node:test';
import { isPatchbayError } from '../src/core/errors.ts';
import { createLogger } from '../src/core/log.ts';
import type { ExampleAuthOptions } from '../src/example-server/auth/options.ts';
import { startExampleServer } from '../src/example-server/index.ts';
import { captureBearer } from './fixtures/hub-events.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

type AuthServer = Awaited<ReturnType<typeof startExampleServer>> & { auth: { requests(kind?: string): readonly unknown[]; [k: string]: any } };

async function startAuthServer(auth: ExampleAuthOptions = {}): Promise<AuthServer> {
  return (await startExampleServer({ auth })) as AuthServer;
}

/** Plays the person's browser against the auto-approving authorization server: returns the callback's query. */
async function approve(authorizationUrl: string): Promise<URLSearchParams> {
  const response = await fetch(authorizationUrl, { redirect: 'manual' });
  const location = response.headers.get('location');
  assert.ok(location, `expected a redirect from the authorization endpoint, got ${response.status}`);
  return new URL(location).searchParams;
}

async function signIn(patchbay: TestPatchbay, name: string, scope?: string) {
  const started = await patchbay.hub.startSignIn(patchbay.actor('cli'), name, { scope });
  assert.equal(started.status, 'redirect');
  if (started.status !== 'redirect') throw new Error('unreachable');
  const params = await approve(started.authorizationUrl);
  return { started, params, connector: await patchbay.hub.finishSignIn(params) };
}

/** An authorization server, a Patchbay, and a connector to that server, signed in. */
async function signedInConnector(t: TestContext) {
  const server = await startAuthServer();
  t.after(() => server.close());
  const patchbay = await openTestPatchbay();
  const actor = patchbay.actor('cli');
  const { connector } = await patchbay.hub.addConnector(actor, { url: server.url });
  await signIn(patchbay, connector.name);
  return { server, patchbay, actor, connector, [Symbol.asyncDispose]: () => patchbay.close() };
}

describe('OAuth sign-in against the example authorization server', () => {
  test('add waits for sign-in; the full flow registers, signs in, and calls work', async (t) => {
    const server = await startAuthServer();
    t.after(() => server.close());
    const logs: string[] = [];
    const wire = captureBearer();
    await using patchbay = await openTestPatchbay({}, { logger: createLogger('debug', {}, (line) => logs.push(line)), wrapFetch: wire.wrapFetch });
    const actor = patchbay.actor('cli');
    const { connector } = await patchbay.hub.addConnector(actor, { url: server.url });
    assert.equal(connector.status, 'needs-sign-in');
    assert.equal(connector.authKind, 'oauth');
    await assert.rejects(patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'x' }), (e: unknown) => isPatchbayError(e, 'AUTH_REQUIRED'));

    const { started, params } = await signIn(patchbay, connector.name);
    assert.deepEqual(started.scopes.filter((s) => s !== 'offline_access'), ['mcp:read'], 'the scopes asked for are shown before the redirect');
    const authorization = new URL(started.authorizationUrl);
    assert.equal(authorization.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(authorization.searchParams.get('resource'), server.url);
    assert.equal(params.get('iss'), server.auth.issuer);
    assert.equal(server.auth.requests('register').length, 1, 'dynamic client registration');

    const after = await patchbay.hub.getConnector(actor, connector.name);
    assert.equal(after.status, 'connected');
    const result = await patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'signed in' });
    assert.deepEqual(result.content, [{ type: 'text', text: 'signed in' }]);

    // Nothing secret is written in the clear.
    const files = (await readdir(patchbay.dataDir)).filter((f) => f.startsWith('patchbay.db'));
    const bytes = Buffer.concat(await Promise.all(files.map((f) => readFile(join(patchbay.dataDir, f)))));
    const code = params.get('code')!;
    assert.equal(bytes.includes(Buffer.from(code)), false);
    assert.equal(logs.join('').includes(code), false);
    assert.equal(bytes.includes(Buffer.from('"access_token"')), false);
    const bearer = wire.last();
    assert.ok(bearer && bearer.length > 16, 'the access token was seen on the wire');
    assert.equal(bytes.includes(Buffer.from(bearer)), false, 'the access token is not in the database files');
    assert.equal(logs.join('').includes(bearer), false, 'the access token is not in the logs');
  });

  test('the state is single-use and must be known; a replayed callback does nothing', async (t) => {
    const server = await startAuthServer();
    t.after(() => server.close());
    await using patchbay = await openTestPatchbay();
    const { connector } = await patchbay.hub.addConnector(patchbay.actor('cli'), { url: server.url });
    const { params } = await signIn(patchbay, connector.name);
    const tokensBefore = server.auth.requests('token').length;
    await assert.rejects(patchbay.hub.finishSignIn(params), (e: unknown) => isPatchbayError(e, 'AUTH_FLOW_INVALID'));
    const missing = new URLSearchParams(params);
    missing.delete('state');
    await assert.rejects(patchbay.hub.finishSignIn(missing), (e: unknown) => isPatchbayError(e, 'AUTH_FLOW_INVALID'));
    const forged = new URLSearchParams(params);
    forged.set('state', 'forged-state-value');
    await assert.rejects(patchbay.hub.finishSignIn(forged), (e: unknown) => isPatchbayError(e, 'AUTH_FLOW_INVALID'));
    assert.equal(server.auth.requests('token').length, tokensBefore, 'no code was redeemed for a bad state');
  });

  test('an expired access token is refreshed once, even for 20 calls at the same moment', async (t) => {
    await using signed = await signedInConnector(t);
    const { server, patchbay, actor, connector } = signed;
    await patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'warm' });
    server.auth.expireAccessTokens();
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => patchbay.hub.callTool(actor, connector.name, 'echo', { message: `n${i}` })));
    assert.equal(results.length, 20);
    assert.equal(server.auth.requests('refresh').length, 1, 'exactly one refresh request');
    server.auth.expireAccessTokens();
    await patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'again' });
    assert.equal(server.auth.requests('refresh').length, 2, 'the rotated refresh token works');
  });

  test('a revoked sign-in clears the tokens, marks the connector, and one new sign-in fixes it', async (t) => {
    await using signed = await signedInConnector(t);
    const { server, patchbay, actor, connector } = signed;
    server.auth.revokeAll();
    await assert.rejects(patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'x' }), (e: unknown) => isPatchbayError(e, 'AUTH_REQUIRED'));
    assert.equal((await patchbay.hub.getConnector(actor, connector.name)).status, 'needs-sign-in');
    const kinds = (await patchbay.store.credentials.list(patchbay.localUser.id, connector.id)).map((r) => r.kind);
    assert.equal(kinds.includes('oauth-tokens'), false, 'the dead tokens are gone');
    await signIn(patchbay, connector.name);
    const result = await patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'back' });
    assert.deepEqual(result.content, [{ type: 'text', text: 'back' }]);
  });

  test('a tool needing more scope asks for step-up; signing in with it works', async (t) => {
    await using signed = await signedInConnector(t);
    const { patchbay, actor, connector } = signed;
    let scope: unknown;
    await assert.rejects(patchbay.hub.callTool(actor, connector.name, 'admin_action', {}), (e: unknown) => {
      scope = (e as { details?: { scope?: unknown } }).details?.scope;
      return isPatchbayError(e, 'AUTH_REQUIRED') && (e as { details?: { stepUp?: boolean } }).details?.stepUp === true;
    });
    assert.equal(scope, 'mcp:admin');
    await signIn(patchbay, connector.name, 'mcp:read mcp:admin');
    const result = await patchbay.hub.callTool(actor, connector.name, 'admin_action', {});
    assert.equal(result.isError ?? false, false);
  });

  const hostile: Array<[string, ExampleAuthOptions, string]> = [
    ['an authorization endpoint that is a shell command', { authorizationEndpoint: 'a:$(touch /tmp/pwned)?response_type=code' }, 'SSRF_BLOCKED'],
    ['a javascript: authorization endpoint', { authorizationEndpoint: 'javascript:alert(1)' }, 'SSRF_BLOCKED'],
    ['a file: authorization endpoint', { authorizationEndpoint: 'file:///etc/passwd' }, 'SSRF_BLOCKED'],
    ['metadata whose issuer is not where it was fetched', { issuerOverride: 'https://evil.example' }, 'AUTH_REQUIRED'],
    ['no code_challenge_methods_supported', { omitCodeChallengeMethods: true }, 'AUTH_REQUIRED'],
    ['a resource that is not the connector', { resourceOverride: 'https://other.example/mcp' }, 'AUTH_REQUIRED'],
  ];
  for (const [what, options, code] of hostile) {
    test(`refuses ${what} before anything is opened`, async (t) => {
      const server = await startAuthServer(options);
      t.after(() => server.close());
      await using patchbay = await openTestPatchbay();
      const { connector } = await patchbay.hub.addConnector(patchbay.actor('cli'), { url: server.url });
      await assert.rejects(patchbay.hub.startSignIn(patchbay.actor('cli'), connector.name), (e: unknown) => {
        assert.ok(isPatchbayError(e), String(e));
        assert.equal(e.code, code, e.message);
        return true;
      });
      assert.equal(server.auth.requests('authorize').length, 0, 'the authorization endpoint was never visited');
      assert.equal(server.auth.requests('token').length, 0);
    });
  }

  for (const [what, options] of [
    ['a wrong iss', { wrongIss: true }],
    ['a missing iss (the server promised one)', { omitIss: true }],
  ] as Array<[string, ExampleAuthOptions]>) {
    test(`refuses a callback with ${what} and redeems nothing`, async (t) => {
      const server = await startAuthServer(options);
      t.after(() => server.close());
      await using patchbay = await openTestPatchbay();
      const { connector } = await patchbay.hub.addConnector(patchbay.actor('cli'), { url: server.url });
      const started = await patchbay.hub.startSignIn(patchbay.actor('cli'), connector.name);
      assert.equal(started.status, 'redirect');
      if (started.status !== 'redirect') return;
      const params = await approve(started.authorizationUrl);
      await assert.rejects(patchbay.hub.finishSignIn(params), (e: unknown) => isPatchbayError(e, 'AUTH_REQUIRED'));
      assert.equal(server.auth.requests('token').length, 0, 'the code was not redeemed');
    });
  }

  test('removing a signed-in connector revokes its tokens at the server', async (t) => {
    const server = await startAuthServer();
    t.after(() => server.close());
    const wire = captureBearer();
    await using patchbay = await openTestPatchbay({}, { wrapFetch: wire.wrapFetch });
    const actor = patchbay.actor('cli');
    const { connector } = await patchbay.hub.addConnector(actor, { url: server.url });
    await signIn(patchbay, connector.name);
    await patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'before' });
    const bearer = wire.last();
    assert.ok(bearer, 'the access token was seen on the wire');
    const probe = () =>
      fetch(server.url, {
        method: 'POST',
        headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'probe', version: '0' } } }),
      });
    assert.notEqual((await probe()).status, 401, 'the token works before removal');
    await patchbay.hub.removeConnector(actor, connector.name);
    assert.equal(server.auth.requests('revoke').length, 2, 'refresh and access token revoked');
    assert.equal((await probe()).status, 401, 'the token is dead at the server after removal');
  });

  test('a registered client the server rejects is forgotten, and the next sign-in registers again', async (t) => {
    await using signed = await signedInConnector(t);
    const { server, patchbay, actor, connector } = signed;
    const registered = server.auth.requests('register') as ReadonlyArray<{ clientId?: string }>;
    assert.equal(registered.length, 1);
    const clientId = (server.auth.requests('token') as ReadonlyArray<{ clientId?: string }>)[0]?.clientId;
    assert.ok(clientId);
    server.auth.rejectClient(clientId);
    server.auth.expireAccessTokens();
    await assert.rejects(patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'x' }), (e: unknown) => isPatchbayError(e, 'AUTH_REQUIRED'));
    assert.equal(server.auth.requests('register').length, 2, 'the rejected registration was replaced by a new one');
    await signIn(patchbay, connector.name);
    const lastToken = (server.auth.requests('token') as ReadonlyArray<{ clientId?: string }>).at(-1);
    assert.ok(lastToken?.clientId && lastToken.clientId !== clientId, 'the new sign-in uses the new client');
    const result = await patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'new client' });
    assert.deepEqual(result.content, [{ type: 'text', text: 'new client' }]);
  });
});
