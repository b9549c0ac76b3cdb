import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it, type TestContext } from 'node:test';
import { explainClientMetadataUrlProblem } from './client-metadata-document.ts';
import { authorizationParams, createPkce, exchangeCode, INITIALIZE, obtainCode, postMcp, REDIRECT_URI, requestAuthorization, requestToken, startAuthServer } from './oauth-test-client.ts';

interface DocumentHost {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  /** Serves `body` (a JSON value, or raw text) at `path`. */
  serve(path: string, body: unknown, status?: number): string;
  fetches(path: string): number;
}

/** A tiny HTTP server standing in for the client's own website. */
async function startDocumentHost(t: TestContext): Promise<DocumentHost> {
  const documents = new Map<string, { body: string; status: number }>();
  const counts = new Map<string, number>();
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    counts.set(path, (counts.get(path) ?? 0) + 1);
    const document = documents.get(path);
    if (document === undefined) return void res.writeHead(404).end();
    res.writeHead(document.status, { 'content-type': 'application/json' }).end(document.body);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    serve(path, body, status = 200) {
      documents.set(path, { body: typeof body === 'string' ? body : JSON.stringify(body), status });
      return `${origin}${path}`;
    },
    fetches: (path) => counts.get(path) ?? 0,
  };
}

describe('client ID metadata documents', () => {
  it('signs a client in by the URL of its metadata document', async (t) => {
    const server = await startAuthServer(t);
    const host = await startDocumentHost(t);
    const clientId = `${host.origin}/oauth/client.json`;
    host.serve('/oauth/client.json', {
      client_id: clientId,
      client_name: 'Document client',
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      token_endpoint_auth_method: 'none',
    });
    const pkce = createPkce();
    const code = await obtainCode(server, clientId, pkce);
    assert.equal(host.fetches('/oauth/client.json'), 1);
    const tokens = await exchangeCode(server, clientId, code, pkce);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal((await postMcp(server, tokens.body.access_token as string, INITIALIZE)).status, 200);
    const refreshed = await requestToken(server, { grant_type: 'refresh_token', refresh_token: tokens.body.refresh_token as string, client_id: clientId, resource: server.url });
    assert.equal(refreshed.status, 200);
    assert.equal(server.auth.requests('authorize')[0].clientId, clientId);

    // the document is read again for each authorization request: a changed one takes effect
    host.serve('/oauth/client.json', { client_id: clientId, client_name: 'Document client', redirect_uris: ['http://127.0.0.1:9/elsewhere'] });
    const { status, location } = await requestAuthorization(server, authorizationParams(server, clientId, createPkce()));
    assert.equal(status, 400);
    assert.equal(location, undefined);
    assert.equal(host.fetches('/oauth/client.json'), 2);
  });

  it('refuses documents that do not describe themselves or are malformed, without redirecting', async (t) => {
    const server = await startAuthServer(t);
    const host = await startDocumentHost(t);
    const base = { client_name: 'Bad client', redirect_uris: [REDIRECT_URI] };
    const cases: Array<[string, unknown, number?]> = [
      ['/other-id.json', { ...base, client_id: `${host.origin}/someone-else.json` }],
      ['/no-id.json', base],
      ['/no-name.json', { client_id: `${host.origin}/no-name.json`, redirect_uris: [REDIRECT_URI] }],
      ['/no-redirects.json', { client_id: `${host.origin}/no-redirects.json`, client_name: 'x' }],
      ['/bad-redirect.json', { ...base, client_id: `${host.origin}/bad-redirect.json`, redirect_uris: ['http://client.example/cb'] }],
      ['/secret.json', { ...base, client_id: `${host.origin}/secret.json`, token_endpoint_auth_method: 'client_secret_basic' }],
      ['/not-json.json', '<html>'],
      ['/gone.json', { ...base, client_id: `${host.origin}/gone.json` }, 404],
      ['/big.json', { ...base, client_id: `${host.origin}/big.json`, padding: 'x'.repeat(6000) }],
    ];
    for (const [path, body, status] of cases) {
      const clientId = host.serve(path, body, status);
      const answer = await requestAuthorization(server, authorizationParams(server, clientId, createPkce()));
      assert.equal(answer.status, 400, path);
      assert.equal(answer.location, undefined, path);
      assert.match(answer.body, /invalid_client/, path);
    }
    const never = await requestAuthorization(server, authorizationParams(server, `${host.origin}/never-served.json`, createPkce()));
    assert.equal(never.status, 400);
    // a URL client id that no authorization request resolved is unknown at the token endpoint
    const token = await requestToken(server, { grant_type: 'authorization_code', code: 'x', client_id: `${host.origin}/unknown.json` });
    assert.equal(token.body.error, 'invalid_client');
  });

  it('accepts https URLs with a path, and http only on 127.0.0.1 and [::1]', () => {
    assert.equal(explainClientMetadataUrlProblem('https://client.example/oauth/metadata.json'), undefined);
    assert.equal(explainClientMetadataUrlProblem('http://127.0.0.1:8080/client.json'), undefined);
    assert.equal(explainClientMetadataUrlProblem('http://[::1]:8080/client.json'), undefined);
    for (const bad of ['http://client.example/client.json', 'https://client.example', 'https://client.example/', 'https://client.example/a#b', 'https://u:p@client.example/c', 'https://client.example/a/../b', 'ftp://client.example/c']) {
      assert.notEqual(explainClientMetadataUrlProblem(bad), undefined, bad);
    }
  });
});
