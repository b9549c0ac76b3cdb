import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import {
  type AuthInfo,
  isInitializeRequest,
  isLegacyRequest,
  type Server,
  type ServerContext,
  WebStandardStreamableHTTPServerTransport,
} from '@modelcontextprotocol/server';
import { type Context, Hono } from 'hono';
import { PatchbayError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { AccessTokens, CatalogChange, Hub, ModelTool } from '../../hub/index.ts';
import type { ChangeFeed } from '../../store/index.ts';
import {
  abortedOnClose,
  answerFast,
  cancelledRequestId,
  declaresParamHeaders,
  type FastHeaders,
  type FastRequest,
  fastRequestOf,
  nodeOf,
  sendJson,
  setsLogLevel,
  statelessFastRequestOf,
  writeJson,
} from './gateway-fast-path.ts';
import { GatewayPolicy } from './gateway-policy.ts';
import { buildGatewayServer, type GatewayServerOptions } from './gateway-server.ts';
import { type GatewayScope, GatewayView } from './gateway-view.ts';
import { ResourceSubscriptions, type Subscriber } from './gateway-subscriptions.ts';
import { HeldCalls } from './held-calls.ts';
import { KeyCounts } from '../../core/key-counts.ts';
import { isListenRequest, MAX_LISTEN_RESOURCES, resourceSubscriptionsOf, tooManyListenResources, withResourceSubscriptions } from './listen-filter.ts';
import { createUserScopedMcpHandler, ListenStream } from './user-scoped-handler.ts';
import { isJsonType } from '../guards.ts';

export interface GatewayOptions {
  hub: Hub;
  tokens: AccessTokens;
  logger: Logger;
  /** The store's change feed: what the gateway keeps in memory is dropped when it moves. */
  changes: ChangeFeed;
  version: string;
  /** A downstream session unused this long is closed. */
  sessionIdleMs?: number;
  /** How long a call to a tool at Ask waits for an answer in Patchbay when the client cannot elicit; 0 refuses at once. */
  approvalWaitMs?: number;
  /** How long a call whose server asked a 2026-07-28 client something is held for the client's retry. */
  inputWaitMs?: number;
}

export interface Gateway {
  /** Mounted at `/mcp`: `/`, `/p/:project`, `/c/:connector`. */
  routes: Hono;
  /** The same endpoint's fast path on Node's server, ahead of the Hono app (see `nodeFront` below). */
  nodeFront(options: NodeFrontOptions): (req: IncomingMessage, res: ServerResponse) => boolean;
  view: GatewayView;
  /** Open 2025-11-25 sessions. */
  sessionCount(): number;
  close(): Promise<void>;
}

export interface NodeFrontOptions {
  /** Whether the request's Host and Origin are ours (the app's own guard, before anything else). */
  admits(host: string | undefined, origin: string | undefined): boolean;
  /** The Hono app's Node listener: every request the front does not answer goes there. */
  fallback(req: IncomingMessage, res: ServerResponse): void;
}

interface FrontRoute {
  /** The route's path under `/mcp`, as the Hono routes name it. */
  path: string;
  extra: Partial<GatewayScope>;
}

interface Session {
  server: Server;
  transport: WebStandardStreamableHTTPServerTransport;
  tokenId: string;
  userId: string;
  path: string;
  lastUsed: number;
  scope: GatewayScope;
  /** Calls answered on the fast path and still running, by JSON-RPC id (a cancellation finds them here). */
  inFlight: Map<string | number, AbortController>;
  /** The client asked for log messages (logging/setLevel): its calls take the stream path, where the server's log lines can reach it. */
  wantsLogs: boolean;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Of those, how many are being subscribed at once. */
const LISTEN_SUBSCRIBES_AT_ONCE = 8;
/** Listen streams one person may hold open at once (the SDK takes 1024 in all). */
const MAX_LISTEN_STREAMS_PER_USER = 32;
/**
 * 2025-11-25 sessions one person may hold open at once (each an SDK server, about 30 KB,
 * and its subscriptions); past it, their least recently used session ends.
 */
const MAX_SESSIONS_PER_USER = 256;

/**
 * The gateway endpoint: a person's connectors as one MCP server over Streamable HTTP,
 * for callers holding a personal access token. 2025-11-25 clients get a session (one
 * SDK server each, found again by `Mcp-Session-Id`, owned by the token that opened it);
 * 2026-07-28 requests are served statelessly. The incoming token goes no further.
 */
export function createGateway(options: GatewayOptions): Gateway {
  const { hub, tokens, logger } = options;
  const view = new GatewayView(hub, logger, options.changes);
  const policy = new GatewayPolicy({ hub, view, approvalWaitMs: options.approvalWaitMs ?? 50_000 });
  const sessions = new Map<string, Session>();
  /** Per person, listen requests being answered (their streams are not on the bus yet). */
  const listensOpening = new KeyCounts<string>();
  // Held in this process: with several replicas, a 2026-07-28 client's retry must reach this one (sticky routing).
  const held = new HeldCalls({ holdMs: options.inputWaitMs ?? 60_000 });
  const serverOptions: GatewayServerOptions = {
    hub,
    view,
    version: options.version,
    callTool: (scope, tool, args, control, asking) => policy.callTool(scope, tool, args, control, asking),
    held,
    subscriptions: new ResourceSubscriptions(hub, view),
  };
  // Declares resource subscriptions where a connector in reach takes them: a listen stream then honors them.
  const modern = createUserScopedMcpHandler(async (ctx) => buildGatewayServer(scopeOf(ctx.authInfo), serverOptions, { subscribable: await view.offersSubscriptions(scopeOf(ctx.authInfo)) }), {
    userOf: (authInfo) => scopeOf(authInfo).userId,
    legacy: 'reject',
    onerror: (error) => logger.debug('gateway request failed', { error }),
  });

  const unsubscribe = hub.onCatalogChanged((change: CatalogChange) => {
    for (const session of sessions.values()) if (session.userId === change.userId) void notifyChanged(session.server, change).catch(() => {});
    // A stateless client hears only of its own person's catalogs.
    modern.notifyCatalogChanged(change);
  });
  const idleMs = options.sessionIdleMs ?? 30 * 60_000;
  const sweeper = setInterval(
    () => {
      const cutoff = Date.now() - idleMs;
      for (const [id, session] of sessions) {
        if (session.lastUsed < cutoff) {
          sessions.delete(id);
          void session.server.close().catch(() => {});
        }
      }
    },
    Math.min(idleMs, 60_000),
  );
  sweeper.unref();

  const routes = new Hono();
  const handle = async (c: Context, path: string, scopeOf: (grant: { userId: string; tokenId: string; projects: string[] | null }) => GatewayScope): Promise<Response> => {
    const request = c.req.raw;
    const grant = await authenticate(tokens, request);
    const scope = scopeOf({ userId: grant.userId, tokenId: grant.token.id, projects: grant.projects });
    await view.check(scope);
    const parsedBody = request.method === 'POST' ? await readJsonBody(request) : undefined;
    const sessionId = request.headers.get('mcp-session-id');
    if (sessionId !== null) {
      const session = ownedSession(sessionId, scope, path);
      if (!session) {
        return jsonRpcError(404, -32001, 'Session not found: it has ended or belongs to another token. Send initialize to start a new session.', parsedBody);
      }
      session.lastUsed = Date.now();
      if (request.method === 'POST') {
        if (setsLogLevel(parsedBody)) session.wantsLogs = true;
        const fast = fastOnSession(session, parsedBody, fastHeadersOf(request.headers));
        if (fast) return sendJson(c, await answerFast(serverOptions, session, fast, abortedOnClose(nodeOf(c)?.outgoing)), sessionId);
        // A call on the fast path is not known to the SDK's server: its cancellation is delivered here (and passed on).
        const cancelled = cancelledRequestId(parsedBody);
        if (cancelled !== undefined) session.inFlight.get(cancelled)?.abort();
      }
      answerAsJson(session, parsedBody);
      return session.transport.handleRequest(request, { parsedBody });
    }
    if (request.method === 'POST' && !(await isLegacyRequest(request, parsedBody))) {
      const fast = await fastStateless(scope, parsedBody, fastHeadersOf(request.headers));
      if (fast) return sendJson(c, await answerFast(serverOptions, { scope, inFlight: new Map() }, fast, abortedOnClose(nodeOf(c)?.outgoing), 'modern'), undefined);
      const authInfo: AuthInfo = { token: scope.tokenId, clientId: scope.tokenId, scopes: [], extra: { scope } };
      if (isListenRequest(parsedBody)) {
        // Streams still opening count too: a resource listen subscribes first, which can take a while.
        if (modern.bus.listenerCount(scope.userId) + listensOpening.get(scope.userId) >= MAX_LISTEN_STREAMS_PER_USER) {
          return jsonRpcError(429, -32603, `Too many subscriptions/listen streams: at most ${MAX_LISTEN_STREAMS_PER_USER} may be open at once for one person. Close one (or combine their filters) and listen again.`, parsedBody);
        }
        listensOpening.add(scope.userId);
        try {
          const resources = resourceSubscriptionsOf(parsedBody);
          return await (resources ? listenForResources(request, parsedBody, authInfo, scope, resources) : modern.fetch(request, { parsedBody, authInfo }));
        } finally {
          listensOpening.remove(scope.userId);
        }
      }
      return modern.fetch(request, { parsedBody, authInfo });
    }
    if (request.method === 'POST' && (Array.isArray(parsedBody) ? parsedBody.some((m) => isInitializeRequest(m)) : isInitializeRequest(parsedBody))) {
      return openSession(request, parsedBody, scope, path);
    }
    if (request.method === 'GET' || request.method === 'DELETE') {
      return jsonRpcError(400, -32000, 'Bad Request: no Mcp-Session-Id header. Send initialize first to start a session.', undefined);
    }
    return jsonRpcError(400, -32000, 'Bad Request: send initialize first to start a session (or use protocol 2026-07-28, which needs none).', parsedBody);
  };

  /**
   * A 2026-07-28 `subscriptions/listen` asking for resource updates. Each URI is subscribed
   * at its connector's server, as a 2025-11-25 session's resources/subscribe is, and the
   * stream hears exactly the updates of those; a URI that cannot be (not one the gateway
   * gave, a connector that takes no subscriptions, a server that refused) is left out of
   * the acknowledgment, which is how the client learns what it will hear. The server
   * subscriptions end with the stream.
   */
  const listenForResources = async (request: Request, parsedBody: unknown, authInfo: AuthInfo, scope: GatewayScope, uris: string[]): Promise<Response> => {
    const subscriptions = serverOptions.subscriptions;
    if (uris.length > MAX_LISTEN_RESOURCES) {
      return jsonRpcError(400, -32602, tooManyListenResources(uris.length), parsedBody);
    }
    if (!subscriptions || !(await view.offersSubscriptions(scope))) return modern.fetch(request, { parsedBody, authInfo });
    const stream = new ListenStream(() => void subscriptions.drop(subscriber));
    const subscriber: Subscriber = { scope, notify: (uri) => modern.bus.publishToStream(stream, { kind: 'resource_updated', uri }) };
    const honored = new Set<string>();
    // A few at a time, and no more once the client has gone.
    const queue = [...uris];
    const subscribeNext = async (): Promise<void> => {
      for (let uri = queue.shift(); uri !== undefined && !request.signal.aborted; uri = queue.shift()) {
        try {
          await subscriptions.subscribe(subscriber, uri);
          honored.add(uri);
        } catch (error) {
          logger.debug('a listen stream could not subscribe to a resource', { error });
        }
      }
    };
    await Promise.all(Array.from({ length: LISTEN_SUBSCRIBES_AT_ONCE }, subscribeNext));
    try {
      return await modern.listen(request, { parsedBody: withResourceSubscriptions(parsedBody, uris.filter((uri) => honored.has(uri))), authInfo }, stream);
    } finally {
      // Refused (a bad filter, too many streams), or gone already: nothing holds the server subscriptions.
      if (!stream.open) void subscriptions.drop(subscriber);
    }
  };

  /** The session, when it belongs to the token and endpoint that opened it: to anyone else it does not exist. */
  const ownedSession = (sessionId: string, scope: GatewayScope, path: string): Session | undefined => {
    const session = sessions.get(sessionId);
    return session && session.tokenId === scope.tokenId && session.path === path ? session : undefined;
  };

  /** A session's request the fast path answers (see `fastRequestOf`); none once the client asked for log lines, which travel on the stream. */
  const fastOnSession = (session: Session, body: unknown, headers: FastHeaders): FastRequest | undefined =>
    session.wantsLogs ? undefined : fastRequestOf(body, headers, session.server.getClientCapabilities());

  /**
   * A stateless request the fast path answers (see `statelessFastRequestOf`), with its
   * tool: known here, and declaring no Mcp-Param headers (those need the SDK's cross-check).
   */
  const fastStateless = async (scope: GatewayScope, body: unknown, headers: FastHeaders): Promise<FastRequest | undefined> => {
    const fast = statelessFastRequestOf(body, headers);
    if (!fast) return undefined;
    const tool: ModelTool | undefined = await view.resolveTool(scope, fast.name).catch(() => undefined);
    return tool && !declaresParamHeaders(tool.definition.inputSchema) ? { ...fast, tool } : undefined;
  };

  /**
   * The gateway's front door on Node's own server, ahead of Hono: a POST that can only be
   * a fast-path call (to a session, or a stateless tools/call) is read, checked and
   * answered here, without a web Request, the router or the middleware chain, which cost
   * more than the rest of the hop. It takes the request only when the route, the JSON body
   * (of a declared length), the Host and Origin, the token, the scope and the request's
   * shape all hold; anything else — a refusal, an error, any other request — goes on to
   * `fallback` (the Hono app) with the body already read, which answers it exactly as it
   * would have (its errors included). Returns whether it took the request.
   */
  const nodeFront = (front: NodeFrontOptions) => (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'POST') return false;
    const route = frontRouteOf(req.url);
    const { headers } = req;
    const sessionId = headers['mcp-session-id'];
    if (!route || (typeof sessionId !== 'string' && headers['mcp-method'] !== 'tools/call')) return false;
    const length = Number(headers['content-length']);
    if (!(length > 0 && length <= MAX_BODY_BYTES) || !isJsonType(headers['content-type']) || !front.admits(headers.host, headers.origin)) return false;
    const session = typeof sessionId === 'string' ? sessionId : undefined;
    void (async () => {
      const raw = await readBody(req, length);
      if (raw === undefined) return void res.destroy();
      const fast = await frontCall(route, session, headers, raw).catch(() => undefined);
      if (!fast) {
        // Hono's request reader takes a body already read from here.
        (req as IncomingMessage & { rawBody?: Buffer }).rawBody = raw;
        return front.fallback(req, res);
      }
      writeJson(res, await fast(abortedOnClose(res)), session);
    })().catch((error: unknown) => {
      logger.debug('gateway request failed', { error });
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'INTERNAL', message: 'The gateway failed to answer this request.' } }));
      else res.destroy();
    });
    return true;
  };

  /** The front's call, when every check holds: the same checks, in the same order, as `handle`. */
  const frontCall = async (route: FrontRoute, sessionId: string | undefined, headers: IncomingHttpHeaders, raw: Buffer): Promise<((controller: AbortController) => Promise<string>) | undefined> => {
    const body: unknown = JSON.parse(raw.toString('utf8'));
    const grant = await tokens.verify(bearerOf(headers.authorization));
    const scope = fromGrant(route.extra)({ userId: grant.userId, tokenId: grant.token.id, projects: grant.projects });
    await view.check(scope);
    const fastHeaders = fastHeadersOf(headers);
    if (sessionId === undefined) {
      const fast = await fastStateless(scope, body, fastHeaders);
      return fast && ((controller) => answerFast(serverOptions, { scope, inFlight: new Map() }, fast, controller, 'modern'));
    }
    const session = ownedSession(sessionId, scope, route.path);
    if (!session) return undefined;
    const fast = fastOnSession(session, body, fastHeaders);
    if (!fast) return undefined;
    session.lastUsed = Date.now();
    return (controller) => answerFast(serverOptions, session, fast, controller);
  };

  /**
   * A person at the session limit: one of their sessions ends, so a new one can start —
   * the least recently used of the opening token's own when it has any (a client that opens
   * a session per call and never ends them pushes out its own, not the person's other
   * clients'), else the person's; sessions with calls in flight last. Clients that never
   * end their sessions (most just stop using them) are not locked out; one that comes back
   * to an ended session is told 404 and starts a new one.
   */
  const endLeastRecentlyUsed = (scope: GatewayScope): void => {
    let count = 0;
    let oldest: [string, Session] | undefined;
    const rank = (session: Session) => [session.tokenId === scope.tokenId ? 0 : 1, session.inFlight.size > 0 ? 1 : 0, session.lastUsed];
    const before = (a: Session, b: Session) => {
      const [x, y] = [rank(a), rank(b)];
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i] < y[i];
      return false;
    };
    for (const entry of sessions) {
      if (entry[1].userId !== scope.userId) continue;
      count++;
      if (!oldest || before(entry[1], oldest[1])) oldest = entry;
    }
    if (count < MAX_SESSIONS_PER_USER || !oldest) return;
    sessions.delete(oldest[0]);
    void oldest[1].server.close().catch(() => {});
  };

  const openSession = async (request: Request, parsedBody: unknown, scope: GatewayScope, path: string): Promise<Response> => {
    // Capabilities are fixed at initialize: subscriptions are offered when a connector in reach takes them.
    const subscriber: Subscriber | undefined = (await view.offersSubscriptions(scope))
      ? { scope, notify: (uri) => void server.sendResourceUpdated({ uri }).catch(() => {}) }
      : undefined;
    const server = buildGatewayServer(scope, serverOptions, { subscriber });
    const inFlight = new Map<string | number, AbortController>();
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        endLeastRecentlyUsed(scope);
        sessions.set(id, { server, transport, tokenId: scope.tokenId, userId: scope.userId, path, lastUsed: Date.now(), scope, inFlight, wantsLogs: false });
      },
      onsessionclosed: (id) => {
        sessions.delete(id);
      },
    });
    server.onclose = () => {
      if (transport.sessionId !== undefined) sessions.delete(transport.sessionId);
      for (const call of inFlight.values()) call.abort();
      if (subscriber) void serverOptions.subscriptions?.drop(subscriber);
    };
    server.onerror = (error) => logger.debug('gateway session error', { error });
    await server.connect(transport);
    return transport.handleRequest(request, { parsedBody });
  };

  const fromGrant = (extra: Partial<GatewayScope>) => (g: { userId: string; tokenId: string; projects: string[] | null }): GatewayScope => ({
    userId: g.userId,
    tokenId: g.tokenId,
    tokenProjects: g.projects,
    ...extra,
  });
  const serve = (c: Context, path: string, extra: Partial<GatewayScope>) =>
    handle(c, path, fromGrant(extra)).catch((error: unknown) => {
      const request = c.req.raw;
      if (!(error instanceof PatchbayError) || error.code !== 'UNAUTHENTICATED') throw error;
      // RFC 6750 §3: a refused Bearer token is answered with a challenge.
      const challenge = request.headers.has('authorization') ? 'Bearer realm="patchbay", error="invalid_token"' : 'Bearer realm="patchbay"';
      return new Response(JSON.stringify({ error: error.toJSON() }), { status: 401, headers: { 'content-type': 'application/json', 'www-authenticate': challenge } });
    });
  routes.all('/', (c) => serve(c, '/', {}));
  routes.all('/p/:project', (c) => serve(c, `/p/${c.req.param('project')}`, { project: c.req.param('project') }));
  routes.all('/c/:connector', (c) => serve(c, `/c/${c.req.param('connector')}`, { connector: c.req.param('connector') }));

  return {
    routes,
    nodeFront,
    view,
    sessionCount: () => sessions.size,
    async close() {
      clearInterval(sweeper);
      unsubscribe();
      held.close();
      serverOptions.subscriptions?.close();
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.all(open.map((s) => s.server.close().catch(() => {})));
      await modern.close();
    },
  };
}

