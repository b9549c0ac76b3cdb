/**
 * The example MCP server over Streamable HTTP at `/mcp` on a plain `node:http` server.
 *
 * One URL serves both protocol eras. A request is routed by the SDK's own era
 * classification (`isLegacyRequest`):
 * - 2025-era traffic (`initialize`, then requests carrying `Mcp-Session-Id`, GET streams,
 *   DELETE) goes to stateful sessions, one `McpServer` per session;
 * - 2026-07-28 traffic (requests carrying the per-request `_meta` envelope, including the
 *   `server/discover` probe) goes to the SDK's `createMcpHandler`, which builds a fresh
 *   `McpServer` per request and serves `subscriptions/listen` for change notifications.
 *
 * With `auth`, the same listener also serves the authorization server (`auth/`) and
 * every MCP request must carry one of its access tokens.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localhostHostValidation, localhostOriginValidation, toNodeHandler, toWebRequest } from '@modelcontextprotocol/node';
import { type AuthInfo, createMcpHandler, DEFAULT_MAX_REQUEST_BODY_SIZE, isJsonContentType, isLegacyRequest } from '@modelcontextprotocol/server';
import { PatchbayError } from '../core/errors.ts';
import { type Logger, silentLogger } from '../core/log.ts';
import { createExampleAuthServer, type ExampleAuthServer } from './auth/example-auth.ts';
import { type ExampleAuthControls, type ExampleAuthOptions, resolveAuthOptions } from './auth/options.ts';
import { ADMIN_SCOPE, ADMIN_TOOL_NAME } from './auth/scopes.ts';
import { buildExampleMcpServer } from './build-server.ts';
import { type CatalogChange, createExampleCatalog, type ExtraResource } from './catalog.ts';
import { readRequestText, writeJsonRpcError } from './http-replies.ts';
import { FIXED_RESOURCE_URIS } from './resources.ts';
import { createLegacySessions } from './sessions.ts';
import { FIXED_TOOL_NAMES } from './tools.ts';

export const MCP_PATH = '/mcp';
const DEFAULT_PAGE_SIZE = 10;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Runs before every request to the MCP endpoint. Resolve with the caller's `AuthInfo`
 * (handed to MCP handlers as `ctx.http.authInfo`) or `undefined` to let the request in
 * anonymously; resolve with `false` after answering `res` yourself (401, 403) to stop it.
 */
export type ExampleServerAuthenticator = (req: IncomingMessage, res: ServerResponse) => Promise<AuthInfo | undefined | false>;

export interface ExampleServerOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** Resources per `resources/list` page. Default 10. */
  pageSize?: number;
  logger?: Logger;
  /** Seam for authentication; omitted, every request is let in. */
  authenticate?: ExampleServerAuthenticator;
  /**
   * Protects the MCP endpoint with the built-in OAuth 2.1 authorization server, served
   * from the same origin, and adds the tool `admin_action` (needs `mcp:admin`).
   * Cannot be combined with `authenticate`.
   */
  auth?: ExampleAuthOptions;
}

