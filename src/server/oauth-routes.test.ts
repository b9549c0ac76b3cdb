import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openTestPatchbay, type TestPatchbay } from '../../test/fixtures/patchbay.ts';
import { createTestApiApp } from '../../test/fixtures/api-app.ts';
import { startExampleServer } from '../example-server/index.ts';

const TOKEN = 'pb_test-token-0123456789abcdef';
const HOST = '127.0.0.1:7410';

describe('sign-in through the API and the /oauth/callback route', () => {
  let server: Awaited<ReturnType<typeof startExampleServer>>;
  let patchbay: TestPatchbay;
  let app: ReturnType<typeof createTestApiApp>;
  const api = (method: string, path: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { host: HOST, authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  /** The browser coming back: no access token, only the query. */
  const callback = (query: string) => app.request(`/oauth/callback?${query}`, { headers: { host: HOST } });

  before(async () => {
    server = await startExampleServer({ auth: {} });
    patchbay = await openTestPatchbay();
    app = createTestApiApp(patchbay, { accessToken: TOKEN, allowedHosts: [HOST], allowedOrigins: [`http://${HOST}`] });
  });
  after(async () => {
    await patchbay?.close();
    await server?.close();
  });

  test('starts with the scopes to show, finishes on the callback, and a replay is refused', async () => {
    const added = (await (await api('POST', '/api/connectors', { url: server.url, name: 'secured' })).json()) as any;
    assert.equal(added.connector.status, 'needs-sign-in');
    const started = (await (await api('POST', '/api/connectors/secured/sign-in', {})).json()) as any;
    assert.equal(started.status, 'redirect');
    assert.ok(started.scopes.includes('mcp:read'));
    assert.equal(started.redirectUrl, 'http://127.0.0.1:7410/oauth/callback');
    const approved = await fetch(started.authorizationUrl, { redirect: 'manual' });
    const query = new URL(approved.headers.get('location')!).search.slice(1);

    const page = await callback(query);
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), '/connectors/secured?signin=ok');
    const tools = (await (await api('GET', '/api/connectors/secured/tools')).json()) as any;
    assert.ok(tools.tools.some((t: { name: string }) => t.name === 'echo'));

    const replay = await callback(query);
    assert.equal(replay.status, 303);
    assert.equal(replay.headers.get('location'), '/connectors?signin=expired');
  });

  test("the server's error text never travels to the web app: only a short outcome code does", async () => {
    const started = (await (await api('POST', '/api/connectors/secured/sign-in', {})).json()) as any;
    const query = new URLSearchParams({ state: started.state, error: 'access_denied', error_description: '<script>alert(1)</script><img src=x onerror=alert(2)>' });
    const page = await callback(query.toString());
    assert.equal(page.status, 303);
    assert.equal(page.headers.get('location'), '/connectors/secured?signin=denied');
    assert.equal(await page.text(), '');
    const other = await callback(new URLSearchParams({ state: (await (await api('POST', '/api/connectors/secured/sign-in', {})).json() as any).state, error: 'server_error' }).toString());
    assert.equal(other.headers.get('location'), '/connectors/secured?signin=failed');
    const unknown = await callback('code=abc');
    assert.equal(unknown.headers.get('location'), '/connectors?signin=expired');
  });

  test('the callback refuses a foreign Host, and sign-in may return only to Patchbay', async () => {
    const foreign = await app.request('/oauth/callback?state=x&code=y', { headers: { host: 'evil.example' } });
    assert.equal(foreign.status, 403);
    const elsewhere = await api('POST', '/api/connectors/secured/sign-in', { redirectUrl: 'https://evil.example/steal' });
    assert.equal(elsewhere.status, 400);
    assert.equal(((await elsewhere.json()) as any).error.code, 'VALIDATION_FAILED');
  });
});
