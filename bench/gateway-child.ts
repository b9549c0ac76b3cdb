/**
 * A process under measurement in part `gateway`, fronting the echo server at the URL
 * given: `gateway` runs Patchbay (a fresh SQLite data dir, `patchbay serve` on port 0,
 * the echo tool allowed, a personal access token); `naive` runs a naive proxy, an SDK
 * `McpServer` per session whose echo tool forwards through one shared SDK `Client`, as
 * existing gateways do; `relay` forwards each request's bytes upstream over one keep-alive
 * pool and streams the answer back, with no MCP work at all (the floor for a hop). Run with `--expose-gc`. Once listening it sends
 * `{ url, token? }` over IPC; it answers `cpu` (its CPU time so far, µs), `memory`
 * (resident memory and heap after garbage collection, bytes), `profile-start` and
 * `profile-stop` (a V8 CPU profile of what ran in between, as JSON), and exits when the
 * parent disconnects.
 *
 * Arguments: `<gateway|naive|relay> <upstream url>`.
 */

import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { NodeStreamableHTTPServerTransport } from '@modelcontextprotocol/node';
import { McpServer } from '@modelcontextprotocol/server';
import { Agent, request } from 'undici';
import * as z from 'zod';
import { openPatchbay } from '../src/app.ts';
import { loadConfig } from '../src/core/config.ts';
import { silentLogger } from '../src/core/log.ts';
import { startServer } from '../src/server/index.ts';

const [mode, upstream] = process.argv.slice(2);
const gc = (globalThis as { gc?: () => void }).gc;
let close: () => Promise<void> = async () => {};

if (mode === 'gateway') {
  const dataDir = await mkdtemp(join(tmpdir(), 'patchbay-bench-gateway-'));
  const patchbay = await openPatchbay(loadConfig({ PATCHBAY_DATA_DIR: dataDir, PATCHBAY_LOG_LEVEL: 'silent', PATCHBAY_REQUEST_TIMEOUT_MS: '30000' }), { logger: silentLogger });
  const cli = patchbay.actor('cli');
  await patchbay.hub.addConnector(cli, { url: upstream, name: 'bench' });
  await patchbay.hub.updateToolSetting(cli, 'bench', 'echo', { approval: 'allow' });
  const server = await startServer(patchbay, `pb_${'b'.repeat(32)}`, { port: 0 });
  const { secret } = await patchbay.tokens.create(cli, { name: 'bench' });
  close = async () => {
    await server.close();
    await patchbay.close();
    await rm(dataDir, { recursive: true, force: true });
  };
  process.send?.({ url: `${server.url}/mcp`, token: secret });
} else if (mode === 'naive') {
  const client = new Client({ name: 'naive-proxy', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(upstream)));
  const sessions = new Map<string, NodeStreamableHTTPServerTransport>();
  const build = () => {
    const mcp = new McpServer({ name: 'naive-proxy', version: '1.0.0' }, { capabilities: { tools: {} } });
    mcp.registerTool('echo', { description: 'Forwards to the upstream echo tool.', inputSchema: z.object({ message: z.string() }) }, (args) =>
      client.callTool({ name: 'echo', arguments: args }) as never,
    );
    return mcp;
  };
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const id = req.headers['mcp-session-id'];
    if (typeof id === 'string') {
      const transport = sessions.get(id);
      if (transport) return transport.handleRequest(req, res);
      res.writeHead(404).end();
      return;
    }
    const mcp = build();
    const transport = new NodeStreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), onsessioninitialized: (sid) => void sessions.set(sid, transport) });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await mcp.connect(transport);
    await transport.handleRequest(req, res);
  };
  await serveOnLoopback((req, res) => void handle(req, res).catch(() => res.headersSent || res.writeHead(500).end()), () => client.close());
} else if (mode === 'relay') {
  // The floor: bytes forwarded as they are over one keep-alive pool, no MCP work at all.
  const agent = new Agent({ keepAliveTimeout: 30_000, headersTimeout: 0, bodyTimeout: 0 });
  const FORWARDED = ['content-type', 'accept', 'mcp-session-id', 'mcp-protocol-version', 'mcp-method', 'mcp-name', 'last-event-id'];
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const answer = await request(upstream, {
      method: req.method as 'GET',
      headers,
      body: chunks.length > 0 ? Buffer.concat(chunks) : undefined,
      dispatcher: agent,
    });
    const out: Record<string, string> = {};
    for (const name of ['content-type', 'mcp-session-id', 'cache-control']) {
      const value = answer.headers[name];
      if (typeof value === 'string') out[name] = value;
    }
    res.writeHead(answer.statusCode, out);
    res.flushHeaders();
    for await (const chunk of answer.body) res.write(chunk);
    res.end();
  };
  await serveOnLoopback((req, res) => void handle(req, res).catch(() => (res.headersSent ? res.destroy() : res.writeHead(502).end())), () => agent.close());
} else {
  console.error('usage: node --expose-gc bench/gateway-child.ts <gateway|naive|relay> <upstream url>');
  process.exit(2);
}

process.on('message', (message: unknown) => {
  if (message === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  }
  if (message === 'memory') {
    void (async () => {
      for (let i = 0; i < 4; i++) {
        gc?.();
        await sleep(25);
      }
      const { rss, heapUsed, external } = process.memoryUsage();
      process.send?.({ rss, heap: heapUsed + external });
    })();
  }
  if (message === 'profile-start') {
    void (async () => {
      profiler = new Session();
      profiler.connect();
      await profiler.post('Profiler.enable');
      await profiler.post('Profiler.start');
      process.send?.({ profiling: true });
    })();
  }
  if (message === 'profile-stop' && profiler) {
    void (async () => {
      const { profile } = await profiler!.post('Profiler.stop');
      profiler!.disconnect();
      profiler = undefined;
      process.send?.({ profile: JSON.stringify(profile) });
    })();
  }
});
let profiler: Session | undefined;

/** Serves `handle` on 127.0.0.1 (port 0, keep-alive), reports its URL to the parent, and sets `close` to stop it and then `release`. */
async function serveOnLoopback(handle: (req: IncomingMessage, res: ServerResponse) => void, release: () => Promise<void>): Promise<void> {
  const http = createServer(handle);
  http.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  close = async () => {
    http.closeAllConnections();
    http.close();
    await release();
  };
  process.send?.({ url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp` });
}
process.on('disconnect', () => {
  void close().finally(() => process.exit(0));
});
