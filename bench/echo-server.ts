/**
 * The MCP server every benchmark talks to, run as its own process so its CPU is not
 * counted with the client's: an SDK `McpServer` with one `echo` tool on the Node
 * Streamable HTTP transport, one stateful session (server + transport) per `initialize`.
 *
 * Flags: `--json` answers POSTs with `application/json` instead of SSE.
 * Once listening it sends `{ port }` to its parent over IPC; it answers the messages
 * `sessions` and `cpu` (its CPU time so far, in µs), and it exits when the parent disconnects, so a crashed benchmark leaves no server behind.
 */

import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';

const enableJsonResponse = process.argv.includes('--json');
const sessions = new Map<string, NodeStreamableHTTPServerTransport>();

function buildServer(): McpServer {
  const mcp = new McpServer({ name: 'bench-echo', version: '1.0.0' }, { capabilities: { tools: {} } });
  mcp.registerTool('echo', { description: 'Returns the message it is given, as text.', inputSchema: z.object({ message: z.string() }) }, ({ message }) => ({
    content: [{ type: 'text' as const, text: message }],
  }));
  return mcp;
}

async function openSession(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const mcp = buildServer();
  const transport = new NodeStreamableHTTPServerTransport({
    sessionIdGenerator: () => randomUUID(),
    enableJsonResponse,
    onsessioninitialized: (id) => {
      sessions.set(id, transport);
    },
  });
  transport.onclose = () => {
    if (transport.sessionId) sessions.delete(transport.sessionId);
  };
  await mcp.connect(transport);
  await transport.handleRequest(req, res);
}

function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const id = req.headers['mcp-session-id'];
  if (typeof id === 'string') {
    const transport = sessions.get(id);
    if (transport) return transport.handleRequest(req, res);
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}');
    return Promise.resolve();
  }
  return openSession(req, res);
}

const server = createServer((req, res) => {
  handle(req, res).catch((error: unknown) => {
    if (!res.headersSent) res.writeHead(500).end(String(error));
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.send?.({ port: typeof address === 'object' && address ? address.port : 0 });
});
process.on('message', (message: unknown) => {
  if (message === 'sessions') process.send?.({ sessions: sessions.size });
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  }
});
process.on('disconnect', () => process.exit(0));
