/**
 * What can be asked of the example authorization server when it starts, and the
 * controls tests use on it while it runs.
 */

import { PatchbayError } from '../../core/errors.ts';

export interface ExampleAuthOptions {
  /** Lifetime of access tokens. Default 3600. */
  accessTokenTtlSeconds?: number;
  /** Lifetime of refresh tokens. Default 30 days. */
  refreshTokenTtlSeconds?: number;
  /**
   * Show a small consent page with an "Allow" button instead of approving every valid
   * authorization request at once with a redirect. For people, not tests.
   */
  interactive?: boolean;
  /**
   * Issue refresh tokens only when the granted scope includes `offline_access`. Default
   * false: every authorization-code grant to a client registered for the `refresh_token`
   * grant type gets one.
   */
  requireOfflineAccess?: boolean;

  // Misbehaviour for hostile tests: each makes the server publish or send something a
  // careful client must refuse. All off by default.

  /** Publish this string as `authorization_endpoint` (e.g. `javascript:alert(1)`). */
  authorizationEndpoint?: string;
  /** Publish this `issuer` in the authorization server metadata instead of the real one. */
  issuerOverride?: string;
  /** Leave `code_challenge_methods_supported` out of the authorization server metadata. */
  omitCodeChallengeMethods?: boolean;
  /** Publish this `resource` in the protected resource metadata instead of the MCP URL. */
  resourceOverride?: string;
  /** Leave `iss` out of the authorization response although the metadata promises it. */
  omitIss?: boolean;
  /** Send this `iss` in the authorization response (`true`: `https://wrong-issuer.invalid`). */
  wrongIss?: boolean | string;
}

/** The requests the authorization server counts, by endpoint (`refresh` is a token request with `grant_type=refresh_token`). */
export type AuthRequestKind = 'resource-metadata' | 'server-metadata' | 'register' | 'authorize' | 'token' | 'refresh' | 'revoke';

export const AUTH_REQUEST_KINDS: readonly AuthRequestKind[] = ['resource-metadata', 'server-metadata', 'register', 'authorize', 'token', 'refresh', 'revoke'];

/** One request to the authorization server, as recorded for tests. */
export interface AuthRequestRecord {
  kind: AuthRequestKind;
  method: string;
  /** Milliseconds since the epoch when it arrived. */
  at: number;
  /** The HTTP status it was answered with (0 while it is being answered). */
  status: number;
  /** The OAuth `error` code when it was refused. */
  error?: string;
  /** The client it named, when it named one. */
  clientId?: string;
  /** `grant_type` of a token request. */
  grantType?: string;
}

export type TokenEndpointAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post';

export const TOKEN_ENDPOINT_AUTH_METHODS: readonly TokenEndpointAuthMethod[] = ['none', 'client_secret_basic', 'client_secret_post'];

/** A client known to the server before any request, as an operator would set one up. */
export interface PreRegisteredClient {
  client_id: string;
  /** Required unless `token_endpoint_auth_method` is `none`. */
  client_secret?: string;
  redirect_uris?: string[];
  /** Default `client_secret_basic` with a secret, `none` without. */
  token_endpoint_auth_method?: TokenEndpointAuthMethod;
  /** Default `authorization_code` and `refresh_token` with redirect URIs, plus `client_credentials` with a secret. */
  grant_types?: string[];
  client_name?: string;
}

/** Test controls of a running example authorization server. */
export interface ExampleAuthControls {
  /** The issuer identifier: the server's origin, e.g. `http://127.0.0.1:7411`. */
  readonly issuer: string;
  /** The protected resource: the MCP URL. */
  readonly resource: string;
  /** Where the protected resource metadata is served (named in every challenge). */
  readonly resourceMetadataUrl: string;
  /** Requests received so far, oldest first; only those of `kind` when given. */
  requests(kind?: AuthRequestKind): readonly AuthRequestRecord[];
  /** Revokes every authorization code, access token and refresh token issued so far. */
  revokeAll(): void;
  /** Makes every access token issued so far expired; refresh tokens still work. */
  expireAccessTokens(): void;
  /** Makes every refresh token issued so far expired. */
  expireRefreshTokens(): void;
  /** From now on, every request naming this client is refused with `invalid_client`. */
  rejectClient(clientId: string): void;
  /** Makes calls to `tool` need `scope` (space-separated for several); the server then also supports those scopes. */
  setRequiredScope(tool: string, scope: string): void;
  /** Registers a client as if an operator had set it up beforehand. */
  preRegister(client: PreRegisteredClient): void;
}

export interface ResolvedAuthOptions {
  accessTokenTtlMs: number;
  refreshTokenTtlMs: number;
  interactive: boolean;
  requireOfflineAccess: boolean;
  authorizationEndpoint: string | undefined;
  issuerOverride: string | undefined;
  omitCodeChallengeMethods: boolean;
  resourceOverride: string | undefined;
  omitIss: boolean;
  wrongIss: string | undefined;
}

const DEFAULT_ACCESS_TOKEN_TTL_SECONDS = 3600;
const DEFAULT_REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;
const DEFAULT_WRONG_ISS = 'https://wrong-issuer.invalid';

function resolveSeconds(name: string, value: number | undefined, fallback: number): number {
  const seconds = value ?? fallback;
  if (!Number.isInteger(seconds) || seconds < 1) throw new PatchbayError('VALIDATION_FAILED', `${name} must be a whole number of seconds, at least 1, not ${value}.`);
  return seconds * 1000;
}

export function resolveAuthOptions(options: ExampleAuthOptions): ResolvedAuthOptions {
  return {
    accessTokenTtlMs: resolveSeconds('accessTokenTtlSeconds', options.accessTokenTtlSeconds, DEFAULT_ACCESS_TOKEN_TTL_SECONDS),
    refreshTokenTtlMs: resolveSeconds('refreshTokenTtlSeconds', options.refreshTokenTtlSeconds, DEFAULT_REFRESH_TOKEN_TTL_SECONDS),
    interactive: options.interactive ?? false,
    requireOfflineAccess: options.requireOfflineAccess ?? false,
    authorizationEndpoint: options.authorizationEndpoint,
    issuerOverride: options.issuerOverride,
    omitCodeChallengeMethods: options.omitCodeChallengeMethods ?? false,
    resourceOverride: options.resourceOverride,
    omitIss: options.omitIss ?? false,
    wrongIss: options.wrongIss === true ? DEFAULT_WRONG_ISS : options.wrongIss === false ? undefined : options.wrongIss,
  };
}