/**
 * A plain JSON answer costs far less than an SSE stream (no web stream, no event framing),
 * so a request that cannot need a stream gets one: a single request asking for no
 * progress, which is not a tool call the server might have to ask the person about
 * (elicitation travels on the request's stream), from a client that did not ask for log
 * lines (they travel there too). The transport reads the setting when it
 * takes the request, before any other request can run, so setting it just before is safe.
 */
function answerAsJson(session: Session, body: unknown): void {
  const transport = session.transport as unknown as { _enableJsonResponse?: boolean };
  if (typeof transport._enableJsonResponse !== 'boolean') return;
  let json = false;
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const message = body as { method?: unknown; params?: { _meta?: { progressToken?: unknown } } };
    const asks = message.method === 'tools/call' && (session.server.getClientCapabilities()?.elicitation !== undefined || session.server.getClientCapabilities()?.sampling !== undefined);
    json = typeof message.method === 'string' && message.params?._meta?.progressToken === undefined && !asks && !session.wantsLogs;
  }
  transport._enableJsonResponse = json;
}

function fastHeadersOf(headers: Headers | IncomingHttpHeaders): FastHeaders {
  const get =
    headers instanceof Headers
      ? (name: string) => headers.get(name)
      : (name: string) => {
          const value = headers[name];
          return typeof value === 'string' ? value : null;
        };
  return { accept: get('accept'), protocolVersion: get('mcp-protocol-version'), method: get('mcp-method'), name: get('mcp-name') };
}

