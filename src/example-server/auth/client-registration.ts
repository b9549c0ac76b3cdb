/**
 * Dynamic client registration (RFC 7591): validating submitted client metadata and
 * building the registration answer. No I/O here.
 */

import { randomToken } from '../../core/ids.ts';
import { OAuthFailure } from './oauth-replies.ts';
import { GRANT_TYPES_SUPPORTED, type OAuthClient } from './oauth-client.ts';
import { TOKEN_ENDPOINT_AUTH_METHODS, type TokenEndpointAuthMethod } from './options.ts';
import { explainRedirectUrisProblem } from './redirect-uris.ts';

function invalidMetadata(description: string): OAuthFailure {
  return new OAuthFailure('invalid_client_metadata', description);
}

function optionalString(metadata: Record<string, unknown>, name: string): string | undefined {
  const value = metadata[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw invalidMetadata(`${name} must be a string.`);
  return value;
}

function stringArray(metadata: Record<string, unknown>, name: string, fallback: readonly string[]): string[] {
  const value = metadata[name];
  if (value === undefined) return [...fallback];
  if (!Array.isArray(value) || value.some((entry) => typeof entry !== 'string')) throw invalidMetadata(`${name} must be an array of strings.`);
  return value as string[];
}

export interface ValidatedClientMetadata {
  redirectUris: string[];
  tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  grantTypes: string[];
  clientName: string | undefined;
}

/**
 * Checks the metadata fields the server acts on and their consistency.
 * @param defaultAuthMethod RFC 7591 §2: `client_secret_basic` when the field is omitted
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export function validateClientMetadata(metadata: Record<string, unknown>, defaultAuthMethod: TokenEndpointAuthMethod): ValidatedClientMetadata {
  const method = optionalString(metadata, 'token_endpoint_auth_method') ?? defaultAuthMethod;
  if (!(TOKEN_ENDPOINT_AUTH_METHODS as readonly string[]).includes(method)) {
    throw invalidMetadata(`token_endpoint_auth_method "${method}" is not supported; use one of ${TOKEN_ENDPOINT_AUTH_METHODS.join(', ')}.`);
  }
  // RFC 7591 §2: grant_types defaults to authorization_code only
  const grantTypes = stringArray(metadata, 'grant_types', ['authorization_code']);
  for (const grantType of grantTypes) {
    if (!(GRANT_TYPES_SUPPORTED as readonly string[]).includes(grantType)) throw invalidMetadata(`grant type "${grantType}" is not supported; use ${GRANT_TYPES_SUPPORTED.join(', ')}.`);
  }
  if (grantTypes.includes('client_credentials') && method === 'none') throw invalidMetadata('The client_credentials grant is only for confidential clients; choose client_secret_basic or client_secret_post.');
  // RFC 7591 §2 defaults response_types to ["code"]; for a client without the code grant that would contradict its grant_types
  const responseTypes = stringArray(metadata, 'response_types', grantTypes.includes('authorization_code') ? ['code'] : []);
  if (responseTypes.some((type) => type !== 'code')) throw invalidMetadata('Only the response type "code" is supported.');
  // RFC 7591 §2.1: grant_types and response_types must agree
  if (grantTypes.includes('authorization_code') !== responseTypes.includes('code')) {
    throw invalidMetadata('grant_types and response_types disagree: authorization_code goes with the response type "code".');
  }
  const applicationType = optionalString(metadata, 'application_type');
  if (applicationType !== undefined && applicationType !== 'native' && applicationType !== 'web') throw invalidMetadata('application_type must be "native" or "web".');

  let redirectUris: string[] = [];
  if (grantTypes.includes('authorization_code') || metadata.redirect_uris !== undefined) {
    const problem = explainRedirectUrisProblem(metadata.redirect_uris);
    if (problem !== undefined) throw new OAuthFailure('invalid_redirect_uri', problem);
    redirectUris = metadata.redirect_uris as string[];
  }
  return { redirectUris, tokenEndpointAuthMethod: method as TokenEndpointAuthMethod, grantTypes, clientName: optionalString(metadata, 'client_name') };
}

export interface Registration {
  client: OAuthClient;
  /** The RFC 7591 §3.2.1 answer: the metadata as registered plus the client's credentials. */
  response: Record<string, unknown>;
}

/** Registers a client from submitted metadata, with a new random id and, when confidential, a secret. */
export function registerClient(metadata: Record<string, unknown>, now: number): Registration {
  const validated = validateClientMetadata(metadata, 'client_secret_basic');
  const clientSecret = validated.tokenEndpointAuthMethod === 'none' ? undefined : randomToken(32);
  const client: OAuthClient = { clientId: randomToken(16), clientSecret, source: 'registered', ...validated };
  const { client_secret: _ignored, client_secret_expires_at: _alsoIgnored, ...submitted } = metadata;
  const response: Record<string, unknown> = {
    ...submitted,
    client_id: client.clientId,
    client_id_issued_at: Math.floor(now / 1000),
    token_endpoint_auth_method: validated.tokenEndpointAuthMethod,
    grant_types: validated.grantTypes,
    response_types: validated.grantTypes.includes('authorization_code') ? ['code'] : [],
    ...(validated.redirectUris.length > 0 ? { redirect_uris: validated.redirectUris } : {}),
    ...(clientSecret === undefined ? {} : { client_secret: clientSecret, client_secret_expires_at: 0 }),
  };
  return { client, response };
}
