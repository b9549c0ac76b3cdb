import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FIXED_TOOL_NAMES } from '../tools.ts';
import {
  authorizationParams,
  connectWithToken,
  createPkce,
  exchangeCode,
  INITIALIZE,
  obtainCode,
  parseBearerChallenge,
  postJson,
  postMcp,
  REDIRECT_URI,
  registerClient,
  requestAuthorization,
  requestToken,
  signIn,
  startAuthServer,
} from './oauth-test-client.ts';

describe('discovery', () => {
  it('leads from a 401 on the MCP endpoint to both metadata documents', async (t) => {
    const server = await startAuthServer(t);
    const refused = await postMcp(server, undefined, INITIALIZE);
    assert.equal(refused.status, 401);
    const challenge = parseBearerChallenge(refused.headers.get('www-authenticate'));
    assert.equal(challenge.error, undefined, 'no error code without credentials (RFC 6750 §3.1)');
    assert.equal(challenge.scope, 'mcp:read');
    const issuer = new URL(server.url).origin;
    assert.equal(challenge.resource_metadata, `${issuer}/.well-known/oauth-protected-resource/mcp`);

    const resourceMetadata = (await (await fetch(challenge.resource_metadata)).json()) as Record<string, unknown>;
    assert.deepEqual(resourceMetadata.resource, server.url);
    assert.deepEqual(resourceMetadata.authorization_servers, [issuer]);
    assert.deepEqual(resourceMetadata.scopes_supported, ['mcp:read']);
    assert.deepEqual(await (await fetch(`${issuer}/.well-known/oauth-protected-resource`)).json(), resourceMetadata);

    const response = await fetch(`${issuer}/.well-known/oauth-authorization-server`);
    assert.equal(response.status, 200);
    const metadata = (await response.json()) as Record<string, unknown>;
    assert.equal(metadata.issuer, issuer);
    assert.equal(metadata.authorization_endpoint, `${issuer}/authorize`);
    assert.equal(metadata.token_endpoint, `${issuer}/token`);
    assert.equal(metadata.registration_endpoint, `${issuer}/register`);
    assert.equal(metadata.revocation_endpoint, `${issuer}/revoke`);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(metadata.grant_types_supported, ['authorization_code', 'refresh_token', 'client_credentials']);
    assert.deepEqual(metadata.token_endpoint_auth_methods_supported, ['none', 'client_secret_basic', 'client_secret_post']);
    assert.deepEqual(metadata.scopes_supported, ['mcp:read', 'mcp:admin', 'offline_access']);
    assert.deepEqual(metadata.response_types_supported, ['code']);
    assert.equal(metadata.client_id_metadata_document_supported, true);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);

    assert.equal(server.auth.requests('resource-metadata').length, 2);
    assert.equal(server.auth.requests('server-metadata').length, 1);
    assert.equal((await fetch(`${issuer}/.well-known/openid-configuration`)).status, 404);
    assert.equal((await fetch(`${issuer}/token`)).status, 405);
  });
});