/** A route the front may take: `/mcp`, `/mcp/p/<project>` or `/mcp/c/<connector>`, plainly spelled (no query, no escapes); Hono routes anything else. */
function frontRouteOf(url: string | undefined): FrontRoute | undefined {
  if (url === '/mcp') return { path: '/', extra: {} };
  const match = /^\/mcp\/([pc])\/([A-Za-z0-9._~-]+)$/.exec(url ?? '');
  if (!match) return undefined;
  const name = match[2];
  return match[1] === 'p' ? { path: `/p/${name}`, extra: { project: name } } : { path: `/c/${name}`, extra: { connector: name } };
}

/**
 * The request's body, of the declared length; undefined when it is longer or shorter, or
 * the request fails or is cut off. Read with listeners: the body of a small POST arrives
 * with its headers, and an async iterator over the stream took several turns more.
 */
function readBody(req: IncomingMessage, length: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (body: Buffer | undefined) => {
      req.off('data', onData).off('end', onEnd).off('error', onFail).off('close', onFail);
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > length) {
        finish(undefined);
        req.destroy();
      } else chunks.push(chunk);
    };
    const onEnd = () => finish(size === length ? (chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)) : undefined);
    const onFail = () => finish(undefined);
    req.on('data', onData).once('end', onEnd).once('error', onFail).once('close', onFail);
  });
}

