import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  type ClientCapabilities,
  PROTOCOL_VERSION_META_KEY,
  ProtocolErrorCode,
  SERVER_INFO_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import type { Context } from 'hono';
import type { ModelTool } from '../../hub/index.ts';
import { SECURITY_HEADERS } from '../security-headers.ts';
import { CANNOT_ASK } from './gateway-policy.ts';
import { callGatewayTool, type GatewayServerOptions, gatewayServerInfo } from './gateway-server.ts';
import type { GatewayScope } from './gateway-view.ts';
import { toProtocolError } from './json-rpc-errors.ts';

/** A request the gateway answers itself, as plain JSON, without the SDK's per-request machinery. */
export interface FastRequest {
  id: string | number;
  method: 'tools/call' | 'ping';
  name: string;
  args: Record<string, unknown>;
  /** The tool, when the route has found it already. */
  tool?: ModelTool;
}

/** What one 2025-11-25 session's fast calls need: its calls in flight, so a cancellation reaches them. */
export interface FastSession {
  scope: GatewayScope;
  /** Fast calls in flight, by JSON-RPC id. */
  inFlight: Map<string | number, AbortController>;
}

const CALL_PARAMS = new Set(['name', 'arguments', '_meta']);
const ENVELOPE_KEYS = new Set([PROTOCOL_VERSION_META_KEY, CLIENT_INFO_META_KEY, CLIENT_CAPABILITIES_META_KEY]);

/** What the HTTP request says beside its body. */
export interface FastHeaders {
  accept: string | null;
  protocolVersion: string | null;
  /** Mcp-Method and Mcp-Name (2026-07-28 requests carry them). */
  method?: string | null;
  name?: string | null;
}

/** A single tools/call request in the plain shape both fast paths take: name, arguments, `_meta` and nothing else. */
function plainToolCallOf(body: unknown): (FastRequest & { meta: Record<string, unknown> | undefined }) | undefined {
  const message = singleRequestOf(body);
  if (message?.method !== 'tools/call') return undefined;
  const params = message.params;
  if (!isPlainObject(params)) return undefined;
  for (const key in params) if (!CALL_PARAMS.has(key)) return undefined;
  const { name, arguments: args, _meta: meta } = params as { name?: unknown; arguments?: unknown; _meta?: unknown };
  if (typeof name !== 'string') return undefined;
  if (args !== undefined && !isPlainObject(args)) return undefined;
  if (meta !== undefined && !isPlainObject(meta)) return undefined;
  return { id: message.id, method: 'tools/call', name, args: (args ?? {}) as Record<string, unknown>, meta: meta as Record<string, unknown> | undefined };
}

function singleRequestOf(body: unknown): { id: string | number; method: unknown; params: unknown } | undefined {
  if (!isPlainObject(body)) return undefined;
  const message = body as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
  if (message.jsonrpc !== '2.0') return undefined;
  const id = message.id;
  if (!(typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)))) return undefined;
  return { id, method: message.method, params: message.params };
}

/** The stateless revisions the SDK's handler serves; a request naming another goes to it for its version error. */
const STATELESS_VERSIONS = new Set(['2026-07-28']);

/** Accept names JSON and SSE, and the protocol version is a 2025-era one the SDK serves (or absent). */
function acceptedHeaders(headers: FastHeaders): boolean {
  if (!headers.accept?.includes('application/json') || !headers.accept.includes('text/event-stream')) return false;
  return headers.protocolVersion === null || SUPPORTED_PROTOCOL_VERSIONS.includes(headers.protocolVersion);
}

/** A client that can be asked nothing: neither a server's question nor an approval can travel to it. */
function cannotBeAsked(capabilities: ClientCapabilities | undefined): boolean {
  return capabilities !== undefined && capabilities.elicitation === undefined && capabilities.sampling === undefined;
}

/**
 * The fast path's test on a 2025-11-25 session: a single well-formed JSON-RPC request
 * that cannot need a stream (no progress token; a tools/call only when the client can be
 * asked nothing — no elicitation or sampling capability, so neither a server's question
 * nor an approval can travel to it) and that the SDK's transport would take as it is
 * (Accept names JSON and SSE, a supported MCP-Protocol-Version or none). Anything else —
 * batches, notifications, responses, other methods, extra parameters (tasks, answers to
 * earlier questions), odd ids — goes the SDK's way, which gives its own results and errors.
 */
export function fastRequestOf(body: unknown, headers: FastHeaders, capabilities: ClientCapabilities | undefined): FastRequest | undefined {
  if (!acceptedHeaders(headers)) return undefined;
  const ping = singleRequestOf(body);
  if (ping?.method === 'ping') return ping.params === undefined ? { id: ping.id, method: 'ping', name: '', args: {} } : undefined;
  const call = plainToolCallOf(body);
  if (!call || !cannotBeAsked(capabilities) || (call.meta && 'progressToken' in call.meta)) return undefined;
  return { id: call.id, method: call.method, name: call.name, args: call.args };
}

/**
 * The fast path's test for a 2026-07-28 (stateless) request: a tools/call whose `_meta`
 * is the protocol's envelope and nothing more (a supported version, the client's
 * capabilities — which cannot be asked anything — and optionally its info), sent with
 * the standard headers a conforming client sends, equal to the body: MCP-Protocol-Version,
 * Mcp-Method and Mcp-Name. A request that differs in any way — a missing or mismatched
 * header, a progress token, answers to an earlier input-required result — goes to the
 * SDK's handler, which answers it with its own checks and errors. (A tool that declares
 * `x-mcp-header` parameters is sent there too, by the caller: its Mcp-Param-* headers
 * need the SDK's cross-check.)
 */
