/**
 * A bare OAuth client on plain `fetch`, for the tests of the example authorization
 * server: every step is one visible HTTP request, so tests can break each one on purpose.
 */

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { type AuthenticatedExampleServer, startExampleServer } from '../example-server.ts';
import type { ExampleAuthOptions } from './options.ts';
import { computeS256Challenge } from './pkce.ts';

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';

export async function startAuthServer(t: TestContext, auth: ExampleAuthOptions = {}): Promise<AuthenticatedExampleServer> {
  const server = await startExampleServer({ auth });
  t.after(() => server.close());
  return server;
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function createPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: computeS256Challenge(verifier) };
}

export interface RegisteredTestClient {
  client_id: string;
  client_secret?: string;
  [field: string]: unknown;
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Registers a public client with one loopback redirect URI and the refresh grant, unless `metadata` says otherwise. */
export async function registerClient(server: AuthenticatedExampleServer, metadata: Record<string, unknown> = {}): Promise<RegisteredTestClient> {
  const { status, body } = await postJson(`${server.auth.issuer}/register`, {
    client_name: 'test client',
    redirect_uris: [REDIRECT_URI],
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    ...metadata,
  });
  assert.equal(status, 201, JSON.stringify(body));
  return body as RegisteredTestClient;
}

/** The authorization request parameters of a correct request, for tests to change or drop. */
export function authorizationParams(server: AuthenticatedExampleServer, clientId: string, pkce: Pkce, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT_URI,
    code_challenge: pkce.challenge,
    code_challenge_method: 'S256',
    resource: server.url,
    scope: 'mcp:read',
    state: randomBytes(8).toString('hex'),
    ...extra,
  };
}

export interface AuthorizationAnswer {
  status: number;
  /** The redirect target, when the answer was a redirect. */
  location: URL | undefined;
  body: string;
}

/** Sends an authorization request without following the redirect; `undefined` values are left out. */
export async function requestAuthorization(server: AuthenticatedExampleServer, params: Record<string, string | undefined>): Promise<AuthorizationAnswer> {
  const url = new URL('/authorize', server.auth.issuer);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value);
  const response = await fetch(url, { redirect: 'manual' });
  const location = response.headers.get('location');
  return { status: response.status, location: location === null ? undefined : new URL(location), body: await response.text() };
}

/** Runs the authorization request and returns the code from the redirect, checking `state` came back. */
export async function obtainCode(server: AuthenticatedExampleServer, clientId: string, pkce: Pkce, extra: Record<string, string | undefined> = {}): Promise<string> {
  const params = authorizationParams(server, clientId, pkce, extra);
  const { status, location } = await requestAuthorization(server, params);
  assert.equal(status, 302);
  assert.ok(location);
  assert.equal(location.searchParams.get('error'), null, location.href);
  assert.equal(location.searchParams.get('state'), params.state ?? null);
  const code = location.searchParams.get('code');
  assert.ok(code);
  return code;
}

export interface TokenAnswer {
  status: number;
  body: Record<string, unknown>;
  headers: Headers;
}

/** Posts to the token (or another form) endpoint; `basic` sends client credentials in the Authorization header. */
export async function postForm(url: string, params: Record<string, string | undefined>, basic?: { id: string; secret: string }): Promise<TokenAnswer> {
  const body = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) body.append(name, value);
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (basic) headers.authorization = `Basic ${Buffer.from(`${basic.id}:${basic.secret}`).toString('base64')}`;
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>), headers: response.headers };
}

export function requestToken(server: AuthenticatedExampleServer, params: Record<string, string | undefined>, basic?: { id: string; secret: string }): Promise<TokenAnswer> {
  return postForm(`${server.auth.issuer}/token`, params, basic);
}

export function exchangeCode(server: AuthenticatedExampleServer, clientId: string, code: string, pkce: Pkce, extra: Record<string, string | undefined> = {}): Promise<TokenAnswer> {
  return requestToken(server, { grant_type: 'authorization_code', code, code_verifier: pkce.verifier, redirect_uri: REDIRECT_URI, resource: server.url, client_id: clientId, ...extra });
}

export interface Tokens {
  access_token: string;
  refresh_token?: string;
  scope: string;
  expires_in: number;
  token_type: string;
}

/** Registers (unless given a client id), authorizes and exchanges the code: the whole happy path. */
export async function signIn(server: AuthenticatedExampleServer, options: { clientId?: string; scope?: string } = {}): Promise<Tokens & { clientId: string }> {
  const clientId = options.clientId ?? (await registerClient(server)).client_id;
  const pkce = createPkce();
  const code = await obtainCode(server, clientId, pkce, { scope: options.scope });
  const answer = await exchangeCode(server, clientId, code, pkce);
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return { ...(answer.body as unknown as Tokens), clientId };
}

/** Posts one JSON-RPC message to the MCP endpoint with an optional bearer token. */
export async function postMcp(server: AuthenticatedExampleServer, token: string | undefined, message: Record<string, unknown>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(server.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body: JSON.stringify({ jsonrpc: '2.0', ...message }),
  });
}

export const INITIALIZE = {
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'oauth-test', version: '1.0.0' } },
};

/** Parses a `WWW-Authenticate: Bearer a="b", c="d"` value into its parameters. */
export function parseBearerChallenge(header: string | null): Record<string, string> {
  assert.ok(header, 'a WWW-Authenticate header');
  assert.match(header, /^Bearer /);
  const params: Record<string, string> = {};
  for (const match of header.slice('Bearer '.length).matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)) params[match[1]] = match[2].replace(/\\(.)/g, '$1');
  return params;
}

/** An SDK client that sends a fixed bearer token (no OAuth flow of its own). */
export async function connectWithToken(t: TestContext, server: AuthenticatedExampleServer, token: string): Promise<Client> {
  const client = new Client({ name: 'oauth-test', version: '1.0.0' }, { versionNegotiation: { mode: 'legacy' } });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
  t.after(() => client.close());
  return client;
}