describe('dynamic client registration', () => {
  it('registers public and confidential clients', async (t) => {
    const server = await startAuthServer(t);
    const publicClient = await registerClient(server, { client_name: 'Public', application_type: 'native' });
    assert.equal(typeof publicClient.client_id, 'string');
    assert.equal(publicClient.client_secret, undefined);
    assert.equal(publicClient.token_endpoint_auth_method, 'none');
    assert.deepEqual(publicClient.redirect_uris, [REDIRECT_URI]);
    assert.equal(publicClient.client_name, 'Public');

    // RFC 7591 §2: an omitted method means client_secret_basic, so a secret is issued
    const { status, body } = await postJson(`${server.auth.issuer}/register`, { redirect_uris: ['https://client.example/cb'] });
    assert.equal(status, 201);
    assert.equal(body.token_endpoint_auth_method, 'client_secret_basic');
    assert.equal(typeof body.client_secret, 'string');
    assert.equal(body.client_secret_expires_at, 0);
    assert.deepEqual(body.grant_types, ['authorization_code']);
    assert.notEqual(body.client_id, publicClient.client_id);

    const records = server.auth.requests('register');
    assert.equal(records.length, 2);
    assert.equal(records[0].clientId, publicClient.client_id);
    assert.equal(records[0].status, 201);
  });

  it('refuses redirect URIs that are neither https nor loopback http, and inconsistent metadata', async (t) => {
    const server = await startAuthServer(t);
    const register = (metadata: Record<string, unknown>) => postJson(`${server.auth.issuer}/register`, metadata);
    for (const uri of ['http://client.example/cb', 'javascript:alert(1)', 'https://client.example/cb#frag', 'ftp://127.0.0.1/cb', 'not a url']) {
      const { status, body } = await register({ redirect_uris: [uri], token_endpoint_auth_method: 'none' });
      assert.equal(status, 400, uri);
      assert.equal(body.error, 'invalid_redirect_uri', uri);
    }
    assert.equal((await register({ token_endpoint_auth_method: 'none' })).body.error, 'invalid_redirect_uri');
    for (const uri of ['http://localhost:8080/cb', 'http://[::1]/cb', 'https://client.example/cb?x=1']) {
      assert.equal((await register({ redirect_uris: [uri], token_endpoint_auth_method: 'none' })).status, 201, uri);
    }
    const cases: Array<Record<string, unknown>> = [
      { redirect_uris: [REDIRECT_URI], token_endpoint_auth_method: 'private_key_jwt' },
      { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' },
      { redirect_uris: [REDIRECT_URI], grant_types: ['implicit'] },
      { redirect_uris: [REDIRECT_URI], response_types: ['token'] },
      { redirect_uris: [REDIRECT_URI], application_type: 'desktop' },
    ];
    for (const metadata of cases) assert.equal((await register(metadata)).body.error, 'invalid_client_metadata', JSON.stringify(metadata));
    const notJson = await fetch(`${server.auth.issuer}/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { error: string }).error, 'invalid_client_metadata');
  });
});

describe('authorization code flow', () => {
  it('signs in with PKCE S256 and the token opens the MCP endpoint', async (t) => {
    const server = await startAuthServer(t);
    const client = await registerClient(server);
    const pkce = createPkce();
    const params = authorizationParams(server, client.client_id, pkce);
    const { status, location } = await requestAuthorization(server, params);
    assert.equal(status, 302);
    assert.ok(location);
    assert.equal(`${location.origin}${location.pathname}`, REDIRECT_URI);
    assert.equal(location.searchParams.get('state'), params.state);
    assert.equal(location.searchParams.get('iss'), server.auth.issuer);
    const code = location.searchParams.get('code');
    assert.ok(code);

    const answer = await exchangeCode(server, client.client_id, code, pkce);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.headers.get('cache-control'), 'no-store');
    assert.equal(answer.body.token_type, 'Bearer');
    assert.equal(answer.body.expires_in, 3600);
    assert.equal(answer.body.scope, 'mcp:read');
    assert.equal(typeof answer.body.access_token, 'string');
    assert.equal(typeof answer.body.refresh_token, 'string');

    const mcp = await connectWithToken(t, server, answer.body.access_token as string);
    const names = (await mcp.listTools()).tools.map((tool) => tool.name);
    assert.deepEqual(names, [...FIXED_TOOL_NAMES, 'admin_action']);

    const [authorize] = server.auth.requests('authorize');
    assert.equal(authorize.clientId, client.client_id);
    assert.equal(authorize.status, 302);
    const [token] = server.auth.requests('token');
    assert.deepEqual({ grantType: token.grantType, clientId: token.clientId, status: token.status }, { grantType: 'authorization_code', clientId: client.client_id, status: 200 });
  });

  it('grants mcp:read when no scope is asked for, and refuses unknown scopes', async (t) => {
    const server = await startAuthServer(t);
    const { scope } = await signIn(server, { scope: '' });
    assert.equal(scope, 'mcp:read');
    const client = await registerClient(server);
    const { location } = await requestAuthorization(server, authorizationParams(server, client.client_id, createPkce(), { scope: 'mcp:read files:write' }));
    assert.equal(location?.searchParams.get('error'), 'invalid_scope');
  });

  it('refuses authorization requests without PKCE S256, with the error sent back to the client', async (t) => {
    const server = await startAuthServer(t);
    const client = await registerClient(server);
    const pkce = createPkce();
    const cases: Array<[Record<string, string | undefined>, string]> = [
      [{ code_challenge: undefined, code_challenge_method: undefined }, 'invalid_request'],
      [{ code_challenge_method: undefined }, 'invalid_request'],
      [{ code_challenge_method: 'plain', code_challenge: pkce.verifier }, 'invalid_request'],
      [{ code_challenge: 'short' }, 'invalid_request'],
      [{ response_type: 'token' }, 'unsupported_response_type'],
      [{ resource: undefined }, 'invalid_target'],
      [{ resource: `${server.url}/other` }, 'invalid_target'],
      [{ resource: 'https://elsewhere.example/mcp' }, 'invalid_target'],
    ];
    for (const [change, error] of cases) {
      const params = authorizationParams(server, client.client_id, pkce, change);
      const { status, location } = await requestAuthorization(server, params);
      assert.equal(status, 302, JSON.stringify(change));
      assert.equal(location?.searchParams.get('error'), error, JSON.stringify(change));
      assert.equal(location?.searchParams.get('code'), null);
      assert.equal(location?.searchParams.get('state'), params.state);
      assert.equal(location?.searchParams.get('iss'), server.auth.issuer, 'iss on error responses too (RFC 9207)');
    }
    // spec: servers SHOULD accept uppercase scheme and host in the resource
    const upper = server.url.replace('http://127.0.0.1', 'HTTP://127.0.0.1');
    assert.ok(await obtainCode(server, client.client_id, pkce, { resource: upper }));
  });

  it('never redirects when the client or its redirect URI cannot be trusted', async (t) => {
    const server = await startAuthServer(t);
    const client = await registerClient(server);
    const pkce = createPkce();
    const cases: Array<Record<string, string | undefined>> = [
      { client_id: 'no-such-client' },
      { client_id: undefined },
      { redirect_uri: 'http://127.0.0.1:9/other' },
      { redirect_uri: `${REDIRECT_URI}/` },
      { redirect_uri: undefined },
    ];
    for (const change of cases) {
      const { status, location, body } = await requestAuthorization(server, authorizationParams(server, client.client_id, pkce, change));
      assert.equal(status, 400, JSON.stringify(change));
      assert.equal(location, undefined);
      assert.match(body, /Sign-in failed/);
    }
    assert.deepEqual(
      server.auth.requests('authorize').map((record) => record.error),
      ['invalid_client', 'invalid_request', 'invalid_request', 'invalid_request', 'invalid_request'],
    );
  });

  it('refuses a code with a wrong verifier, redirect URI, resource or client, and burns it', async (t) => {
    const server = await startAuthServer(t);
    const client = await registerClient(server);
    const other = await registerClient(server);
    const cases: Array<[Record<string, string | undefined>, string]> = [
      [{ code_verifier: createPkce().verifier }, 'invalid_grant'],
      [{ code_verifier: undefined }, 'invalid_request'],
      [{ redirect_uri: 'http://127.0.0.1:9/other' }, 'invalid_grant'],
      [{ redirect_uri: undefined }, 'invalid_request'],
      [{ resource: 'https://elsewhere.example/mcp' }, 'invalid_target'],
      [{ resource: undefined }, 'invalid_target'],
      [{ client_id: other.client_id }, 'invalid_grant'],
    ];
    for (const [change, error] of cases) {
      const pkce = createPkce();
      const code = await obtainCode(server, client.client_id, pkce);
      const refused = await exchangeCode(server, client.client_id, code, pkce, change);
      assert.equal(refused.status, 400, JSON.stringify(change));
      assert.equal(refused.body.error, error, JSON.stringify(change));
      if (error === 'invalid_request') continue;
      // a code is good for one attempt only
      const retried = await exchangeCode(server, client.client_id, code, pkce);
      assert.equal(retried.body.error, 'invalid_grant', JSON.stringify(change));
    }
  });

  it('refuses a replayed code and revokes what the first exchange issued', async (t) => {
    const server = await startAuthServer(t);
    const client = await registerClient(server);
    const pkce = createPkce();
    const code = await obtainCode(server, client.client_id, pkce);
    const first = await exchangeCode(server, client.client_id, code, pkce);
    assert.equal(first.status, 200);
    assert.equal((await postMcp(server, first.body.access_token as string, INITIALIZE)).status, 200);

    const replay = await exchangeCode(server, client.client_id, code, pkce);
    assert.equal(replay.status, 400);
    assert.equal(replay.body.error, 'invalid_grant');
    const afterReplay = await postMcp(server, first.body.access_token as string, INITIALIZE);
    assert.equal(afterReplay.status, 401);
    assert.equal(parseBearerChallenge(afterReplay.headers.get('www-authenticate')).error, 'invalid_token');
    const refresh = await requestToken(server, { grant_type: 'refresh_token', refresh_token: first.body.refresh_token as string, client_id: client.client_id, resource: server.url });
    assert.equal(refresh.body.error, 'invalid_grant');
  });

  it('refuses parameters given twice and bodies that are not forms', async (t) => {
    const server = await startAuthServer(t);
    const { clientId, refresh_token } = await signIn(server);
    const twice = await fetch(`${server.auth.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&refresh_token=${refresh_token}&refresh_token=${refresh_token}&client_id=${clientId}&resource=${encodeURIComponent(server.url)}`,
    });
    assert.equal(((await twice.json()) as { error: string }).error, 'invalid_request');
    const json = await fetch(`${server.auth.issuer}/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ grant_type: 'refresh_token' }) });
    assert.equal(((await json.json()) as { error: string }).error, 'invalid_request');
    const unsupported = await requestToken(server, { grant_type: 'password', client_id: clientId });
    assert.equal(unsupported.body.error, 'unsupported_grant_type');
  });
});

