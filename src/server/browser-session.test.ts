import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openTestPatchbay, type TestPatchbay } from '../../test/fixtures/patchbay.ts';
import { createTestApiApp } from '../../test/fixtures/api-app.ts';
import { BrowserSessions } from './browser-session.ts';
import { CONTENT_SECURITY_POLICY } from './security-headers.ts';

const TOKEN = 'pb_test-token-0123456789abcdef';
const HOST = '127.0.0.1:7410';
const ORIGIN = `http://${HOST}`;

interface Cookie {
  name: string;
  value: string;
  attributes: string[];
}

function parseSetCookies(response: Response): Cookie[] {
  return response.headers.getSetCookie().map((line) => {
    const [pair, ...attributes] = line.split(';').map((s) => s.trim());
    const at = pair.indexOf('=');
    return { name: pair.slice(0, at), value: pair.slice(at + 1), attributes: attributes.map((a) => a.toLowerCase()) };
  });
}

describe('browser session: login link, cookie, CSRF and security headers', () => {
  let patchbay: TestPatchbay;
  let webRoot: string;
  let app: ReturnType<typeof createTestApiApp>;
  let session: string;
  let csrf: string;

  const request = (path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}) =>
    app.request(path, { method: init.method ?? 'GET', headers: { host: HOST, ...init.headers }, body: init.body });
  const withCookie = (extra: Record<string, string> = {}) => ({ cookie: `pb_session=${session}; pb_csrf=${csrf}`, ...extra });
  /** A change as the web app sends it: cookie, same Origin, CSRF header, JSON. */
  const change = (method: string, path: string, body: unknown, headers: Record<string, string> = {}) =>
    request(path, { method, headers: withCookie({ origin: ORIGIN, 'x-csrf-token': csrf, 'content-type': 'application/json', ...headers }), body: JSON.stringify(body) });

  before(async () => {
    patchbay = await openTestPatchbay();
    webRoot = await mkdtemp(join(tmpdir(), 'patchbay-web-root-'));
    await mkdir(join(webRoot, 'assets'));
    await writeFile(join(webRoot, 'index.html'), '<!doctype html><title>app</title>');
    await writeFile(join(webRoot, 'assets', 'index-abc123.js'), 'console.log(1)');
    await writeFile(join(tmpdir(), 'patchbay-outside-web-root.txt'), 'secret');
    app = createTestApiApp(patchbay, { accessToken: TOKEN, allowedHosts: [HOST], allowedOrigins: [ORIGIN], webRoot });
  });
  after(async () => {
    await patchbay?.close();
    if (webRoot) await rm(webRoot, { recursive: true, force: true });
    await rm(join(tmpdir(), 'patchbay-outside-web-root.txt'), { force: true });
  });

  test('a wrong token in the login link sets no cookie and leaves no token in the address', async () => {
    const wrong = await request('/login?token=pb_wrong-token-0123456789abcdef');
    assert.equal(wrong.status, 303);
    assert.equal(wrong.headers.get('location'), '/connectors?login=invalid');
    assert.deepEqual(parseSetCookies(wrong), []);
    const missing = await request('/login');
    assert.equal(missing.headers.get('location'), '/connectors?login=invalid');
    assert.deepEqual(parseSetCookies(missing), []);
  });

  test('the login link sets an HttpOnly SameSite=Strict session cookie that is not the token, and a readable CSRF cookie', async () => {
    const login = await request(`/login?token=${encodeURIComponent(TOKEN)}`);
    assert.equal(login.status, 303);
    assert.equal(login.headers.get('location'), '/connectors');
    assert.equal(login.headers.get('cache-control'), 'no-store');
    const cookies = parseSetCookies(login);
    const sessionCookie = cookies.find((c) => c.name === 'pb_session');
    const csrfCookie = cookies.find((c) => c.name === 'pb_csrf');
    assert.ok(sessionCookie && csrfCookie, JSON.stringify(cookies));
    assert.ok(sessionCookie.attributes.includes('httponly'));
    assert.ok(sessionCookie.attributes.includes('samesite=strict'));
    assert.ok(sessionCookie.attributes.includes('path=/'));
    assert.ok(!sessionCookie.attributes.includes('secure'), 'plain http on loopback cannot keep a Secure cookie');
    assert.ok(!csrfCookie.attributes.includes('httponly'));
    assert.ok(csrfCookie.attributes.includes('samesite=strict'));
    assert.ok(!sessionCookie.value.includes(TOKEN) && !csrfCookie.value.includes(TOKEN));
    assert.ok(!Buffer.from(sessionCookie.value.split('.')[0], 'base64url').toString().includes(TOKEN));
    session = sessionCookie.value;
    csrf = csrfCookie.value;
  });

  test('the cookie lets reads in; nothing else does', async () => {
    const read = await request('/api/connectors', { headers: withCookie() });
    assert.equal(read.status, 200);
    assert.deepEqual(await read.json(), { connectors: [] });
    assert.equal((await request('/api/connectors')).status, 401);
    const tampered = `${session.slice(0, -2)}${session.endsWith('AA') ? 'BB' : 'AA'}`;
    assert.equal((await request('/api/connectors', { headers: { cookie: `pb_session=${tampered}` } })).status, 401);
    assert.equal((await request('/api/connectors', { headers: { cookie: `pb_session=${TOKEN}` } })).status, 401);
    // A session signed for another install's token is worth nothing here.
    const other = new BrowserSessions({ accessToken: 'pb_another-token-0123456789abcdef', userId: patchbay.localUser.id, allowedOrigins: [ORIGIN] }).issue();
    assert.equal((await request('/api/connectors', { headers: { cookie: `pb_session=${other.value}` } })).status, 401);
  });

  test('a change with no session cookie and no token is refused with 403, whatever else it carries', async () => {
    const body = JSON.stringify({ url: 'https://example.com/mcp' });
    const attempts: Array<[string, string, Record<string, string>]> = [
      ['POST', '/api/connectors', { origin: ORIGIN, 'x-csrf-token': csrf, cookie: `pb_csrf=${csrf}`, 'content-type': 'application/json' }],
      ['PATCH', '/api/connectors/nothing-here/policy', { origin: ORIGIN, 'content-type': 'application/json' }],
      ['DELETE', '/api/connectors/nothing-here', {}],
      ['POST', '/api/connectors', { cookie: `pb_session=${session.slice(0, -2)}xx`, 'content-type': 'application/json' }],
    ];
    for (const [method, path, headers] of attempts) {
      const refused = await request(path, { method, headers, body: method === 'DELETE' ? undefined : body });
      assert.equal(refused.status, 403, `${method} ${path} ${JSON.stringify(headers)}`);
      const { error } = (await refused.json()) as any;
      assert.equal(error.code, 'FORBIDDEN');
      assert.deepEqual(error.details, { session: 'missing' }, 'the web app can tell it is signed out');
    }
    assert.equal((await request('/api/connectors')).status, 401, 'a read without a session stays 401');
    assert.equal((await patchbay.hub.listConnectors(patchbay.actor('api'))).length, 0);
  });

  test('a change with the cookie needs the same Origin, the CSRF token bound to the session, and JSON', async () => {
    const ok = await change('PATCH', '/api/connectors/nothing-here/policy', { defaultApproval: 'allow' });
    assert.equal(ok.status, 404, 'past the guard: the connector is what is missing');
    assert.equal(((await ok.json()) as any).error.code, 'CONNECTOR_NOT_FOUND');

    const body = JSON.stringify({ url: 'https://example.com/mcp' });
    const refusals: Array<[string, Record<string, string>]> = [
      ['no CSRF header', withCookie({ origin: ORIGIN, 'content-type': 'application/json' })],
      ['a wrong CSRF header', withCookie({ origin: ORIGIN, 'x-csrf-token': `${csrf}x`, 'content-type': 'application/json' })],
      ['header and cookie chosen by an attacker', { cookie: `pb_session=${session}; pb_csrf=chosen`, origin: ORIGIN, 'x-csrf-token': 'chosen', 'content-type': 'application/json' }],
      ['no Origin', withCookie({ 'x-csrf-token': csrf, 'content-type': 'application/json' })],
      ['a foreign Origin', withCookie({ origin: 'https://evil.example', 'x-csrf-token': csrf, 'content-type': 'application/json' })],
    ];
    for (const [why, headers] of refusals) {
      const refused = await request('/api/connectors', { method: 'POST', headers, body });
      assert.equal(refused.status, 403, why);
      assert.equal(((await refused.json()) as any).error.code, 'FORBIDDEN', why);
    }
    const deleteWithoutCsrf = await request('/api/connectors/nothing-here', { method: 'DELETE', headers: withCookie({ origin: ORIGIN }) });
    assert.equal(deleteWithoutCsrf.status, 403);
    const form = await request('/api/connectors', { method: 'POST', headers: withCookie({ origin: ORIGIN, 'x-csrf-token': csrf, 'content-type': 'text/plain' }), body });
    assert.equal(form.status, 415);
    const empty = await request('/api/connectors/nothing-here/test', { method: 'POST', headers: withCookie({ origin: ORIGIN, 'x-csrf-token': csrf }) });
    assert.equal(empty.status, 415, 'with the cookie even an empty body must say it is JSON');
    assert.equal((await patchbay.hub.listConnectors(patchbay.actor('api'))).length, 0, 'nothing was added by a refused request');
  });

  test('the access token still works for scripts, without CSRF or Origin', async () => {
    const response = await request('/api/connectors/nothing-here/policy', {
      method: 'PATCH',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ defaultApproval: 'allow' }),
    });
    assert.equal(response.status, 404);
    const wrong = await request('/api/connectors', { headers: withCookie({ authorization: 'Bearer pb_wrong-token-0123456789abcdef' }) });
    assert.equal(wrong.status, 401, 'a wrong token is not rescued by a cookie');
  });

  test('sessions expire', () => {
    let now = 1_000_000;
    const sessions = new BrowserSessions({ accessToken: TOKEN, userId: 'u1', allowedOrigins: [ORIGIN], maxAgeSeconds: 60, now: () => now });
    const issued = sessions.issue();
    assert.equal(sessions.verify(issued.value)?.userId, 'u1');
    now += 61;
    assert.equal(sessions.verify(issued.value), undefined);
  });

  test('every response carries the security headers; a foreign Host gets no page', async () => {
    for (const path of ['/connectors', '/api/health', '/api/connectors', '/assets/index-abc123.js', '/login']) {
      const response = await request(path);
      assert.equal(response.headers.get('content-security-policy'), CONTENT_SECURITY_POLICY, path);
      assert.equal(response.headers.get('x-content-type-options'), 'nosniff', path);
      assert.equal(response.headers.get('referrer-policy'), 'no-referrer', path);
    }
    const foreign = await app.request('/connectors', { headers: { host: 'evil.example:7410' } });
    assert.equal(foreign.status, 403);
    assert.doesNotMatch(await foreign.text(), /<title>app/);
  });

  test('the web app: index.html revalidated, hashed assets cached, app routes fall back, nothing outside the folder', async () => {
    for (const path of ['/', '/connectors', '/connectors/some-name']) {
      const page = await request(path);
      assert.equal(page.status, 200, path);
      assert.equal(page.headers.get('cache-control'), 'no-cache', path);
      assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
      assert.equal(await page.text(), '<!doctype html><title>app</title>');
    }
    const asset = await request('/assets/index-abc123.js');
    assert.equal(asset.status, 200);
    assert.equal(asset.headers.get('cache-control'), 'public, max-age=31536000, immutable');
    assert.match(asset.headers.get('content-type') ?? '', /^text\/javascript/);
    assert.equal((await request('/assets/missing-123.js')).status, 404);
    assert.equal((await request('/%2e%2e/patchbay-outside-web-root.txt')).status, 404);
    assert.equal((await request('/assets/..%2f..%2fpatchbay-outside-web-root.txt')).status, 404);
    const api = await request('/api/nothing', { headers: { authorization: `Bearer ${TOKEN}` } });
    assert.equal(api.status, 404);
    assert.equal(((await api.json()) as any).error.code, 'NOT_FOUND');
    assert.equal((await request('/oauth/nothing')).status, 404);
  });
});