export interface ExampleServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:54321/mcp`. */
  readonly url: string;
  readonly port: number;
  /** Closes every session, open stream and connection, then the listener. */
  close(): Promise<void>;
  /** Registers a tool (it answers with its own name); connected clients get tools/list_changed. */
  addTool(name: string, description?: string): void;
  /** Removes a tool added at runtime; false when there was none by that name. */
  removeTool(name: string): boolean;
  /** Changes a tool's description; connected clients get tools/list_changed. */
  setToolDescription(name: string, description: string): void;
  /** Adds a text resource; connected clients get resources/list_changed. */
  addResource(resource: ExtraResource): void;
  /** Drops every session server-side: the next request with an old `Mcp-Session-Id` gets 404. */
  forgetSessions(): Promise<void>;
  /** Live 2025-era sessions (2026-07-28 traffic keeps none). */
  sessionCount(): number;
  /** The authorization server's test controls, when started with `auth`. */
  readonly auth?: ExampleAuthControls;
}

/** An example server started with `auth`. */
export interface AuthenticatedExampleServer extends ExampleServer {
  readonly auth: ExampleAuthControls;
}

function formatUrl(host: string, port: number): string {
  const reachable = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
  return `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}${MCP_PATH}`;
}

export function startExampleServer(options: ExampleServerOptions & { auth: ExampleAuthOptions }): Promise<AuthenticatedExampleServer>;
export function startExampleServer(options?: ExampleServerOptions): Promise<ExampleServer>;
export async function startExampleServer(options: ExampleServerOptions = {}): Promise<ExampleServer> {
  const host = options.host ?? '127.0.0.1';
  const logger = options.logger ?? silentLogger;
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(pageSize) || pageSize < 1) throw new PatchbayError('VALIDATION_FAILED', `pageSize must be a whole number of at least 1, not ${pageSize}.`);
  if (options.auth !== undefined && options.authenticate !== undefined) {
    throw new PatchbayError('VALIDATION_FAILED', 'Give either auth (the built-in authorization server) or authenticate (your own check), not both.');
  }
  const authOptions = options.auth === undefined ? undefined : resolveAuthOptions(options.auth);
  // created once the port, and so the issuer, is known; nothing is served before that
  let authServer: ExampleAuthServer | undefined;

  const catalog = createExampleCatalog(pageSize, FIXED_TOOL_NAMES, FIXED_RESOURCE_URIS);
  if (authOptions !== undefined) catalog.addTool(ADMIN_TOOL_NAME, `An administrative action that only answers with its name; calling it needs the ${ADMIN_SCOPE} scope.`);
  const build = () => buildExampleMcpServer(catalog, logger);
  const sessions = createLegacySessions(build, logger);
  const modern = createMcpHandler(() => build().mcp, { legacy: 'reject', onerror: (error) => logger.debug('2026-07-28 request failed', { error }) });
  const serveModern = toNodeHandler(modern, { onerror: (error) => logger.warn('2026-07-28 request failed', { error }) });

  const stopWatchingCatalog = catalog.subscribe((change: CatalogChange) => {
    sessions.broadcast(change);
    if (change.kind === 'resource-added') modern.notify.resourcesChanged();
    else modern.notify.toolsChanged();
  });

  // DNS rebinding protection only makes sense when the server is meant to be local
  const guards = LOOPBACK_HOSTS.has(host) ? [localhostHostValidation(), localhostOriginValidation()] : [];

  async function serveMcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const guard of guards) if (!guard(req, res)) return;
    const authenticate = authServer?.guard.authenticate ?? options.authenticate;
    let authInfo: AuthInfo | undefined;
    if (authenticate) {
      const auth = await authenticate(req, res);
      if (auth === false) return;
      authInfo = auth;
      // both SDK transports read the caller's identity from `req.auth`
      if (auth !== undefined) (req as IncomingMessage & { auth?: AuthInfo }).auth = auth;
    }
    // 2026-07-28 sends everything as POST; body-less GET and DELETE are 2025 session operations
    if (req.method !== 'POST') return sessions.handle(req, res, undefined);
    if (!isJsonContentType(req.headers['content-type'])) return writeJsonRpcError(res, 415, -32000, 'Unsupported Media Type: send the JSON-RPC message as application/json.');
    const text = await readRequestText(req, DEFAULT_MAX_REQUEST_BODY_SIZE);
    if (text === 'too-large') return writeJsonRpcError(res, 413, -32000, `Payload Too Large: a request body may be at most ${DEFAULT_MAX_REQUEST_BODY_SIZE} bytes.`, undefined, { connection: 'close' });
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return writeJsonRpcError(res, 400, -32700, 'Parse error: the request body is not valid JSON.');
    }
    // per-tool scopes can only be checked once the body says which tool is called
    if (authServer !== undefined && authInfo !== undefined && !authServer.guard.authorize(res, body, authInfo)) return;
    if (await isLegacyRequest(await toWebRequest(req, body), body)) return sessions.handle(req, res, body);
    return serveModern(req, res, body);
  }

  const httpServer = createServer((req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== MCP_PATH) {
      const serveAuth = authServer?.route(path);
      if (serveAuth === undefined) return writeJsonRpcError(res, 404, -32000, `Not found: the MCP endpoint is ${MCP_PATH}.`);
      return void serveAuth(req, res);
    }
    if (authOptions !== undefined && authServer === undefined) return writeJsonRpcError(res, 503, -32000, 'The example server is still starting; try again.');
    serveMcp(req, res).catch((error: unknown) => {
      logger.error('example server request failed', { error });
      if (!res.headersSent) writeJsonRpcError(res, 500, -32603, 'Internal error in the example server.');
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', (error) => reject(new PatchbayError('CONFIG_INVALID', `The example server cannot listen on ${host}:${options.port ?? 0} (${error.message}). Choose another port or host.`, { cause: error })));
    httpServer.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = httpServer.address() as AddressInfo;
  const url = formatUrl(host, port);
  if (authOptions !== undefined) authServer = createExampleAuthServer(authOptions, url, logger);
  logger.info('example server listening', { url, auth: authServer !== undefined });

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= (async () => {
        stopWatchingCatalog();
        const listenerClosed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
        await Promise.all([sessions.closeAll(), modern.close()]);
        // whatever is still open now is a stream the client keeps alive: cut it
        httpServer.closeAllConnections();
        await listenerClosed;
      })();
      return closing;
    },
    addTool: (name, description) => catalog.addTool(name, description),
    removeTool: (name) => catalog.removeTool(name),
    setToolDescription: (name, description) => catalog.setToolDescription(name, description),
    addResource: (resource) => catalog.addResource(resource),
    forgetSessions: () => sessions.closeAll(),
    sessionCount: () => sessions.count(),
    auth: authServer?.controls,
  };
}
