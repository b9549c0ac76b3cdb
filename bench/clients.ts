/**
 * The three kinds of client the benchmark compares, behind one shape: a raw
 * JSON-RPC-over-HTTP floor, the bare SDK client, and Patchbay's session layer.
 */

import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { Agent, request } from 'undici';
import { silentLogger } from '../src/core/log.ts';
import { type FetchLike, McpSession, type SessionSettings } from '../src/mcp/index.ts';

export interface BenchClient {
  /** Calls the server's `echo` tool and checks the answer. */
  callEcho(message: string): Promise<void>;
  listTools(): Promise<number>;
  close(): Promise<void>;
}

const PROTOCOL_VERSION = '2025-11-25';
const CLIENT_INFO = { name: 'patchbay-bench', version: '1.0.0' };

/** Settings for Patchbay sessions in the benchmark: the product's defaults, silent. */
export function benchSessionSettings(fetch: FetchLike, overrides: Partial<SessionSettings> = {}): SessionSettings {
  return { fetch, requestTimeoutMs: 30_000, connectTimeoutMs: 10_000, clientInfo: CLIENT_INFO, logger: silentLogger, ...overrides };
}

/** Patchbay's session layer: one `McpSession` over the given fetch. */
export async function openPatchbayClient(url: string, fetch: FetchLike, overrides: Partial<SessionSettings> = {}): Promise<BenchClient> {
  const session = new McpSession(
    { connectorId: 'bench', userId: 'bench', name: 'bench', url, transport: 'streamable-http' },
    benchSessionSettings(fetch, overrides),
  );
  await session.connect();
  return wrapSession(session);
}

export function wrapSession(session: McpSession): BenchClient {
  return {
    async callEcho(message) {
      checkEcho(await session.callTool('echo', { message }), message);
    },
    async listTools() {
      return (await session.listTools()).length;
    },
    close: () => session.close(),
  };
}

/** The bare SDK client; `fetch` defaults to the global one, as an SDK user would have it. */
export async function openSdkClient(url: string, fetch?: FetchLike): Promise<BenchClient> {
  const client = new Client(CLIENT_INFO);
  const transport = new StreamableHTTPClientTransport(new URL(url), fetch ? { fetch } : undefined);
  await client.connect(transport);
  return {
    async callEcho(message) {
      checkEcho(await client.callTool({ name: 'echo', arguments: { message } }), message);
    },
    async listTools() {
      return (await client.listTools()).tools.length;
    },
    async close() {
      await transport.terminateSession().catch(() => {});
      await client.close();
    },
  };
}

/**
 * The floor: `undici.request` on a keep-alive agent, hand-written JSON-RPC with the
 * session id, the answer parsed from JSON or from the SSE event that carries it.
 */
export async function openRawClient(url: string): Promise<BenchClient> {
  const agent = new Agent({ keepAliveTimeout: 30_000, connections: 128 });
  const baseHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
  let nextId = 1;
  const post = async (message: object, headers: Record<string, string>) => {
    const response = await request(url, { method: 'POST', dispatcher: agent, headers: { ...baseHeaders, ...headers }, body: JSON.stringify(message) });
    const text = await response.body.text();
    if (response.statusCode >= 400) throw new Error(`HTTP ${response.statusCode}: ${text.slice(0, 200)}`);
    return { response, text };
  };
  const initialize = await post(
    { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: CLIENT_INFO } },
    {},
  );
  const sessionId = initialize.response.headers['mcp-session-id'];
  if (typeof sessionId !== 'string') throw new Error('The server did not assign a session id.');
  const sessionHeaders = { 'mcp-session-id': sessionId, 'mcp-protocol-version': PROTOCOL_VERSION };
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, sessionHeaders);
  const rpc = async (method: string, params: object) => {
    const { response, text } = await post({ jsonrpc: '2.0', id: nextId++, method, params }, sessionHeaders);
    const message = JSON.parse(String(response.headers['content-type']).startsWith('text/event-stream') ? sseData(text) : text);
    if (message.error) throw new Error(`JSON-RPC error ${message.error.code}: ${message.error.message}`);
    return message.result;
  };
  return {
    async callEcho(message) {
      checkEcho(await rpc('tools/call', { name: 'echo', arguments: { message } }), message);
    },
    async listTools() {
      return (await rpc('tools/list', {})).tools.length;
    },
    async close() {
      await request(url, { method: 'DELETE', dispatcher: agent, headers: sessionHeaders })
        .then((r) => r.body.dump())
        .catch(() => {});
      await agent.close();
    },
  };
}

/** The data of the last event in an SSE body (the server sends the response last). */
function sseData(text: string): string {
  const at = text.lastIndexOf('\ndata: ');
  const start = at >= 0 ? at + 7 : text.startsWith('data: ') ? 6 : -1;
  if (start < 0) throw new Error(`No SSE data in the answer: ${text.slice(0, 200)}`);
  const end = text.indexOf('\n', start);
  return text.slice(start, end < 0 ? undefined : end);
}

function checkEcho(result: unknown, message: string): void {
  const content = (result as { content?: Array<{ type: string; text?: string }> }).content;
  if (content?.[0]?.text !== message) throw new Error(`echo answered ${JSON.stringify(result).slice(0, 200)}`);
}
