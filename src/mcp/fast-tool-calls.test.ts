import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import type { Tool } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod';
import { startMcpSessionServer } from '../../test/fixtures/mcp-session-server.ts';
import { PatchbayError } from '../core/errors.ts';
import { silentLogger } from '../core/log.ts';
import { createMcpFetch } from './http-fetch.ts';
import { McpSession } from './session.ts';

/** What the test server saw: cancellations, by tool. */
interface Seen {
  cancelled: string[];
  started: () => Promise<void>;
}

function buildServer(seen: { cancelled: string[]; onStart: () => void }): McpServer {
  const mcp = new McpServer({ name: 'fast-lane-test', version: '1.0.0' }, { capabilities: { tools: {}, logging: {} } });
  const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });
  // The request id tells which path sent the call: the SDK client numbers its requests, the lean path names them.
  mcp.registerTool('whoami', { description: 'The id of this request.' }, async (ctx) => text(String(ctx.mcpReq.id)));
  mcp.registerTool('steps', { description: 'Reports three steps of progress.' }, async (ctx) => {
    const token = ctx.mcpReq._meta?.progressToken;
    for (let step = 1; step <= 3 && token !== undefined; step++) {
      await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress: step, total: 3 } });
    }
    return text(`done ${String(ctx.mcpReq.id)}`);
  });
  mcp.registerTool('greet', { description: 'Asks for a name.' }, async (ctx) => {
    const answer = await ctx.mcpReq.elicitInput({ mode: 'form', message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } });
    return text(answer.action === 'accept' ? `Hello ${String(answer.content?.name)} (${String(ctx.mcpReq.id)})` : `You chose ${answer.action}.`);
  });
  // Asks on the call's own stream (a request related to the call), where the client can tell which call is asking.
  mcp.registerTool('greet-here', { description: 'Asks for a name, on the call’s own stream.' }, async (ctx) => {
    const answer = await ctx.mcpReq.send({
      method: 'elicitation/create',
      params: { mode: 'form', message: 'Your name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } },
    });
    return text(answer.action === 'accept' ? `Hello ${String(answer.content?.name)}` : `You chose ${answer.action}.`);
  });
  mcp.registerTool('chatty', { description: 'Logs two lines about the call.' }, async (ctx) => {
    for (const step of [1, 2]) await ctx.mcpReq.log('info', { call: String(ctx.mcpReq.id), step }, 'chatty');
    return text(String(ctx.mcpReq.id));
  });
  mcp.registerTool('slow', { description: 'Waits until cancelled.' }, async (ctx) => {
    seen.onStart();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 20_000);
      ctx.mcpReq.signal.addEventListener('abort', () => {
        clearTimeout(timer);
        seen.cancelled.push('slow');
        resolve();
      });
    });
    return text('finished');
  });
  mcp.registerTool('picture', { description: 'A one-pixel picture.' }, async (ctx) => ({
    content: [{ type: 'image' as const, data: 'iVBORw0KGgo=', mimeType: 'image/png' }, { type: 'text' as const, text: String(ctx.mcpReq.id) }],
  }));
  mcp.registerTool('measure', { description: 'Structured content as given.', inputSchema: z.object({ value: z.unknown() }) }, async ({ value }) => ({
    content: [{ type: 'text' as const, text: JSON.stringify(value) }],
    structuredContent: { value },
  }));
  return mcp;
}

async function startServerAndSession(t: { after(fn: () => Promise<void>): void }, json = false) {
  let markStarted = () => {};
  const seen: Seen = {
    cancelled: [],
    started: () =>
      new Promise<void>((resolve) => {
        markStarted = resolve;
      }),
  };
  const server = await startMcpSessionServer(() => buildServer({ cancelled: seen.cancelled, onStart: () => markStarted() }), undefined, { json });
  const { session, close } = openSession(server.url);
  t.after(async () => {
    await close();
    await server.close();
  });
  return { session, seen };
}

function openSession(url: string, requestTimeoutMs = 5000) {
  const http = createMcpFetch({ maxResponseBytes: 1_000_000 });
  const session = new McpSession(
    { userId: 'u', connectorId: 'c', name: 'lean', url, transport: 'streamable-http' },
    { fetch: http.fetch, requestTimeoutMs, connectTimeoutMs: 5000, protocol: 'legacy', clientInfo: { name: 'patchbay-test', version: '0' }, logger: silentLogger },
  );
  return {
    session,
    async close() {
      await session.close();
      await http.close();
    },
  };
}

const textOf = (result: { content: unknown[] }, i = 0) => (result.content[i] as { text: string }).text;

async function rejectsWith(promise: Promise<unknown>, code: string, message?: RegExp): Promise<PatchbayError> {
  const error = await promise.then(
    () => assert.fail(`expected ${code}`),
    (e: unknown) => e,
  );
  assert.ok(error instanceof PatchbayError, `a PatchbayError, got ${String(error)}`);
  assert.equal(error.code, code, error.message);
  if (message) assert.match(error.message, message);
  return error;
}

