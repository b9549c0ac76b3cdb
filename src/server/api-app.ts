import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { PatchbayError, toPatchbayError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { AccessTokens, Actor, Chat, Hub, ModelEndpoints } from '../hub/index.ts';
import { apiCallerGuard, BrowserSessions, browserLoginRoutes } from './browser-session.ts';
import { hostAndOriginGuard, jsonBodies } from './guards.ts';
import { connectorRoutes } from './routes/connectors.ts';
import { chatRoutes, modelRoutes } from './routes/chat.ts';
import { doctorRoutes } from './routes/doctor.ts';
import { oauthRoutes } from './routes/oauth.ts';
import { approvalAndAuditRoutes, toolPolicyRoutes } from './routes/policy.ts';
import { operationRoutes } from './routes/operations.ts';
import { tokenRoutes } from './routes/tokens.ts';
import type { Gateway } from './gateway/gateway-routes.ts';
import { securityHeaders } from './security-headers.ts';
import { webAppHandler } from './web-app.ts';

export interface ApiAppOptions {
  hub: Hub;
  /** Personal access tokens: served at /api/tokens, and what the gateway checks. */
  tokens?: AccessTokens;
  /** The gateway, served at /mcp (its callers send personal access tokens). */
  gateway?: Gateway;
  actor: (door: 'api') => Actor;
  accessToken: string;
  allowedHosts: string[];
  allowedOrigins: string[];
  logger: Logger;
  version: string;
  /** The built web app to serve at `/` (`web/dist`); omitted, only the API and OAuth routes are served. */
  webRoot?: string;
  /** Patchbay is reached over https: the browser session cookies get `Secure`. */
  secureCookies?: boolean;
  /** The chat and its model endpoints, served under /api/chat and /api/models. */
  chat?: Chat;
  models?: ModelEndpoints;
}

export type ApiEnv = { Variables: { actor: Actor } };

/** The JSON API: `{ "error": { "code", "message" } }` on failure, one status table for all codes. */
export function createApiApp(options: ApiAppOptions): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.onError((error, c) => {
    const err = toPatchbayError(error);
    if (err.code === 'INTERNAL') options.logger.error('unhandled error in API', { path: c.req.path, error: error });
    return c.json({ error: err.toJSON() }, err.status as ContentfulStatusCode);
  });
  app.notFound((c) => c.json({ error: { code: 'NOT_FOUND', message: `No API route ${c.req.method} ${c.req.path}.` } }, 404));

  app.use('*', securityHeaders());
  app.use('*', hostAndOriginGuard({ allowedHosts: options.allowedHosts, allowedOrigins: options.allowedOrigins }));
  app.get('/api/health', (c) => c.json({ ok: true, version: options.version }));
  app.route('/oauth', oauthRoutes(options.hub));
  if (options.gateway) app.route('/mcp', options.gateway.routes);
  const sessions = new BrowserSessions({
    accessToken: options.accessToken,
    userId: options.actor('api').userId,
    allowedOrigins: options.allowedOrigins,
    secureCookies: options.secureCookies,
  });
  app.route('/', browserLoginRoutes(sessions));
  app.use('/api/*', apiCallerGuard(sessions));
  app.use('/api/*', jsonBodies());
  app.use('/api/*', async (c, next) => {
    c.set('actor', options.actor('api'));
    await next();
  });
  app.route('/api/connectors', connectorRoutes(options.hub));
  app.route('/api/connectors', operationRoutes(options.hub));
  app.route('/api/connectors', toolPolicyRoutes(options.hub));
  app.route('/api', approvalAndAuditRoutes(options.hub));
  app.route('/api', doctorRoutes(options.hub));
  if (options.tokens) app.route('/api/tokens', tokenRoutes(options.tokens));
  if (options.models) app.route('/api/models', modelRoutes(options.models));
  if (options.chat) app.route('/api/chat/conversations', chatRoutes(options.chat, options.logger));
  if (options.webRoot !== undefined) app.get('*', webAppHandler({ root: options.webRoot }));
  return app;
}

/** Reads and parses a JSON body (empty body → `{}`), with a typed error for broken JSON. */
export async function readJson(req: { text(): Promise<string> }): Promise<unknown> {
  const text = await req.text();
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new PatchbayError('VALIDATION_FAILED', 'The request body is not valid JSON.');
  }
}