describe('refresh tokens', () => {
  it('rotates on every use and treats reuse of an old one as theft', async (t) => {
    const server = await startAuthServer(t);
    const first = await signIn(server);
    assert.ok(first.refresh_token);
    const refresh = (refreshToken: string) => requestToken(server, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: first.clientId, resource: server.url });

    const second = await refresh(first.refresh_token);
    assert.equal(second.status, 200, JSON.stringify(second.body));
    assert.notEqual(second.body.refresh_token, first.refresh_token);
    assert.notEqual(second.body.access_token, first.access_token);
    assert.equal(second.body.scope, 'mcp:read');
    assert.equal((await postMcp(server, second.body.access_token as string, INITIALIZE)).status, 200);

    const reuse = await refresh(first.refresh_token);
    assert.equal(reuse.status, 400);
    assert.equal(reuse.body.error, 'invalid_grant');
    // the whole grant is gone: the rotated token and the access tokens too
    assert.equal((await refresh(second.body.refresh_token as string)).body.error, 'invalid_grant');
    assert.equal((await postMcp(server, second.body.access_token as string, INITIALIZE)).status, 401);
    assert.equal((await postMcp(server, first.access_token, INITIALIZE)).status, 401);

    const records = server.auth.requests('refresh');
    assert.equal(records.length, 3);
    assert.deepEqual(
      records.map((record) => [record.status, record.error, record.grantType]),
      [
        [200, undefined, 'refresh_token'],
        [400, 'invalid_grant', 'refresh_token'],
        [400, 'invalid_grant', 'refresh_token'],
      ],
    );
    assert.equal(server.auth.requests('token').length, 1, 'refreshes are counted apart from other token requests');
  });

  it('may narrow the scope but not widen it, and a refused refresh does not burn the token', async (t) => {
    const server = await startAuthServer(t);
    const tokens = await signIn(server, { scope: 'mcp:admin mcp:read' });
    const refresh = (refreshToken: string, scope?: string) => requestToken(server, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: tokens.clientId, resource: server.url, scope });
    assert.ok(tokens.refresh_token);
    const wider = await refresh(tokens.refresh_token, 'mcp:admin offline_access');
    assert.equal(wider.body.error, 'invalid_scope');
    const wrongResource = await requestToken(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: tokens.clientId, resource: 'https://elsewhere.example/mcp' });
    assert.equal(wrongResource.body.error, 'invalid_target');
    const narrower = await refresh(tokens.refresh_token, 'mcp:read');
    assert.equal(narrower.status, 200, JSON.stringify(narrower.body));
    assert.equal(narrower.body.scope, 'mcp:read');
    // RFC 6749 §6: the new refresh token keeps the original scope
    const again = await refresh(narrower.body.refresh_token as string);
    assert.equal(again.body.scope, 'mcp:admin mcp:read');
  });

  it('is only issued to clients registered for it, and with requireOfflineAccess only for offline_access', async (t) => {
    const server = await startAuthServer(t);
    const noRefresh = await registerClient(server, { grant_types: ['authorization_code'] });
    const tokens = await signIn(server, { clientId: noRefresh.client_id });
    assert.equal(tokens.refresh_token, undefined);

    const strict = await startAuthServer(t, { requireOfflineAccess: true });
    assert.equal((await signIn(strict)).refresh_token, undefined);
    const offline = await signIn(strict, { scope: 'mcp:read offline_access' });
    assert.ok(offline.refresh_token);
    assert.equal(offline.scope, 'mcp:read offline_access');
  });
});

