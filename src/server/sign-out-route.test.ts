import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openTestPatchbay, type TestPatchbay } from '../../test/fixtures/patchbay.ts';
import { createTestApiApp } from '../../test/fixtures/api-app.ts';
import { type AuthenticatedExampleServer, startExampleServer } from '../example-server/index.ts';

const TOKEN = 'pb_test-token-0123456789abcdef';
const HOST = '127.0.0.1:7411';

describe('POST /api/connectors/:name/sign-out', () => {
  let server: AuthenticatedExampleServer;
  let patchbay: TestPatchbay;
  let app: ReturnType<typeof createTestApiApp>;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await app.request(path, {
      method,
      headers: { host: HOST, authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, json: (await response.json()) as any };
  };

  before(async () => {
    server = (await startExampleServer({ auth: {} })) as AuthenticatedExampleServer;
    patchbay = await openTestPatchbay();
    app = createTestApiApp(patchbay, { accessToken: TOKEN, allowedHosts: [HOST], allowedOrigins: [`http://${HOST}`] });
  });
  after(async () => {
    await patchbay?.close();
    await server?.close();
  });

  test('revokes the tokens at the server, forgets them, and the connector needs sign-in again', async () => {
    assert.equal((await api('POST', '/api/connectors', { url: server.url, name: 'secured' })).json.connector.status, 'needs-sign-in');
    const started = (await api('POST', '/api/connectors/secured/sign-in', {})).json;
    const approved = await fetch(started.authorizationUrl, { redirect: 'manual' });
    const callback = await app.request(`/oauth/callback?${new URL(approved.headers.get('location')!).search.slice(1)}`, { headers: { host: HOST } });
    assert.equal(callback.status, 303);
    assert.equal((await api('GET', '/api/connectors/secured/tools')).status, 200);
    assert.equal(server.auth.requests('revoke').length, 0);

    const out = await api('POST', '/api/connectors/secured/sign-out', {});
    assert.equal(out.status, 200);
    assert.equal(out.json.connector.status, 'needs-sign-in');
    assert.ok(server.auth.requests('revoke').some((r) => r.status === 200), 'the tokens were revoked at the server');

    const reconnect = await api('POST', '/api/connectors/secured/test', {});
    assert.equal(reconnect.status, 401);
    assert.equal(reconnect.json.error.code, 'AUTH_REQUIRED');
    // Signing in again needs the browser: nothing is left to refresh.
    assert.equal((await api('POST', '/api/connectors/secured/sign-in', {})).json.status, 'redirect');
    assert.equal((await api('GET', '/api/connectors/secured')).json.connector.status, 'needs-sign-in');
  });

  test('a connector without OAuth has nothing to sign out of', async () => {
    const plain = await startExampleServer();
    try {
      assert.equal((await api('POST', '/api/connectors', { url: plain.url, name: 'plain' })).status, 201);
      const out = await api('POST', '/api/connectors/plain/sign-out', {});
      assert.equal(out.status, 400);
      assert.equal(out.json.error.code, 'VALIDATION_FAILED');
      assert.equal((await api('POST', '/api/connectors/nope/sign-out', {})).status, 404);
    } finally {
      await plain.close();
    }
  });
});
