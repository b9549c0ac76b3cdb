/**
 * The token endpoint: `authorization_code` (with PKCE), `refresh_token` (rotated on
 * every use) and `client_credentials`.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1-13#section-4.3
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthState } from './auth-state.ts';
import { authenticateClient } from './client-authentication.ts';
import type { IssuedTokens } from './grant-store.ts';
import { OAuthFailure, optionalParam, readForm, requireParam, singleParams, writeJson } from './oauth-replies.ts';
import { GRANT_TYPES_SUPPORTED, isConfidential, type OAuthClient } from './oauth-client.ts';
import type { AuthRequestRecord } from './options.ts';
import { isCodeVerifier, verifyS256 } from './pkce.ts';
import { checkResourceParameter } from './resource-indicator.ts';
import { DEFAULT_SCOPES, isScopeToken, OFFLINE_ACCESS_SCOPE, parseScope } from './scopes.ts';

interface TokenRequest {
  params: Map<string, string>;
  resources: string[];
  client: OAuthClient;
}

function answer(auth: AuthState, res: ServerResponse, issued: IssuedTokens): void {
  const { accessToken, refreshToken } = issued;
  writeJson(res, 200, {
    access_token: accessToken.token,
    token_type: 'Bearer',
    expires_in: Math.round(auth.options.accessTokenTtlMs / 1000),
    scope: accessToken.scopes.join(' '),
    ...(refreshToken === undefined ? {} : { refresh_token: refreshToken.token }),
  });
}

function requestedScopes(auth: AuthState, value: string | undefined): string[] {
  const scopes = parseScope(value);
  if (!scopes.every(isScopeToken)) throw new OAuthFailure('invalid_scope', 'The scope parameter is malformed.');
  const unknown = scopes.filter((scope) => !auth.scopes.supported().includes(scope));
  if (unknown.length > 0) throw new OAuthFailure('invalid_scope', `Unknown scope ${unknown.join(', ')}; this server supports ${auth.scopes.supported().join(', ')}.`);
  return scopes;
}

function redeemAuthorizationCode(auth: AuthState, { params, resources, client }: TokenRequest): IssuedTokens {
  const code = requireParam(params, 'code');
  const redemption = auth.grants.redeemCode(code);
  if (redemption.outcome === 'replayed') throw new OAuthFailure('invalid_grant', 'This authorization code was already used; the tokens issued for it are now revoked.');
  if (redemption.outcome !== 'redeemed') throw new OAuthFailure('invalid_grant', `The authorization code is ${redemption.outcome === 'expired' ? 'expired' : 'unknown'}. Start the sign-in again.`);
  const pending = redemption.code;
  if (pending.clientId !== client.clientId) throw new OAuthFailure('invalid_grant', 'The authorization code was issued to another client.');
  // OAuth 2.1 §4.1.3: redirect_uri is required when the authorization request had one (here it always does)
  if (requireParam(params, 'redirect_uri') !== pending.redirectUri) throw new OAuthFailure('invalid_grant', 'The redirect_uri differs from the one in the authorization request.');
  const verifier = requireParam(params, 'code_verifier');
  if (!isCodeVerifier(verifier)) throw new OAuthFailure('invalid_grant', 'The code_verifier is malformed: 43 to 128 characters of A-Z, a-z, 0-9, "-", ".", "_", "~".');
  if (!verifyS256(verifier, pending.codeChallenge)) throw new OAuthFailure('invalid_grant', 'The code_verifier does not match the code_challenge.');
  checkResourceParameter(resources, pending.resource);
  const mayRefresh = client.grantTypes.includes('refresh_token') && (!auth.options.requireOfflineAccess || pending.scopes.includes(OFFLINE_ACCESS_SCOPE));
  return auth.grants.issue({ clientId: client.clientId, scopes: pending.scopes, resource: pending.resource, withRefreshToken: mayRefresh, code });
}

function refresh(auth: AuthState, { params, resources, client }: TokenRequest): IssuedTokens {
  const check = auth.grants.checkRefreshToken(requireParam(params, 'refresh_token'));
  if (check.outcome === 'reused') throw new OAuthFailure('invalid_grant', 'This refresh token was already used; every token of its grant is now revoked. Sign in again.');
  if (check.outcome !== 'current') throw new OAuthFailure('invalid_grant', `The refresh token is ${check.outcome}. Sign in again.`);
  const previous = check.refreshToken;
  if (previous.clientId !== client.clientId) throw new OAuthFailure('invalid_grant', 'The refresh token was issued to another client.');
  // everything is checked before rotating: a refused request must not burn the token
  const scopes = requestedScopes(auth, optionalParam(params, 'scope'));
  const wider = scopes.filter((scope) => !previous.scopes.includes(scope));
  // RFC 6749 §6: a refresh may narrow the scope, never widen it
  if (wider.length > 0) throw new OAuthFailure('invalid_scope', `A refresh cannot add scopes (${wider.join(', ')}); authorize again to get them.`);
  checkResourceParameter(resources, previous.resource);
  return auth.grants.rotate(previous, scopes.length > 0 ? scopes : previous.scopes);
}

function issueClientCredentials(auth: AuthState, { params, resources, client }: TokenRequest): IssuedTokens {
  if (!isConfidential(client)) throw new OAuthFailure('unauthorized_client', 'The client_credentials grant is only for confidential clients.');
  // OAuth 2.1 §4.2: no refresh token for this grant, so offline_access is granted as nothing
  const scopes = requestedScopes(auth, optionalParam(params, 'scope')).filter((scope) => scope !== OFFLINE_ACCESS_SCOPE);
  checkResourceParameter(resources, auth.site.resource);
  return auth.grants.issue({ clientId: client.clientId, scopes: scopes.length > 0 ? scopes : DEFAULT_SCOPES, resource: auth.site.resource, withRefreshToken: false });
}

export async function handleTokenRequest(auth: AuthState, req: IncomingMessage, res: ServerResponse, record: AuthRequestRecord): Promise<void> {
  const form = await readForm(req);
  // RFC 8707 lets resource repeat; checkResourceParameter refuses that with invalid_target
  const params = singleParams(form, ['resource']);
  const grantType = requireParam(params, 'grant_type');
  record.grantType = grantType;
  if (grantType === 'refresh_token') record.kind = 'refresh';
  const client = authenticateClient(req, params, auth.clients, (clientId) => {
    record.clientId = clientId;
  });
  if (!(GRANT_TYPES_SUPPORTED as readonly string[]).includes(grantType)) throw new OAuthFailure('unsupported_grant_type', `The grant type "${grantType}" is not supported.`);
  if (!client.grantTypes.includes(grantType)) throw new OAuthFailure('unauthorized_client', `This client is not registered for the ${grantType} grant.`);
  const request: TokenRequest = { params, resources: form.getAll('resource'), client };
  if (grantType === 'authorization_code') return answer(auth, res, redeemAuthorizationCode(auth, request));
  if (grantType === 'refresh_token') return answer(auth, res, refresh(auth, request));
  answer(auth, res, issueClientCredentials(auth, request));
}
