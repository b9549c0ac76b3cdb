import assert from 'node:assert/strict';
import { test } from 'node:test';
import { openTestPatchbay } from '../../test/fixtures/patchbay.ts';
import { createTestApiApp } from '../../test/fixtures/api-app.ts';

function appFor(patchbay: Awaited<ReturnType<typeof openTestPatchbay>>, host: string) {
  return createTestApiApp(patchbay, { accessToken: 'pb_test-token-0123456789abcdef', allowedHosts: [host], allowedOrigins: [] });
}

test('with a public https URL Patchbay serves its client ID metadata document, whose client_id is its own URL', async () => {
  await using patchbay = await openTestPatchbay({ PATCHBAY_PUBLIC_URL: 'https://patchbay.example.com', PATCHBAY_LOGIN_PORT: '7413' });
  const response = await appFor(patchbay, 'patchbay.example.com').request('/oauth/client-metadata.json', { headers: { host: 'patchbay.example.com' } });
  assert.equal(response.status, 200);
  const document = (await response.json()) as Record<string, unknown>;
  assert.equal(document.client_id, 'https://patchbay.example.com/oauth/client-metadata.json');
  assert.deepEqual(document.redirect_uris, ['https://patchbay.example.com/oauth/callback', 'http://127.0.0.1:7413/callback']);
  assert.equal(document.token_endpoint_auth_method, 'none');
  assert.equal(document.client_name, 'Patchbay');
});

test('without a public https URL there is no document (dynamic registration is used instead)', async () => {
  await using patchbay = await openTestPatchbay();
  const response = await appFor(patchbay, '127.0.0.1:7410').request('/oauth/client-metadata.json', { headers: { host: '127.0.0.1:7410' } });
  assert.equal(response.status, 404);
});
