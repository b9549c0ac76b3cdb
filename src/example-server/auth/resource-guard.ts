/**
 * The MCP endpoint as an OAuth protected resource: every request needs an access token
 * issued by this server for the MCP URL with `mcp:read`, and each tool call needs the
 * scopes of its tool. Refusals carry the `WWW-Authenticate` challenge clients discover
 * the authorization server and the scopes to ask for from.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization#scope-challenge-handling
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthInfo } from '@modelcontextprotocol/server';
import { writeJsonRpcError } from '../http-replies.ts';
import type { AuthState } from './auth-state.ts';
import { isSameResource } from './resource-indicator.ts';
import { coversScopes, READ_SCOPE } from './scopes.ts';

const BASE_SCOPES: readonly string[] = [READ_SCOPE];

interface Challenge {
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope';
  description?: string;
  scopes: readonly string[];
}

function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (char) => `\\${char}`)}"`;
}

/** Builds the `WWW-Authenticate` value of a refusal. */
export function formatBearerChallenge(resourceMetadataUrl: string, challenge: Challenge): string {
  const params: Array<[string, string]> = [];
  if (challenge.error !== undefined) params.push(['error', challenge.error]);
  if (challenge.description !== undefined) params.push(['error_description', challenge.description]);
  params.push(['resource_metadata', resourceMetadataUrl], ['scope', challenge.scopes.join(' ')]);
  return `Bearer ${params.map(([name, value]) => `${name}=${quote(value)}`).join(', ')}`;
}

function toolsCalled(body: unknown): string[] {
  const messages = Array.isArray(body) ? body : [body];
  const tools: string[] = [];
  for (const message of messages) {
    if (message === null || typeof message !== 'object') continue;
    const { method, params } = message as { method?: unknown; params?: { name?: unknown } };
    if (method === 'tools/call' && typeof params?.name === 'string') tools.push(params.name);
  }
  return tools;
}

export interface ResourceGuard {
  /** The `authenticate` seam of the example server: resolves the caller or answers 400/401/403 itself. */
  authenticate(req: IncomingMessage, res: ServerResponse): Promise<AuthInfo | false>;
  /** After the body is parsed: answers 403 and returns false when a tool called needs scopes the token lacks. */
  authorize(res: ServerResponse, body: unknown, authInfo: AuthInfo): boolean;
}

export function createResourceGuard(auth: AuthState): ResourceGuard {
  const { resourceMetadataUrl } = auth.site;

  function refuse(res: ServerResponse, status: 400 | 401 | 403, challenge: Challenge, body?: unknown): false {
    const message = challenge.description ?? 'Unauthorized: send an access token from this server in the Authorization header (Bearer).';
    writeJsonRpcError(res, status, -32000, message, body, { 'www-authenticate': formatBearerChallenge(resourceMetadataUrl, challenge) });
    return false;
  }

  return {
    async authenticate(req, res) {
      // OAuth 2.1 §5.1: tokens go in the header only, never in the query string
      if (new URL(req.url ?? '/', auth.site.issuer).searchParams.has('access_token')) {
        return refuse(res, 400, { error: 'invalid_request', description: 'Access tokens must be sent in the Authorization header, not the URL.', scopes: BASE_SCOPES });
      }
      const match = /^Bearer +([A-Za-z0-9._~+/-]+=*) *$/i.exec(req.headers.authorization ?? '');
      // RFC 6750 §3.1: a request without credentials gets a challenge without an error code
      if (req.headers.authorization === undefined || !/^bearer /i.test(req.headers.authorization)) return refuse(res, 401, { scopes: BASE_SCOPES });
      if (match === null) return refuse(res, 401, { error: 'invalid_token', description: 'The Authorization header is not a well-formed Bearer token.', scopes: BASE_SCOPES });
      const check = auth.grants.checkAccessToken(match[1]);
      if (check.outcome !== 'active') {
        const description = check.outcome === 'expired' ? 'The access token has expired.' : check.outcome === 'revoked' ? 'The access token was revoked.' : 'The access token is unknown.';
        return refuse(res, 401, { error: 'invalid_token', description, scopes: BASE_SCOPES });
      }
      const { accessToken } = check;
      // spec: MCP servers MUST only accept tokens issued for themselves (RFC 8707 audience)
      if (!isSameResource(accessToken.resource, auth.site.resource)) {
        return refuse(res, 401, { error: 'invalid_token', description: 'The access token was issued for another resource.', scopes: BASE_SCOPES });
      }
      if (!coversScopes(accessToken.scopes, BASE_SCOPES)) {
        return refuse(res, 403, { error: 'insufficient_scope', description: `This server needs the scope ${READ_SCOPE}.`, scopes: BASE_SCOPES });
      }
      return {
        token: accessToken.token,
        clientId: accessToken.clientId,
        scopes: [...accessToken.scopes],
        expiresAt: Math.floor(accessToken.expiresAt / 1000),
        resource: new URL(accessToken.resource),
        resourceMetadataUrl,
      };
    },
    authorize(res, body, authInfo) {
      // spec: all scopes the operation needs go into one challenge
      const needed = [...new Set(toolsCalled(body).flatMap((tool) => auth.scopes.requiredFor(tool)))];
      if (coversScopes(authInfo.scopes, needed)) return true;
      return refuse(res, 403, { error: 'insufficient_scope', description: `This call needs the scope ${needed.join(' ')}.`, scopes: needed }, body);
    },
  };
}