for (const json of [false, true]) {
  test(`a tools/call on a 2025-11-25 session takes the lean path (${json ? 'JSON' : 'SSE'} answers)`, async (t) => {
    const { session } = await startServerAndSession(t, json);
    const first = await session.callTool('whoami', {});
    const second = await session.callTool('whoami', {});
    assert.equal(textOf(first), 'patchbay-1');
    assert.equal(textOf(second), 'patchbay-2');
    assert.equal(session.facts?.era, 'legacy');
  });
}

test('progress for a lean call reaches the caller', async (t) => {
  const { session } = await startServerAndSession(t);
  const steps: number[] = [];
  const result = await session.callTool('steps', {}, { onProgress: (p) => steps.push(p.progress) });
  assert.deepEqual(steps, [1, 2, 3]);
  assert.match(textOf(result), /^done patchbay-/);
});

test("a server's elicitation during a lean call is answered by the caller's handler", async (t) => {
  const { session } = await startServerAndSession(t);
  const asked: string[] = [];
  const result = await session.callTool(
    'greet',
    {},
    {
      onElicitation: async (request) => {
        asked.push(request.message);
        return { action: 'accept', content: { name: 'Ada' } };
      },
    },
  );
  assert.deepEqual(asked, ['Your name?']);
  assert.match(textOf(result), /^Hello Ada \(patchbay-\d+\)$/);
});

test('a question a server asks on a call’s own stream goes to that call, not to another running on the same session', async (t) => {
  const { session } = await startServerAndSession(t);
  const answerAs = (name: string, delayMs: number) => ({
    onElicitation: async () => {
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { action: 'accept' as const, content: { name } };
    },
  });
  // The second call registers its handler while the first is still waiting for its answer.
  const [ada, grace] = await Promise.all([session.callTool('greet-here', {}, answerAs('Ada', 150)), session.callTool('greet-here', {}, answerAs('Grace', 0))]);
  assert.equal(textOf(ada), 'Hello Ada');
  assert.equal(textOf(grace), 'Hello Grace');
});

test('the server’s log lines about a lean call reach that call’s caller', async (t) => {
  const { session } = await startServerAndSession(t);
  const heard = new Map<string, unknown[]>();
  const listen = (who: string) => ({ onLog: (line: { level: string; data: unknown; logger?: string }) => heard.set(who, [...(heard.get(who) ?? []), line]) });
  const [a, b] = await Promise.all([session.callTool('chatty', {}, listen('a')), session.callTool('chatty', {}, listen('b'))]);
  for (const [who, result] of [['a', a], ['b', b]] as const) {
    const id = textOf(result);
    assert.deepEqual(heard.get(who), [
      { level: 'info', logger: 'chatty', data: { call: id, step: 1 } },
      { level: 'info', logger: 'chatty', data: { call: id, step: 2 } },
    ]);
  }
});

test('cancelling a lean call tells the server, and a timeout does too', async (t) => {
  const { session, seen } = await startServerAndSession(t);
  const controller = new AbortController();
  const started = seen.started();
  const cancelled = session.callTool('slow', {}, { signal: controller.signal });
  await started;
  controller.abort();
  await rejectsWith(cancelled, 'CANCELLED');
  for (let i = 0; i < 100 && seen.cancelled.length < 1; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(seen.cancelled, ['slow'], 'the server saw notifications/cancelled');

  await rejectsWith(session.callTool('slow', {}, { timeoutMs: 300 }), 'TIMEOUT');
  for (let i = 0; i < 100 && seen.cancelled.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  assert.deepEqual(seen.cancelled, ['slow', 'slow'], 'the server saw the timed-out call cancelled');
  assert.match(textOf(await session.callTool('whoami', {})), /^patchbay-/, 'the session still works');
});

test('content other than text is checked by the SDK schema and kept whole', async (t) => {
  const { session } = await startServerAndSession(t);
  const result = await session.callTool('picture', {});
  assert.deepEqual(result.content[0], { type: 'image', data: 'iVBORw0KGgo=', mimeType: 'image/png' });
  assert.match(textOf(result, 1), /^patchbay-/);
});

test("structured content is checked against the tool's output schema", async (t) => {
  const { session } = await startServerAndSession(t);
  const definition: Tool = {
    name: 'measure',
    inputSchema: { type: 'object' },
    outputSchema: { type: 'object', properties: { value: { type: 'number' } }, required: ['value'] },
  };
  const fine = await session.callTool('measure', { value: 3 }, {}, definition);
  assert.deepEqual(fine.structuredContent, { value: 3 });
  await rejectsWith(session.callTool('measure', { value: 'three' }, {}, definition), 'PROTOCOL_ERROR', /breaks the tool's own output schema/);
});

/**
 * A server that opens sessions properly and then answers `tools/call` as each tool's
 * script says: the broken answers a lean call must turn into clear errors.
 */
async function startScriptedServer(scripts: Record<string, (id: unknown, res: ServerResponse, stream: () => ServerResponse | undefined) => void>) {
  const posts: string[] = [];
  /** The session's GET stream, once the client has opened it. */
  let stream: ServerResponse | undefined;
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'DELETE') return void res.writeHead(200).end();
      if (req.method === 'GET') {
        stream = res.writeHead(200, { 'content-type': 'text/event-stream' });
        return void stream.write(': open\n\n');
      }
      if (req.method !== 'POST') return void res.writeHead(405).end();
      posts.push(req.url ?? '');
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: unknown; method: string; params?: { name?: string } };
      if (message.method === 'initialize') {
        const result = { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'scripted', version: '1' } };
        return void res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 's1' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      }
      if (message.id === undefined) return void res.writeHead(202).end();
      const script = scripts[message.params?.name ?? ''];
      if (message.method === 'tools/call' && script) return script(message.id, res, () => stream);
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'no' } }));
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    posts,
    close: () => {
      http.closeAllConnections();
      return new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}

