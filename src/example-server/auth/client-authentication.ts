/**
 * Client authentication at the token and revocation endpoints: each client must use
 * exactly the method it registered (`none`, `client_secret_basic` or
 * `client_secret_post`).
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 */

import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { ClientRegistry } from './client-registry.ts';
import { OAuthFailure } from './oauth-replies.ts';
import type { OAuthClient } from './oauth-client.ts';
import type { TokenEndpointAuthMethod } from './options.ts';

const BASIC_CHALLENGE = { 'www-authenticate': 'Basic realm="patchbay-example"' };

interface PresentedCredentials {
  clientId: string;
  secret: string | undefined;
  method: TokenEndpointAuthMethod;
}

/** RFC 6749 §2.3.1: the id and secret are form-urlencoded before they are joined. */
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '));
}

function readBasic(header: string): { clientId: string; secret: string } {
  const encoded = header.slice('basic '.length).trim();
  const decoded = Buffer.from(encoded, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (!/^[A-Za-z0-9+/]+=*$/.test(encoded) || colon < 1) throw new OAuthFailure('invalid_client', 'The Basic credentials are malformed.', 401, BASIC_CHALLENGE);
  try {
    return { clientId: formDecode(decoded.slice(0, colon)), secret: formDecode(decoded.slice(colon + 1)) };
  } catch {
    throw new OAuthFailure('invalid_client', 'The Basic credentials are not form-urlencoded.', 401, BASIC_CHALLENGE);
  }
}

/** What credentials the request carries, and by which method. */
export function readClientCredentials(req: IncomingMessage, params: Map<string, string>): PresentedCredentials {
  const header = req.headers.authorization;
  const bodyId = params.get('client_id');
  const bodySecret = params.get('client_secret');
  if (header !== undefined && /^basic /i.test(header)) {
    const basic = readBasic(header);
    // RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request
    if (bodySecret !== undefined) throw new OAuthFailure('invalid_request', 'Send the client secret either in the Authorization header or in the body, not both.');
    if (bodyId !== undefined && bodyId !== basic.clientId) throw new OAuthFailure('invalid_request', 'The client_id in the body differs from the one in the Authorization header.');
    return { clientId: basic.clientId, secret: basic.secret, method: 'client_secret_basic' };
  }
  if (bodyId === undefined || bodyId === '') throw new OAuthFailure('invalid_client', 'The client is not identified: send client_id (and its secret, if it has one).', 401);
  return { clientId: bodyId, secret: bodySecret, method: bodySecret === undefined ? 'none' : 'client_secret_post' };
}

function secretsMatch(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The client the request authenticates as.
 * @throws OAuthFailure `invalid_client` (401) for unknown or refused clients, a wrong secret or another method than registered
 */
export function authenticateClient(req: IncomingMessage, params: Map<string, string>, clients: ClientRegistry, onIdentified: (clientId: string) => void): OAuthClient {
  const presented = readClientCredentials(req, params);
  onIdentified(presented.clientId);
  const challenge = presented.method === 'client_secret_basic' ? BASIC_CHALLENGE : {};
  let client: OAuthClient;
  try {
    client = clients.find(presented.clientId);
  } catch (error) {
    if (error instanceof OAuthFailure) throw new OAuthFailure(error.error, error.message, error.status, challenge);
    throw error;
  }
  if (presented.method !== client.tokenEndpointAuthMethod) {
    throw new OAuthFailure('invalid_client', `This client is registered to authenticate with ${client.tokenEndpointAuthMethod}, not ${presented.method}.`, 401, challenge);
  }
  if (client.clientSecret !== undefined && !secretsMatch(presented.secret ?? '', client.clientSecret)) {
    throw new OAuthFailure('invalid_client', 'The client secret is wrong.', 401, challenge);
  }
  return client;
}
