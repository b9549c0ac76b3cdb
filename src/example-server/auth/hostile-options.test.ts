import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AuthenticatedExampleServer } from '../example-server.ts';
import { authorizationParams, createPkce, registerClient, requestAuthorization, startAuthServer } from './oauth-test-client.ts';

async function serverMetadata(server: AuthenticatedExampleServer): Promise<Record<string, unknown>> {
  return (await (await fetch(`${server.auth.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
}

async function resourceMetadata(server: AuthenticatedExampleServer): Promise<Record<string, unknown>> {
  return (await (await fetch(server.auth.resourceMetadataUrl)).json()) as Record<string, unknown>;
}

async function callbackOf(server: AuthenticatedExampleServer): Promise<URL> {
  const client = await registerClient(server);
  const { status, location } = await requestAuthorization(server, authorizationParams(server, client.client_id, createPkce()));
  assert.equal(status, 302);
  assert.ok(location);
  assert.ok(location.searchParams.get('code'));
  return location;
}

describe('options that make the server misbehave', () => {
  it('are all off by default', async (t) => {
    const server = await startAuthServer(t);
    const metadata = await serverMetadata(server);
    assert.equal(metadata.issuer, server.auth.issuer);
    assert.equal(metadata.authorization_endpoint, `${server.auth.issuer}/authorize`);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.equal((await resourceMetadata(server)).resource, server.url);
    assert.equal((await callbackOf(server)).searchParams.get('iss'), server.auth.issuer);
  });

  it('authorizationEndpoint publishes any string as the authorization endpoint', async (t) => {
    const server = await startAuthServer(t, { authorizationEndpoint: 'javascript:alert(1)' });
    assert.equal((await serverMetadata(server)).authorization_endpoint, 'javascript:alert(1)');
  });

  it('issuerOverride publishes an issuer other than where the metadata is served', async (t) => {
    const server = await startAuthServer(t, { issuerOverride: 'https://honest.example' });
    assert.equal((await serverMetadata(server)).issuer, 'https://honest.example');
    assert.deepEqual((await resourceMetadata(server)).authorization_servers, [server.auth.issuer]);
  });

  it('omitCodeChallengeMethods leaves PKCE support out of the metadata, but PKCE is still required', async (t) => {
    const server = await startAuthServer(t, { omitCodeChallengeMethods: true });
    const metadata = await serverMetadata(server);
    assert.equal('code_challenge_methods_supported' in metadata, false);
    const client = await registerClient(server);
    const { location } = await requestAuthorization(server, authorizationParams(server, client.client_id, createPkce(), { code_challenge: undefined, code_challenge_method: undefined }));
    assert.equal(location?.searchParams.get('error'), 'invalid_request');
  });

  it('resourceOverride publishes a resource other than the MCP URL', async (t) => {
    const server = await startAuthServer(t, { resourceOverride: 'https://victim.example/mcp' });
    assert.equal((await resourceMetadata(server)).resource, 'https://victim.example/mcp');
    // the authorization server itself still issues tokens for its own MCP URL only
    const client = await registerClient(server);
    const { location } = await requestAuthorization(server, authorizationParams(server, client.client_id, createPkce(), { resource: 'https://victim.example/mcp' }));
    assert.equal(location?.searchParams.get('error'), 'invalid_target');
  });

  it('omitIss leaves iss out of the callback while the metadata still promises it', async (t) => {
    const server = await startAuthServer(t, { omitIss: true });
    assert.equal((await serverMetadata(server)).authorization_response_iss_parameter_supported, true);
    assert.equal((await callbackOf(server)).searchParams.has('iss'), false);
  });

  it('wrongIss sends another issuer on the callback', async (t) => {
    const chosen = await startAuthServer(t, { wrongIss: 'https://attacker.example' });
    assert.equal((await callbackOf(chosen)).searchParams.get('iss'), 'https://attacker.example');
    const fixed = await startAuthServer(t, { wrongIss: true });
    const iss = (await callbackOf(fixed)).searchParams.get('iss');
    assert.ok(iss);
    assert.notEqual(iss, fixed.auth.issuer);
  });
});
