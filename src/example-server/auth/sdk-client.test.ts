import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it, type TestContext } from 'node:test';
import {
  Client,
  ClientCredentialsProvider,
  type OAuthClientMetadata,
  type OAuthClientProvider,
  type OAuthDiscoveryState,
  StreamableHTTPClientTransport,
  type StoredOAuthClientInformation,
  type StoredOAuthTokens,
  UnauthorizedError,
  type VersionNegotiationMode,
} from '@modelcontextprotocol/client';
import type { AuthenticatedExampleServer } from '../example-server.ts';
import { FIXED_TOOL_NAMES } from '../tools.ts';
import { REDIRECT_URI, startAuthServer } from './oauth-test-client.ts';

/**
 * An OAuth client provider that keeps everything in memory and plays the browser: it
 * follows the authorization URL itself and keeps the callback's query for `finishAuth`.
 */
class AutoApprovingProvider implements OAuthClientProvider {
  information: StoredOAuthClientInformation | undefined;
  stored: StoredOAuthTokens | undefined;
  verifier = '';
  discovery: OAuthDiscoveryState | undefined;
  sentState = '';
  /** The query of the last redirect back to the client. */
  callback: URLSearchParams | undefined;
  authorizationUrls: URL[] = [];

  get redirectUrl(): string {
    return REDIRECT_URI;
  }

  get clientMetadata(): OAuthClientMetadata {
    return { client_name: 'SDK test client', redirect_uris: [REDIRECT_URI], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' };
  }

  state(): string {
    this.sentState = randomBytes(8).toString('hex');
    return this.sentState;
  }

  clientInformation() {
    return this.information;
  }

  saveClientInformation(information: StoredOAuthClientInformation) {
    this.information = information;
  }

  tokens() {
    return this.stored;
  }

  saveTokens(tokens: StoredOAuthTokens) {
    this.stored = tokens;
  }

  async redirectToAuthorization(authorizationUrl: URL) {
    this.authorizationUrls.push(authorizationUrl);
    const response = await fetch(authorizationUrl, { redirect: 'manual' });
    const location = response.headers.get('location');
    assert.equal(response.status, 302, await response.text());
    assert.ok(location);
    this.callback = new URL(location).searchParams;
  }

  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }

  codeVerifier() {
    return this.verifier;
  }

  saveDiscoveryState(state: OAuthDiscoveryState) {
    this.discovery = state;
  }

  discoveryState() {
    return this.discovery;
  }

  /** Checks the callback the way an application must before handing it to the SDK. */
  takeCallback(): URLSearchParams {
    const callback = this.callback;
    assert.ok(callback, 'the provider followed an authorization redirect');
    assert.equal(callback.get('state'), this.sentState);
    this.callback = undefined;
    return callback;
  }
}

function connectClient(t: TestContext, server: AuthenticatedExampleServer, authProvider: OAuthClientProvider, mode: VersionNegotiationMode = 'legacy') {
  const transport = new StreamableHTTPClientTransport(new URL(server.url), { authProvider });
  const client = new Client({ name: 'sdk-oauth-test', version: '1.0.0' }, { versionNegotiation: { mode } });
  t.after(() => client.close());
  return { client, transport, connected: client.connect(transport) };
}

const ERAS: Array<[string, VersionNegotiationMode, string]> = [
  ['2025-11-25', 'legacy', '2025-11-25'],
  ['2026-07-28', { pin: '2026-07-28' }, '2026-07-28'],
];

describe('the SDK client as an independent OAuth client', () => {
  for (const [era, mode, version] of ERAS) {
    it(`discovers, registers, signs in, lists tools, refreshes and steps up (${era})`, async (t) => {
      const server = await startAuthServer(t);
      const provider = new AutoApprovingProvider();

      const first = connectClient(t, server, provider, mode);
      await assert.rejects(first.connected, (error) => error instanceof UnauthorizedError);
      const authorizationUrl = provider.authorizationUrls[0];
      assert.equal(authorizationUrl.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(authorizationUrl.searchParams.get('resource'), server.url);
      // the challenged scope, plus offline_access because the authorization server lists it
      assert.deepEqual(authorizationUrl.searchParams.get('scope')?.split(' ').sort(), ['mcp:read', 'offline_access']);
      await first.transport.finishAuth(provider.takeCallback());
      assert.equal(server.auth.requests('register').length, 1);
      assert.equal(server.auth.requests('token').length, 1);

      const second = connectClient(t, server, provider, mode);
      await second.connected;
      assert.equal(second.client.getNegotiatedProtocolVersion(), version);
      const names = (await second.client.listTools()).tools.map((tool) => tool.name);
      assert.deepEqual(names, [...FIXED_TOOL_NAMES, 'admin_action']);

      // an expired access token is refreshed behind the scenes
      server.auth.expireAccessTokens();
      assert.deepEqual((await second.client.callTool({ name: 'echo', arguments: { message: 'still here' } })).content, [{ type: 'text', text: 'still here' }]);
      assert.equal(server.auth.requests('refresh').filter((record) => record.status === 200).length, 1);

      // step-up: the 403 makes the SDK authorize again with mcp:admin added
      await assert.rejects(second.client.callTool({ name: 'admin_action', arguments: {} }), (error) => error instanceof UnauthorizedError);
      const stepUp = provider.authorizationUrls.at(-1);
      assert.ok(stepUp?.searchParams.get('scope')?.split(' ').includes('mcp:admin'), stepUp?.href);
      assert.ok(stepUp?.searchParams.get('scope')?.split(' ').includes('mcp:read'), stepUp?.href);
      await second.transport.finishAuth(provider.takeCallback());
      const third = connectClient(t, server, provider, mode);
      await third.connected;
      assert.deepEqual((await third.client.callTool({ name: 'admin_action', arguments: {} })).content, [{ type: 'text', text: 'The tool "admin_action" was called.' }]);
    });
  }

  it('signs in with client credentials through the SDK provider', async (t) => {
    const server = await startAuthServer(t);
    server.auth.preRegister({ client_id: 'sdk-robot', client_secret: 'sdk-robot-secret' });
    const provider = new ClientCredentialsProvider({ clientId: 'sdk-robot', clientSecret: 'sdk-robot-secret', expectedIssuer: server.auth.issuer });
    const { client, connected } = connectClient(t, server, provider);
    await connected;
    assert.equal((await client.listTools()).tools.length, FIXED_TOOL_NAMES.length + 1);
    const [record] = server.auth.requests('token');
    assert.deepEqual({ grantType: record.grantType, clientId: record.clientId, status: record.status }, { grantType: 'client_credentials', clientId: 'sdk-robot', status: 200 });
  });
});