describe('client authentication and client_credentials', () => {
  it('issues tokens to a confidential client for its own use, with no refresh token', async (t) => {
    const server = await startAuthServer(t);
    server.auth.preRegister({ client_id: 'robot', client_secret: 'robot-secret' });
    const answer = await requestToken(server, { grant_type: 'client_credentials', resource: server.url, scope: 'mcp:admin offline_access' }, { id: 'robot', secret: 'robot-secret' });
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.scope, 'mcp:admin');
    assert.equal(answer.body.refresh_token, undefined);
    const mcp = await connectWithToken(t, server, answer.body.access_token as string);
    assert.deepEqual((await mcp.callTool({ name: 'admin_action', arguments: {} })).content, [{ type: 'text', text: 'The tool "admin_action" was called.' }]);

    const noResource = await requestToken(server, { grant_type: 'client_credentials' }, { id: 'robot', secret: 'robot-secret' });
    assert.equal(noResource.body.error, 'invalid_target');
    const [record] = server.auth.requests('token');
    assert.deepEqual({ grantType: record.grantType, clientId: record.clientId }, { grantType: 'client_credentials', clientId: 'robot' });
  });

  it('holds each client to the authentication method it registered', async (t) => {
    const server = await startAuthServer(t);
    server.auth.preRegister({ client_id: 'basic', client_secret: 's3cret' });
    server.auth.preRegister({ client_id: 'post', client_secret: 's3cret', token_endpoint_auth_method: 'client_secret_post' });
    const registered = await postJson(`${server.auth.issuer}/register`, { grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post' });
    assert.equal(registered.status, 201);
    const publicClient = await registerClient(server);
    const grant = { grant_type: 'client_credentials', resource: server.url };

    assert.equal((await requestToken(server, grant, { id: 'basic', secret: 's3cret' })).status, 200);
    const wrongSecret = await requestToken(server, grant, { id: 'basic', secret: 'guess' });
    assert.equal(wrongSecret.status, 401);
    assert.equal(wrongSecret.body.error, 'invalid_client');
    assert.match(wrongSecret.headers.get('www-authenticate') ?? '', /^Basic /);
    assert.equal((await requestToken(server, { ...grant, client_id: 'basic', client_secret: 's3cret' })).body.error, 'invalid_client');

    assert.equal((await requestToken(server, { ...grant, client_id: 'post', client_secret: 's3cret' })).status, 200);
    assert.equal((await requestToken(server, grant, { id: 'post', secret: 's3cret' })).body.error, 'invalid_client');
    assert.equal((await requestToken(server, { ...grant, client_id: 'post', client_secret: 's3cret' }, { id: 'post', secret: 's3cret' })).body.error, 'invalid_request');
    const dcrSecret = registered.body.client_secret as string;
    assert.equal((await requestToken(server, { ...grant, client_id: registered.body.client_id as string, client_secret: dcrSecret })).status, 200);

    assert.equal((await requestToken(server, { ...grant, client_id: publicClient.client_id })).body.error, 'unauthorized_client');
    assert.equal((await requestToken(server, { ...grant, client_id: 'nobody' })).body.error, 'invalid_client');
    assert.equal((await requestToken(server, grant)).body.error, 'invalid_client');
  });

  it('refuses a client it was told to reject, everywhere', async (t) => {
    const server = await startAuthServer(t);
    const tokens = await signIn(server);
    server.auth.rejectClient(tokens.clientId);
    const refresh = await requestToken(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: tokens.clientId, resource: server.url });
    assert.equal(refresh.status, 401);
    assert.equal(refresh.body.error, 'invalid_client');
    const { status, location } = await requestAuthorization(server, authorizationParams(server, tokens.clientId, createPkce()));
    assert.equal(status, 400);
    assert.equal(location, undefined);
    assert.equal(server.auth.requests('refresh')[0].error, 'invalid_client');
  });
});

