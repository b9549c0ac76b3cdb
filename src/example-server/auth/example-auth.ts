/**
 * The example authorization server, assembled: discovery documents, the authorization,
 * token, registration and revocation endpoints, the guard of the MCP endpoint and the
 * controls tests use. It lives in the example server's process and origin.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../core/log.ts';
import type { AuthState } from './auth-state.ts';
import { createAuthorizeEndpoint } from './authorize-endpoint.ts';
import { createClientRegistry } from './client-registry.ts';
import { createGrantStore } from './grant-store.ts';
import {
  AUTHORIZATION_SERVER_METADATA_PATH,
  AUTHORIZE_PATH,
  buildAuthorizationServerMetadata,
  buildProtectedResourceMetadata,
  describeAuthSite,
  PROTECTED_RESOURCE_METADATA_PATH,
  REGISTER_PATH,
  REVOKE_PATH,
  TOKEN_PATH,
} from './metadata.ts';
import { OAuthFailure, writeJson, writeOAuthFailure } from './oauth-replies.ts';
import type { AuthRequestKind, AuthRequestRecord, ExampleAuthControls, ResolvedAuthOptions } from './options.ts';
import { handleRegistrationRequest } from './registration-endpoint.ts';
import { createResourceGuard, type ResourceGuard } from './resource-guard.ts';
import { createRequestLog } from './request-log.ts';
import { handleRevocationRequest } from './revocation-endpoint.ts';
import { createScopePolicy } from './scopes.ts';
import { handleTokenRequest } from './token-endpoint.ts';

type Handler = (req: IncomingMessage, res: ServerResponse, record: AuthRequestRecord) => Promise<void> | void;

interface Route {
  kind: AuthRequestKind;
  methods: readonly string[];
  handler: Handler;
}

export interface ExampleAuthServer {
  readonly controls: ExampleAuthControls;
  readonly guard: ResourceGuard;
  /** The handler for an authorization-server or discovery path, or `undefined` when `path` is not one. */
  route(path: string): ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
}

export function createExampleAuthServer(options: ResolvedAuthOptions, mcpUrl: string, logger: Logger): ExampleAuthServer {
  const now = () => Date.now();
  const site = describeAuthSite(mcpUrl);
  const auth: AuthState = {
    site,
    options,
    clients: createClientRegistry(),
    grants: createGrantStore({ accessTokenTtlMs: options.accessTokenTtlMs, refreshTokenTtlMs: options.refreshTokenTtlMs, now }),
    scopes: createScopePolicy(),
    now,
  };
  const log = createRequestLog(now);
  const authorize = createAuthorizeEndpoint(auth);

  const resourceMetadata: Route = { kind: 'resource-metadata', methods: ['GET'], handler: (_req, res) => writeJson(res, 200, buildProtectedResourceMetadata(site, options)) };
  const routes = new Map<string, Route>([
    [new URL(site.resourceMetadataUrl).pathname, resourceMetadata],
    // spec: clients fall back to the root well-known URI when the path one is missing
    [PROTECTED_RESOURCE_METADATA_PATH, resourceMetadata],
    [
      AUTHORIZATION_SERVER_METADATA_PATH,
      { kind: 'server-metadata', methods: ['GET'], handler: (_req, res) => writeJson(res, 200, buildAuthorizationServerMetadata(site, options, auth.scopes.supported())) },
    ],
    [AUTHORIZE_PATH, { kind: 'authorize', methods: options.interactive ? ['GET', 'POST'] : ['GET'], handler: (req, res, record) => authorize.handle(req, res, record) }],
    [TOKEN_PATH, { kind: 'token', methods: ['POST'], handler: (req, res, record) => handleTokenRequest(auth, req, res, record) }],
    [REGISTER_PATH, { kind: 'register', methods: ['POST'], handler: (req, res, record) => handleRegistrationRequest(auth, req, res, record) }],
    [REVOKE_PATH, { kind: 'revoke', methods: ['POST'], handler: (req, res, record) => handleRevocationRequest(auth, req, res, record) }],
  ]);

  async function serve(route: Route, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const record = log.start(route.kind, req.method ?? 'GET');
    try {
      if (!route.methods.includes(req.method ?? '')) {
        res.writeHead(405, { allow: route.methods.join(', ') }).end();
        return;
      }
      await route.handler(req, res, record);
    } catch (error) {
      if (error instanceof OAuthFailure) {
        record.error = error.error;
        if (!res.headersSent) writeOAuthFailure(res, error);
      } else {
        record.error = 'server_error';
        logger.error('example authorization server request failed', { error, path: req.url?.split('?', 1)[0] });
        if (!res.headersSent) writeJson(res, 500, { error: 'server_error', error_description: 'The example authorization server failed; see its log.' });
        else res.destroy();
      }
    } finally {
      record.status = res.statusCode;
    }
  }

  return {
    guard: createResourceGuard(auth),
    route(path) {
      const route = routes.get(path);
      return route === undefined ? undefined : (req, res) => serve(route, req, res);
    },
    controls: {
      issuer: site.issuer,
      resource: site.resource,
      resourceMetadataUrl: site.resourceMetadataUrl,
      requests: (kind) => log.list(kind),
      revokeAll: () => auth.grants.revokeAll(),
      expireAccessTokens: () => auth.grants.expireAccessTokens(),
      expireRefreshTokens: () => auth.grants.expireRefreshTokens(),
      rejectClient: (clientId) => auth.clients.reject(clientId),
      setRequiredScope: (tool, scope) => auth.scopes.require(tool, scope),
      preRegister: (client) => auth.clients.preRegister(client),
    },
  };
}