export function statelessFastRequestOf(body: unknown, headers: FastHeaders): FastRequest | undefined {
  const accepts = headers.accept?.includes('application/json') && headers.accept.includes('text/event-stream');
  if (!accepts || headers.method !== 'tools/call' || headers.protocolVersion === null || !STATELESS_VERSIONS.has(headers.protocolVersion)) return undefined;
  const call = plainToolCallOf(body);
  if (!call?.meta || headers.name !== call.name) return undefined;
  for (const key in call.meta) if (!ENVELOPE_KEYS.has(key)) return undefined;
  const version = call.meta[PROTOCOL_VERSION_META_KEY];
  if (typeof version !== 'string' || version !== headers.protocolVersion) return undefined;
  const capabilities = call.meta[CLIENT_CAPABILITIES_META_KEY];
  if (!isPlainObject(capabilities) || !cannotBeAsked(capabilities as ClientCapabilities)) return undefined;
  return { id: call.id, method: call.method, name: call.name, args: call.args };
}

const declaringParamHeaders = new WeakMap<object, boolean>();

/** Whether a tool's input schema declares SEP-2243 `x-mcp-header` parameters (worked out once per schema). */
export function declaresParamHeaders(inputSchema: unknown): boolean {
  if (!isPlainObject(inputSchema)) return false;
  let declares = declaringParamHeaders.get(inputSchema);
  if (declares === undefined) {
    declares = JSON.stringify(inputSchema).includes('"x-mcp-header"');
    declaringParamHeaders.set(inputSchema, declares);
  }
  return declares;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Answers a fast request: the same call through the door as the SDK's handler makes, the
 * same result, and errors mapped as the SDK maps them (its 2025-era error-code encoding
 * included). The call is cancelled by the client's notifications/cancelled for its id,
 * or when the client goes away before the answer.
 */
export async function answerFast(
  options: Pick<GatewayServerOptions, 'view' | 'callTool' | 'version'>,
  session: FastSession,
  request: FastRequest,
  controller: AbortController,
  era: 'legacy' | 'modern' = 'legacy',
): Promise<string> {
  if (request.method === 'ping') return JSON.stringify({ jsonrpc: '2.0', id: request.id, result: {} });
  session.inFlight.set(request.id, controller);
  try {
    const result = await callGatewayTool(options, session.scope, request.name, request.args, { signal: controller.signal }, CANNOT_ASK, request.tool);
    // A 2026-07-28 result says it is complete and who answered (the SDK's handler adds the same).
    const answer = era === 'modern' ? { ...result, _meta: { ...result._meta, [SERVER_INFO_META_KEY]: gatewayServerInfo(options.version) }, resultType: 'complete' } : result;
    return JSON.stringify({ jsonrpc: '2.0', id: request.id, result: answer });
  } catch (error) {
    const err = toProtocolError(error);
    const code = Number.isSafeInteger(err.code) ? err.code : ProtocolErrorCode.InternalError;
    return JSON.stringify({
      jsonrpc: '2.0',
      id: request.id,
      // The 2025 era has no resource-not-found code of its own: the SDK sends invalid params there.
      error: { code: era === 'legacy' && code === -32002 ? ProtocolErrorCode.InvalidParams : code, message: err.message ?? 'Internal error', ...(err.data !== undefined ? { data: err.data } : {}) },
    });
  } finally {
    if (session.inFlight.get(request.id) === controller) session.inFlight.delete(request.id);
  }
}

/** The id a notifications/cancelled message names, if the body is one. */
export function cancelledRequestId(body: unknown): string | number | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const message = body as { method?: unknown; params?: { requestId?: unknown } };
  if (message.method !== 'notifications/cancelled') return undefined;
  const id = message.params?.requestId;
  return typeof id === 'string' || typeof id === 'number' ? id : undefined;
}

/** Whether the body is a logging/setLevel request (the client wants the server's log lines). */
export function setsLogLevel(body: unknown): boolean {
  return isPlainObject(body) && body.method === 'logging/setLevel';
}

/** Node's request and response behind a Hono context, when served by @hono/node-server. */
export function nodeOf(c: Context): { incoming: IncomingMessage; outgoing: ServerResponse } | undefined {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  return env?.incoming && env.outgoing ? { incoming: env.incoming, outgoing: env.outgoing } : undefined;
}

/** A JSON answer written straight to Node's response (no web Response, no stream), with the headers every Patchbay response carries. */
export function writeJson(outgoing: ServerResponse, text: string, sessionId: string | undefined): void {
  outgoing.writeHead(200, { ...jsonHeaders(sessionId), 'content-length': Buffer.byteLength(text) });
  outgoing.end(text);
}

function jsonHeaders(sessionId: string | undefined): Record<string, string> {
  const headers: Record<string, string> = { ...SECURITY_HEADERS, 'content-type': 'application/json' };
  if (sessionId !== undefined) headers['mcp-session-id'] = sessionId;
  return headers;
}

/** `writeJson` behind Hono; a web Response where Node's is not at hand. */
export function sendJson(c: Context, text: string, sessionId: string | undefined): Response {
  const node = nodeOf(c);
  if (node) {
    writeJson(node.outgoing, text, sessionId);
    return RESPONSE_ALREADY_SENT;
  }
  return new Response(text, { status: 200, headers: jsonHeaders(sessionId) });
}

/** A fast call's controller: aborted when the client goes away before its answer is written (or by its cancellation). */
export function abortedOnClose(outgoing: ServerResponse | undefined): AbortController {
  const controller = new AbortController();
  outgoing?.once('close', () => {
    if (!outgoing.writableFinished) controller.abort();
  });
  return controller;
}
