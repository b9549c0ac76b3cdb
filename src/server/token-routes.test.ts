import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isPatchbayError } from '../core/errors.ts';
import { openTestPatchbay, type TestPatchbay } from '../../test/fixtures/patchbay.ts';
import { createTestApiApp, TEST_HOST, TEST_TOKEN } from '../../test/fixtures/api-app.ts';

describe('personal access tokens over the API', () => {
  let patchbay: TestPatchbay;
  let app: ReturnType<typeof createTestApiApp>;
  const api = async (method: string, path: string, body?: unknown) => {
    const response = await app.request(path, {
      method,
      headers: { host: TEST_HOST, authorization: `Bearer ${TEST_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, headers: response.headers, body: (await response.json()) as any };
  };

  before(async () => {
    patchbay = await openTestPatchbay();
    app = createTestApiApp(patchbay);
  });
  after(() => patchbay?.close());

  test('create shows the secret once; it verifies until revoked, then it is refused', async () => {
    const created = await api('POST', '/api/tokens', { name: 'cursor', projects: ['work'] });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('cache-control'), 'no-store');
    const { secret, token } = created.body;
    assert.match(secret, /^pbt_/);
    assert.deepEqual(token.projects, ['work']);
    const grant = await patchbay.tokens.verify(secret);
    assert.equal(grant.userId, patchbay.localUser.id);
    assert.deepEqual(grant.projects, ['work']);

    const listed = await api('GET', '/api/tokens');
    assert.deepEqual(listed.body.tokens.map((t: any) => t.name), ['cursor']);
    assert.equal(JSON.stringify(listed.body).includes(secret), false);

    assert.equal((await api('POST', '/api/tokens', { name: 'cursor' })).body.error.code, 'NAME_TAKEN');
    assert.equal((await api('POST', '/api/tokens', { name: 'x', projects: [] })).status, 400);
    assert.equal((await api('POST', '/api/tokens', { name: 'x', extra: 1 })).status, 400);

    const revoked = await api('DELETE', `/api/tokens/${token.id}`);
    assert.equal(revoked.status, 200);
    assert.ok(revoked.body.token.revokedAt);
    await assert.rejects(patchbay.tokens.verify(secret), (e) => isPatchbayError(e, 'UNAUTHENTICATED') && /revoked/.test(e.message));
    assert.equal((await api('DELETE', `/api/tokens/${token.id}`)).status, 404);
    await assert.rejects(patchbay.tokens.verify(`${secret.slice(0, -1)}A`), (e) => isPatchbayError(e, 'UNAUTHENTICATED'));
    await assert.rejects(patchbay.tokens.verify(undefined), (e) => isPatchbayError(e, 'UNAUTHENTICATED'));
  });

  test('the API itself still wants its own access token, not a personal one', async () => {
    const { secret } = await patchbay.tokens.create(patchbay.actor('api'), { name: 'not-for-api' });
    const response = await app.request('/api/tokens', { headers: { host: TEST_HOST, authorization: `Bearer ${secret}` } });
    assert.equal(response.status, 401);
  });
});