describe('revocation', () => {
  it('revokes an access token alone, or a refresh token with its grant', async (t) => {
    const server = await startAuthServer(t);
    const postRevoke = async (clientId: string, token: string) => {
      const response = await fetch(`${server.auth.issuer}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token, client_id: clientId }),
      });
      return { status: response.status, text: await response.text() };
    };

    const a = await signIn(server);
    assert.equal((await postRevoke(a.clientId, a.access_token)).status, 200);
    const afterRevoke = await postMcp(server, a.access_token, INITIALIZE);
    assert.equal(afterRevoke.status, 401);
    assert.equal(parseBearerChallenge(afterRevoke.headers.get('www-authenticate')).error, 'invalid_token');
    const refreshed = await requestToken(server, { grant_type: 'refresh_token', refresh_token: a.refresh_token, client_id: a.clientId, resource: server.url });
    assert.equal(refreshed.status, 200, 'revoking an access token leaves the refresh token');

    const b = await signIn(server);
    assert.ok(b.refresh_token);
    assert.equal((await postRevoke(b.clientId, b.refresh_token)).status, 200);
    assert.equal((await postMcp(server, b.access_token, INITIALIZE)).status, 401);
    const refresh = await requestToken(server, { grant_type: 'refresh_token', refresh_token: b.refresh_token, client_id: b.clientId, resource: server.url });
    assert.equal(refresh.body.error, 'invalid_grant');

    assert.equal((await postRevoke(b.clientId, 'never-issued')).status, 200);
    const c = await signIn(server);
    assert.equal((await postRevoke(b.clientId, c.access_token)).status, 400, "another client's token is not revoked");
    assert.equal((await postMcp(server, c.access_token, INITIALIZE)).status, 200);
    assert.equal(server.auth.requests('revoke').length, 4);
  });

  it('revokeAll ends every grant', async (t) => {
    const server = await startAuthServer(t);
    const tokens = await signIn(server);
    const client = await registerClient(server);
    const pkce = createPkce();
    const code = await obtainCode(server, client.client_id, pkce);
    server.auth.revokeAll();
    assert.equal((await postMcp(server, tokens.access_token, INITIALIZE)).status, 401);
    assert.equal((await requestToken(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: tokens.clientId, resource: server.url })).body.error, 'invalid_grant');
    assert.equal((await exchangeCode(server, client.client_id, code, pkce)).body.error, 'invalid_grant');
  });
});

describe('the MCP endpoint as a protected resource', () => {
  it('answers 401 invalid_token for an expired token and takes the refreshed one', async (t) => {
    const server = await startAuthServer(t, { accessTokenTtlSeconds: 2 });
    const tokens = await signIn(server);
    assert.equal(tokens.expires_in, 2);
    assert.equal((await postMcp(server, tokens.access_token, INITIALIZE)).status, 200);
    server.auth.expireAccessTokens();
    const expired = await postMcp(server, tokens.access_token, INITIALIZE);
    assert.equal(expired.status, 401);
    const challenge = parseBearerChallenge(expired.headers.get('www-authenticate'));
    assert.equal(challenge.error, 'invalid_token');
    assert.equal(challenge.resource_metadata, server.auth.resourceMetadataUrl);
    assert.equal(challenge.scope, 'mcp:read');

    const refreshed = await requestToken(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: tokens.clientId, resource: server.url });
    assert.equal(refreshed.status, 200);
    assert.equal((await postMcp(server, refreshed.body.access_token as string, INITIALIZE)).status, 200);

    server.auth.expireRefreshTokens();
    const late = await requestToken(server, { grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token as string, client_id: tokens.clientId, resource: server.url });
    assert.equal(late.body.error, 'invalid_grant');
  });

  it('lets an access token lapse when its lifetime is over', async (t) => {
    const server = await startAuthServer(t, { accessTokenTtlSeconds: 1 });
    const tokens = await signIn(server);
    assert.equal(tokens.expires_in, 1);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    assert.equal((await postMcp(server, tokens.access_token, INITIALIZE)).status, 401);
  });

  it('refuses unknown tokens, other schemes and tokens in the URL', async (t) => {
    const server = await startAuthServer(t);
    const unknown = await postMcp(server, 'not-a-token', INITIALIZE);
    assert.equal(unknown.status, 401);
    assert.equal(parseBearerChallenge(unknown.headers.get('www-authenticate')).error, 'invalid_token');
    const basic = await postMcp(server, undefined, INITIALIZE, { authorization: 'Basic dXNlcjpwYXNz' });
    assert.equal(basic.status, 401);
    assert.equal(parseBearerChallenge(basic.headers.get('www-authenticate')).error, undefined);
    const { access_token } = await signIn(server);
    const inQuery = await fetch(`${server.url}?access_token=${access_token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', ...INITIALIZE }),
    });
    assert.equal(inQuery.status, 400);
    assert.equal(parseBearerChallenge(inQuery.headers.get('www-authenticate')).error, 'invalid_request');
  });

  it('answers 403 insufficient_scope with the scope a tool needs, and lets a stepped-up token through', async (t) => {
    const server = await startAuthServer(t);
    const reader = await signIn(server, { scope: 'mcp:read' });
    const callAdmin = { id: 7, method: 'tools/call', params: { name: 'admin_action', arguments: {} } };
    const refused = await postMcp(server, reader.access_token, callAdmin);
    assert.equal(refused.status, 403);
    const challenge = parseBearerChallenge(refused.headers.get('www-authenticate'));
    assert.equal(challenge.error, 'insufficient_scope');
    assert.equal(challenge.scope, 'mcp:admin');
    assert.equal(challenge.resource_metadata, server.auth.resourceMetadataUrl);
    assert.equal(((await refused.json()) as { id: number }).id, 7);
    const readerClient = await connectWithToken(t, server, reader.access_token);
    assert.equal((await readerClient.listTools()).tools.length, FIXED_TOOL_NAMES.length + 1);

    const admin = await signIn(server, { clientId: reader.clientId, scope: 'mcp:read mcp:admin' });
    const adminClient = await connectWithToken(t, server, admin.access_token);
    assert.deepEqual((await adminClient.callTool({ name: 'admin_action', arguments: {} })).content, [{ type: 'text', text: 'The tool "admin_action" was called.' }]);
    // mcp:admin implies mcp:read
    const adminOnly = await signIn(server, { clientId: reader.clientId, scope: 'mcp:admin' });
    assert.equal((await postMcp(server, adminOnly.access_token, INITIALIZE)).status, 200);
    const offlineOnly = await signIn(server, { clientId: reader.clientId, scope: 'offline_access' });
    const noRead = await postMcp(server, offlineOnly.access_token, INITIALIZE);
    assert.equal(noRead.status, 403);
    assert.equal(parseBearerChallenge(noRead.headers.get('www-authenticate')).scope, 'mcp:read');
  });

  it('lets tests change the scope a tool needs', async (t) => {
    const server = await startAuthServer(t);
    server.auth.setRequiredScope('echo', 'files:write');
    const metadata = (await (await fetch(`${server.auth.issuer}/.well-known/oauth-authorization-server`)).json()) as { scopes_supported: string[] };
    assert.ok(metadata.scopes_supported.includes('files:write'));
    const reader = await signIn(server);
    const echo = { id: 1, method: 'tools/call', params: { name: 'echo', arguments: { message: 'hi' } } };
    const refused = await postMcp(server, reader.access_token, echo);
    assert.equal(refused.status, 403);
    assert.equal(parseBearerChallenge(refused.headers.get('www-authenticate')).scope, 'files:write');
    const writer = await signIn(server, { clientId: reader.clientId, scope: 'mcp:read files:write' });
    const client = await connectWithToken(t, server, writer.access_token);
    assert.deepEqual((await client.callTool({ name: 'echo', arguments: { message: 'hi' } })).content, [{ type: 'text', text: 'hi' }]);
  });

  it('cannot be combined with an authenticate seam', async () => {
    const { startExampleServer } = await import('../example-server.ts');
    await assert.rejects(
      startExampleServer({ auth: {}, authenticate: async () => undefined }),
      (error: { code?: string }) => error.code === 'VALIDATION_FAILED',
    );
    await assert.rejects(startExampleServer({ auth: { accessTokenTtlSeconds: 0 } }), (error: { code?: string }) => error.code === 'VALIDATION_FAILED');
  });
});
