/**
 * Stateful 2025-era serving: one `McpServer` and one Streamable HTTP transport per
 * MCP session, created by `initialize` and found again by the `Mcp-Session-Id` header.
 */

import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { isInitializeRequest } from '@modelcontextprotocol/server';
import type { Logger } from '../core/log.ts';
import type { ExampleMcpServer } from './build-server.ts';
import type { CatalogChange } from './catalog.ts';
import { writeJsonRpcError } from './http-replies.ts';

export interface LegacySessions {
  /** Serves one HTTP request; `body` is the parsed JSON of a POST, `undefined` otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void>;
  count(): number;
  /** Tells every live session about a catalog change. */
  broadcast(change: CatalogChange): void;
  /** Closes and forgets every session; later requests naming one are answered 404. */
  closeAll(): Promise<void>;
}

interface Session {
  server: ExampleMcpServer;
  transport: NodeStreamableHTTPServerTransport;
}

function startsSession(body: unknown): boolean {
  return Array.isArray(body) ? body.some((message) => isInitializeRequest(message)) : isInitializeRequest(body);
}

export function createLegacySessions(buildServer: () => ExampleMcpServer, logger: Logger): LegacySessions {
  const sessions = new Map<string, Session>();

  async function open(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const server = buildServer();
    const transport = new NodeStreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (sessionId) => {
        sessions.set(sessionId, { server, transport });
        logger.debug('session opened', { sessionId });
      },
    });
    server.mcp.server.onclose = () => {
      const sessionId = transport.sessionId;
      if (sessionId !== undefined) sessions.delete(sessionId);
      logger.debug('session closed', { sessionId });
    };
    server.mcp.server.onerror = (error) => logger.debug('session error', { error });
    await server.mcp.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  return {
    async handle(req, res, body) {
      const header = req.headers['mcp-session-id'];
      const sessionId = Array.isArray(header) ? header[0] : header;
      if (sessionId !== undefined) {
        const session = sessions.get(sessionId);
        // spec (Streamable HTTP, session management): an unknown or ended session id MUST get 404
        if (session === undefined) return writeJsonRpcError(res, 404, -32001, 'Session not found: it has ended. Send initialize to start a new session.', body);
        return session.transport.handleRequest(req, res, body);
      }
      if (req.method === 'POST' && startsSession(body)) return open(req, res, body);
      writeJsonRpcError(res, 400, -32000, 'Bad Request: no Mcp-Session-Id header. Send initialize first to start a session.', body);
    },
    count: () => sessions.size,
    broadcast(change) {
      for (const { server } of sessions.values()) server.apply(change);
    },
    async closeAll() {
      const closing = [...sessions.values()];
      sessions.clear();
      await Promise.all(closing.map(({ server }) => server.mcp.close().catch((error: unknown) => logger.debug('session close failed', { error }))));
    },
  };
}
