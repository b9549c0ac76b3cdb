import type { IncomingMessage, ServerResponse } from 'node:http';
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import { type ClientCapabilities, ProtocolErrorCode, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { Context } from 'hono';
import { SECURITY_HEADERS } from '../security-headers.ts';
import { CANNOT_ASK } from './gateway-policy.ts';
import { callGatewayTool, type GatewayServerOptions } from './gateway-server.ts';
import type { GatewayScope } from './gateway-view.ts';
import { toProtocolError } from './json-rpc-errors.ts';

/** A request the gateway answers itself, as plain JSON, without the SDK's per-request machinery. */
export interface FastRequest {
  id: string | number;
  method: 'tools/call' | 'ping';
  name: string;
  args: Record<string, unknown>;
}

/** What one 2025-11-25 session's fast calls need: its calls in flight, so a cancellation reaches them. */
export interface FastSession {
  scope: GatewayScope;
  /** Fast calls in flight, by JSON-RPC id. */
  inFlight: Map<string | number, AbortController>;
}

const CALL_PARAMS = new Set(['name', 'arguments', '_meta']);

/**
 * The fast path's test: a single well-formed JSON-RPC request that cannot need a stream
 * (no progress token; a tools/call only when the client can be asked nothing — no
 * elicitation or sampling capability, so neither a server's question nor an approval can
 * travel to it) and that the SDK's transport would take as it is (Accept names JSON and
 * SSE, a supported MCP-Protocol-Version or none). Anything else — batches, notifications,
 * responses, other methods, extra parameters (tasks, answers to earlier questions), odd
 * ids — goes the SDK's way, which gives its own results and errors.
 */
export function fastRequestOf(body: unknown, headers: { accept: string | null; protocolVersion: string | null }, capabilities: ClientCapabilities | undefined): FastRequest | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const message = body as { jsonrpc?: unknown; id?: unknown; method?: unknown; params?: unknown };
  if (message.jsonrpc !== '2.0') return undefined;
  const id = message.id;
  if (!(typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)))) return undefined;
  if (!headers.accept?.includes('application/json') || !headers.accept.includes('text/event-stream')) return undefined;
  if (headers.protocolVersion !== null && !SUPPORTED_PROTOCOL_VERSIONS.includes(headers.protocolVersion)) return undefined;
  const params = message.params;
  if (message.method === 'ping') {
    return params === undefined ? { id, method: 'ping', name: '', args: {} } : undefined;
  }
  if (message.method !== 'tools/call' || params === null || typeof params !== 'object' || Array.isArray(params)) return undefined;
  if (capabilities === undefined || capabilities.elicitation !== undefined || capabilities.sampling !== undefined) return undefined;
  const { name, arguments: args, _meta: meta } = params as { name?: unknown; arguments?: unknown; _meta?: unknown };
  for (const key in params) if (!CALL_PARAMS.has(key)) return undefined;
  if (typeof name !== 'string') return undefined;
  if (args !== undefined && (args === null || typeof args !== 'object' || Array.isArray(args))) return undefined;
  if (meta !== undefined && (meta === null || typeof meta !== 'object' || Array.isArray(meta) || 'progressToken' in meta)) return undefined;
  return { id, method: 'tools/call', name, args: (args ?? {}) as Record<string, unknown> };
}

/**
 * Answers a fast request: the same call through the door as the SDK's handler makes, the
 * same result, and errors mapped as the SDK maps them (its 2025-era error-code encoding
 * included). The call is cancelled by the client's notifications/cancelled for its id,
 * or when the client goes away before the answer.
 */
export async function answerFast(options: Pick<GatewayServerOptions, 'view' | 'callTool'>, session: FastSession, request: FastRequest, closed: AbortSignal | undefined): Promise<string> {
  if (request.method === 'ping') return JSON.stringify({ jsonrpc: '2.0', id: request.id, result: {} });
  const controller = new AbortController();
  const abort = () => controller.abort();
  closed?.addEventListener('abort', abort, { once: true });
  session.inFlight.set(request.id, controller);
  try {
    const result = await callGatewayTool(options, session.scope, request.name, request.args, { signal: controller.signal }, CANNOT_ASK);
    return JSON.stringify({ jsonrpc: '2.0', id: request.id, result });
  } catch (error) {
    const err = toProtocolError(error);
    const code = Number.isSafeInteger(err.code) ? err.code : ProtocolErrorCode.InternalError;
    return JSON.stringify({
      jsonrpc: '2.0',
      id: request.id,
      error: { code: code === -32002 ? ProtocolErrorCode.InvalidParams : code, message: err.message ?? 'Internal error', ...(err.data !== undefined ? { data: err.data } : {}) },
    });
  } finally {
    if (session.inFlight.get(request.id) === controller) session.inFlight.delete(request.id);
    closed?.removeEventListener('abort', abort);
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

/** Node's request and response behind a Hono context, when served by @hono/node-server. */
export function nodeOf(c: Context): { incoming: IncomingMessage; outgoing: ServerResponse } | undefined {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  return env?.incoming && env.outgoing ? { incoming: env.incoming, outgoing: env.outgoing } : undefined;
}

/**
 * A JSON answer written straight to Node's response (no web Response, no stream), with
 * the headers every Patchbay response carries; a web Response where Node's is not at hand.
 */
export function sendJson(c: Context, text: string, sessionId: string): Response {
  const headers = { ...SECURITY_HEADERS, 'content-type': 'application/json', 'mcp-session-id': sessionId };
  const node = nodeOf(c);
  if (!node) return new Response(text, { status: 200, headers });
  node.outgoing.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(text) });
  node.outgoing.end(text);
  return RESPONSE_ALREADY_SENT;
}

/** An AbortSignal that fires when the client goes away before its answer is written. */
export function closedSignal(c: Context): AbortSignal | undefined {
  const node = nodeOf(c);
  if (!node) return undefined;
  const controller = new AbortController();
  node.outgoing.once('close', () => {
    if (!node.outgoing.writableFinished) controller.abort();
  });
  return controller.signal;
}
