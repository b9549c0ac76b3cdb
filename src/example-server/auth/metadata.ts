/**
 * The two discovery documents: protected resource metadata for the MCP endpoint and
 * authorization server metadata for the issuer. Both are served by the same origin.
 */

import { GRANT_TYPES_SUPPORTED } from './oauth-client.ts';
import { TOKEN_ENDPOINT_AUTH_METHODS } from './options.ts';
import type { ResolvedAuthOptions } from './options.ts';
import { READ_SCOPE } from './scopes.ts';

export const AUTHORIZATION_SERVER_METADATA_PATH = '/.well-known/oauth-authorization-server';
export const PROTECTED_RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';
export const AUTHORIZE_PATH = '/authorize';
export const TOKEN_PATH = '/token';
export const REGISTER_PATH = '/register';
export const REVOKE_PATH = '/revoke';

/** Where everything is, derived from the MCP URL once the server listens. */
export interface AuthSite {
  /** The origin, e.g. `http://127.0.0.1:7411` (RFC 8414 §2: no trailing slash, query or fragment). */
  issuer: string;
  /** The MCP URL: the protected resource and the only valid `resource` indicator. */
  resource: string;
  /** RFC 9728 §3.1: the well-known prefix inserted before the resource's path. */
  resourceMetadataUrl: string;
}

export function describeAuthSite(mcpUrl: string): AuthSite {
  const url = new URL(mcpUrl);
  return { issuer: url.origin, resource: mcpUrl, resourceMetadataUrl: `${url.origin}${PROTECTED_RESOURCE_METADATA_PATH}${url.pathname}` };
}

/**
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-2
 */
export function buildProtectedResourceMetadata(site: AuthSite, options: ResolvedAuthOptions): Record<string, unknown> {
  return {
    resource: options.resourceOverride ?? site.resource,
    authorization_servers: [site.issuer],
    // spec (2026-07-28 authorization, scope selection): the minimal set for basic use;
    // more is asked for by step-up, and offline_access does not belong here
    scopes_supported: [READ_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: 'Patchbay example MCP server',
  };
}

/**
 * @param scopesSupported every scope the server can grant, in a stable order
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2
 */
export function buildAuthorizationServerMetadata(site: AuthSite, options: ResolvedAuthOptions, scopesSupported: readonly string[]): Record<string, unknown> {
  const metadata: Record<string, unknown> = {
    issuer: options.issuerOverride ?? site.issuer,
    authorization_endpoint: options.authorizationEndpoint ?? `${site.issuer}${AUTHORIZE_PATH}`,
    token_endpoint: `${site.issuer}${TOKEN_PATH}`,
    registration_endpoint: `${site.issuer}${REGISTER_PATH}`,
    revocation_endpoint: `${site.issuer}${REVOKE_PATH}`,
    scopes_supported: [...scopesSupported],
    response_types_supported: ['code'],
    response_modes_supported: ['query'],
    grant_types_supported: [...GRANT_TYPES_SUPPORTED],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    revocation_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS],
    code_challenge_methods_supported: ['S256'],
    client_id_metadata_document_supported: true,
    // RFC 9207 §3: promised even when a hostile option then leaves `iss` out
    authorization_response_iss_parameter_supported: true,
  };
  if (options.omitCodeChallengeMethods) delete metadata.code_challenge_methods_supported;
  return metadata;
}