const sse = (res: ServerResponse, ...events: string[]) => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const event of events) res.write(event);
  res.end();
};
const json = (res: ServerResponse, body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

test('a lean call reads answers in every allowed shape, ends broken ones in clear errors, and the session goes on', async (t) => {
  const server = await startScriptedServer({
    'not-a-result': (id, res) => json(res, { jsonrpc: '2.0', id, result: { content: 'not a list' } }),
    'closed-early': (_id, res) => sse(res, ': nothing here\n\n'),
    'other-id': (_id, res) => sse(res, `data: ${JSON.stringify({ jsonrpc: '2.0', id: 'someone-else', result: { content: [] } })}\n\n`),
    refused: (id, res) => json(res, { jsonrpc: '2.0', id, error: { code: -32000, message: 'The database is down.' } }),
    garbled: (_id, res) => sse(res, 'data: {"jsonrpc": "2.0", "id": \n\n'),
    'split-crlf': (id, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const payload = JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'whole' }] } });
      // One answer in two data lines, the CRLF between them split across chunks: still one event.
      res.write(`event: message\r\ndata: ${payload.slice(0, 10)}\r`);
      setTimeout(() => res.write(`\ndata: ${payload.slice(10)}\r`), 20);
      setTimeout(() => res.end('\n\r\n'), 40);
    },
    // Primed for resumption, then more than the response cap: refused, not resumed.
    huge: (id, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('id: e1\ndata: \n\n');
      res.end(`data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'x'.repeat(1_200_000) }] } })}\n\n`);
    },
    // Accepted now, answered on the session's GET stream.
    elsewhere: (id, res, stream) => {
      res.writeHead(202).end();
      const answer = `data: ${JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'from the GET stream' }] } })}\n\n`;
      const write = () => stream()?.write(answer) ?? setTimeout(write, 10);
      write();
    },
    fine: (id, res) => sse(res, `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'ok' }] } })}\n\n`),
  });
  const { session, close } = openSession(server.url, 1500);
  t.after(async () => {
    await close();
    await server.close();
  });
  await rejectsWith(session.callTool('not-a-result', {}), 'PROTOCOL_ERROR', /malformed answer/);
  await rejectsWith(session.callTool('closed-early', {}), 'CONNECTOR_UNREACHABLE', /closed the connection/);
  await rejectsWith(session.callTool('other-id', {}), 'CONNECTOR_UNREACHABLE');
  await rejectsWith(session.callTool('refused', {}), 'SERVER_ERROR', /The database is down\./);
  await rejectsWith(session.callTool('garbled', {}), 'CONNECTOR_UNREACHABLE');
  assert.equal(textOf(await session.callTool('split-crlf', {})), 'whole');
  await rejectsWith(session.callTool('huge', {}), 'RESPONSE_TOO_LARGE');
  assert.equal(textOf(await session.callTool('elsewhere', {})), 'from the GET stream');
  assert.equal(textOf(await session.callTool('fine', {})), 'ok');
});

test('closing the session ends a lean call still waiting, even when the server keeps its stream open', async (t) => {
  let heard = () => {};
  const asked = new Promise<void>((resolve) => {
    heard = resolve;
  });
  const server = await startScriptedServer({
    hang: (_id, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': working on it\n\n');
      heard();
    },
  });
  const { session, close } = openSession(server.url, 60_000);
  t.after(async () => {
    await close();
    await server.close();
  });
  const outcome = rejectsWith(session.callTool('hang', {}), 'CONNECTOR_UNREACHABLE', /closed the connection/);
  await asked;
  await session.close();
  await outcome;
});
