/**
 * The authorization endpoint. A valid request is approved at once with a redirect
 * carrying the code, or, in the interactive mode, after a person presses "Allow" on
 * the consent page (a form POST back to this endpoint).
 *
 * Errors follow RFC 6749 §4.1.2.1: when the client or its redirect URI cannot be
 * trusted, the answer is an error page; otherwise the error goes back to the client
 * by redirect, with `state` and `iss`.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomToken } from '../../core/ids.ts';
import type { AuthState } from './auth-state.ts';
import { renderConsentPage, renderErrorPage, writeHtml } from './consent-page.ts';
import type { PendingCode } from './grant-store.ts';
import { OAuthFailure, readForm, singleParams } from './oauth-replies.ts';
import type { OAuthClient } from './oauth-client.ts';
import type { AuthRequestRecord } from './options.ts';
import { isS256CodeChallenge } from './pkce.ts';
import { checkResourceParameter } from './resource-indicator.ts';
import { DEFAULT_SCOPES, isScopeToken, parseScope } from './scopes.ts';

const CONSENT_TTL_MS = 10 * 60_000;

interface AwaitingConsent {
  pending: PendingCode;
  state: string | undefined;
  expiresAt: number;
}

export interface AuthorizeEndpoint {
  handle(req: IncomingMessage, res: ServerResponse, record: AuthRequestRecord): Promise<void>;
}

export function createAuthorizeEndpoint(auth: AuthState): AuthorizeEndpoint {
  const awaitingConsent = new Map<string, AwaitingConsent>();

  function redirect(res: ServerResponse, status: 302 | 303, redirectUri: string, params: Record<string, string | undefined>): void {
    const target = new URL(redirectUri);
    for (const [name, value] of Object.entries(params)) if (value !== undefined) target.searchParams.append(name, value);
    // RFC 9207 §2: iss in every authorization response, errors included (unless a test wants it wrong or gone)
    const iss = auth.options.omitIss ? undefined : (auth.options.wrongIss ?? auth.site.issuer);
    if (iss !== undefined) target.searchParams.append('iss', iss);
    res.writeHead(status, { location: target.href, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' });
    res.end();
  }

  function refuseWithPage(res: ServerResponse, record: AuthRequestRecord, failure: OAuthFailure): void {
    record.error = failure.error;
    writeHtml(res, 400, renderErrorPage(failure.error, failure.message));
  }

  /** The checks whose failure must not be sent to the redirect URI. */
  async function identifyClient(params: URLSearchParams, record: AuthRequestRecord): Promise<{ client: OAuthClient; redirectUri: string }> {
    const clientIds = params.getAll('client_id');
    if (clientIds.length !== 1 || clientIds[0] === '') throw new OAuthFailure('invalid_request', 'Send exactly one client_id.');
    record.clientId = clientIds[0];
    const client = await auth.clients.resolve(clientIds[0]);
    const redirectUris = params.getAll('redirect_uri');
    // stricter than OAuth 2.1, which lets a client with one registered URI leave it out
    if (redirectUris.length !== 1 || redirectUris[0] === '') throw new OAuthFailure('invalid_request', 'Send exactly one redirect_uri.');
    // spec: authorization servers MUST validate exact redirect URIs against pre-registered values
    if (!client.redirectUris.includes(redirectUris[0])) throw new OAuthFailure('invalid_request', `The redirect_uri ${redirectUris[0]} is not registered for this client.`);
    return { client, redirectUri: redirectUris[0] };
  }

  /** The checks whose failure goes back to the client. */
  function validateRequest(params: URLSearchParams, client: OAuthClient, redirectUri: string): PendingCode {
    const single = singleParams(params, ['resource']);
    const responseType = single.get('response_type');
    if (responseType === undefined || responseType === '') throw new OAuthFailure('invalid_request', 'The parameter "response_type" is missing; send response_type=code.');
    if (responseType !== 'code') throw new OAuthFailure('unsupported_response_type', 'Only response_type=code is supported.');
    if (!client.grantTypes.includes('authorization_code')) throw new OAuthFailure('unauthorized_client', 'This client is not registered for the authorization_code grant.');
    const codeChallenge = single.get('code_challenge');
    // OAuth 2.1 §4.1.1 and the MCP spec: PKCE is required, and only S256 is accepted here
    if (codeChallenge === undefined || codeChallenge === '') throw new OAuthFailure('invalid_request', 'PKCE is required: send code_challenge and code_challenge_method=S256.');
    if (single.get('code_challenge_method') !== 'S256') throw new OAuthFailure('invalid_request', 'code_challenge_method must be S256; plain (the default when it is omitted) is refused.');
    if (!isS256CodeChallenge(codeChallenge)) throw new OAuthFailure('invalid_request', 'code_challenge must be 43 base64url characters (an S256 digest).');
    checkResourceParameter(params.getAll('resource'), auth.site.resource);
    const requested = parseScope(single.get('scope'));
    if (!requested.every(isScopeToken)) throw new OAuthFailure('invalid_scope', 'The scope parameter is malformed.');
    const unknown = requested.filter((scope) => !auth.scopes.supported().includes(scope));
    if (unknown.length > 0) throw new OAuthFailure('invalid_scope', `Unknown scope ${unknown.join(', ')}; this server supports ${auth.scopes.supported().join(', ')}.`);
    return { clientId: client.clientId, redirectUri, codeChallenge, resource: auth.site.resource, scopes: requested.length > 0 ? requested : DEFAULT_SCOPES };
  }

  async function handleRequest(req: IncomingMessage, res: ServerResponse, record: AuthRequestRecord): Promise<void> {
    const params = new URL(req.url ?? '/', auth.site.issuer).searchParams;
    let client: OAuthClient;
    let redirectUri: string;
    try {
      ({ client, redirectUri } = await identifyClient(params, record));
    } catch (error) {
      if (error instanceof OAuthFailure) return refuseWithPage(res, record, error);
      throw error;
    }
    const states = params.getAll('state');
    const state = states.length === 1 ? states[0] : undefined;
    let pending: PendingCode;
    try {
      pending = validateRequest(params, client, redirectUri);
    } catch (error) {
      if (!(error instanceof OAuthFailure)) throw error;
      record.error = error.error;
      return redirect(res, 302, redirectUri, { error: error.error, error_description: error.message, state });
    }
    if (!auth.options.interactive) return redirect(res, 302, redirectUri, { code: auth.grants.issueCode(pending), state });

    const consentId = randomToken(24);
    awaitingConsent.set(consentId, { pending, state, expiresAt: auth.now() + CONSENT_TTL_MS });
    writeHtml(res, 200, renderConsentPage({ consentId, clientName: client.clientName, clientId: client.clientId, redirectUri, scopes: pending.scopes, resource: pending.resource }));
  }

  async function handleDecision(req: IncomingMessage, res: ServerResponse, record: AuthRequestRecord): Promise<void> {
    let consentId: string | undefined;
    let decision: string | undefined;
    try {
      const form = singleParams(await readForm(req));
      consentId = form.get('consent');
      decision = form.get('decision');
    } catch (error) {
      if (error instanceof OAuthFailure) return refuseWithPage(res, record, error);
      throw error;
    }
    const awaiting = consentId === undefined ? undefined : awaitingConsent.get(consentId);
    if (consentId !== undefined) awaitingConsent.delete(consentId);
    if (awaiting === undefined || awaiting.expiresAt <= auth.now()) {
      return refuseWithPage(res, record, new OAuthFailure('invalid_request', 'This consent page has expired or was already answered. Start the sign-in again.'));
    }
    const { pending, state } = awaiting;
    record.clientId = pending.clientId;
    try {
      auth.clients.find(pending.clientId);
    } catch (error) {
      if (error instanceof OAuthFailure) return refuseWithPage(res, record, error);
      throw error;
    }
    // 303: the browser must follow a POST answer with a GET
    if (decision !== 'allow') {
      record.error = 'access_denied';
      return redirect(res, 303, pending.redirectUri, { error: 'access_denied', error_description: 'The user denied access.', state });
    }
    redirect(res, 303, pending.redirectUri, { code: auth.grants.issueCode(pending), state });
  }

  return {
    async handle(req, res, record) {
      if (req.method === 'GET') return handleRequest(req, res, record);
      if (req.method === 'POST' && auth.options.interactive) return handleDecision(req, res, record);
      res.writeHead(405, { allow: auth.options.interactive ? 'GET, POST' : 'GET' }).end();
    },
  };
}