function bearerOf(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

/** The scope the gateway handed the SDK with a stateless request (never taken from the client). */
function scopeOf(authInfo: AuthInfo | undefined): GatewayScope {
  const scope = (authInfo?.extra as { scope?: GatewayScope } | undefined)?.scope;
  if (!scope) throw new PatchbayError('INTERNAL', 'A gateway request reached the MCP server without its token’s scope.');
  return scope;
}

async function notifyChanged(server: Server, change: CatalogChange): Promise<void> {
  if (change.kinds.includes('tools')) await server.sendToolListChanged();
  if (change.kinds.includes('prompts')) await server.sendPromptListChanged();
  if (change.kinds.includes('resources') || change.kinds.includes('resourceTemplates')) await server.sendResourceListChanged();
}

/** The grant of the request's Bearer token; `UNAUTHENTICATED` (401 with a challenge) otherwise. */
async function authenticate(tokens: AccessTokens, request: Request) {
  return tokens.verify(bearerOf(request.headers.get('authorization') ?? undefined));
}

async function readJsonBody(request: Request): Promise<unknown> {
  if (!isJsonType(request.headers.get('content-type') ?? undefined)) throw new PatchbayError('UNSUPPORTED_MEDIA_TYPE', 'MCP requests must be JSON: send Content-Type: application/json.');
  const length = Number(request.headers.get('content-length') ?? 0);
  if (length > MAX_BODY_BYTES) throw new PatchbayError('VALIDATION_FAILED', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) throw new PatchbayError('VALIDATION_FAILED', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
  try {
    return JSON.parse(text);
  } catch {
    throw new PatchbayError('VALIDATION_FAILED', 'The request body is not valid JSON.', { details: { jsonRpcCode: -32700 } });
  }
}

function jsonRpcError(status: number, code: number, message: string, body: unknown): Response {
  const id = body && typeof body === 'object' && !Array.isArray(body) && 'id' in body ? (body as { id: unknown }).id : null;
  return new Response(JSON.stringify({ jsonrpc: '2.0', id: id ?? null, error: { code, message } }), { status, headers: { 'content-type': 'application/json' } });
}

export type { ServerContext };
