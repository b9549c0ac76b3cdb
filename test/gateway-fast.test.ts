import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { VERSION as PATCHBAY_VERSION } from '../src/app.ts';
import { createLogger } from '../src/core/log.ts';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { type RunningServer, startServer } from '../src/server/index.ts';
import { runCli } from './fixtures/cli-process.ts';
import { connectGateway, openGatewayBed } from './fixtures/gateway-client.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

const textOf = (result: { content?: unknown }) => ((result.content as Array<{ type: string; text?: string }>) ?? []).map((c) => c.text ?? '').join('');

describe('the gateway keeps tokens and tool directories in memory only while the store says nothing changed (SQLite)', () => {
  let example: ExampleServer;
  let patchbay: TestPatchbay;
  let server: RunningServer;
  const actor = () => patchbay.actor('cli');

  before(async () => {
    [example, patchbay] = await Promise.all([startExampleServer(), openTestPatchbay()]);
    await patchbay.hub.addConnector(actor(), { url: example.url, name: 'ex', project: 'work' });
    await patchbay.hub.setConnectorPolicy(actor(), 'ex', { defaultApproval: 'allow' });
    server = await startServer(patchbay, 'pb_unused-api-token-0123456789', { port: 0 });
  });
  after(async () => {
    await server?.close();
    await patchbay?.close();
    await example?.close();
  });

  test('a token revoked by another process (`patchbay token revoke`) is refused on the very next request', async () => {
    const { secret } = await patchbay.tokens.create(actor(), { name: 'elsewhere' });
    await using gw = await connectGateway(`${server.url}/mcp`, secret);
    // Verified and cached by now: several requests went through.
    assert.equal(textOf(await gw.client.callTool({ name: 'ex__echo', arguments: { message: 'before' } })), 'before');
    const revoked = await runCli(['token', 'revoke', 'elsewhere'], { env: { PATCHBAY_DATA_DIR: patchbay.dataDir, PATCHBAY_LOG_LEVEL: 'warn' } });
    assert.equal(revoked.code, 0, revoked.stderr);
    await assert.rejects(gw.client.callTool({ name: 'ex__echo', arguments: { message: 'after' } }), /401|Unauthorized|revoked/i);
    const direct = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    assert.equal(direct.status, 401);
    assert.match(((await direct.json()) as { error: { message: string } }).error.message, /revoked/);
  });

  test('a connector moved out of a token’s project by another process leaves its reach on the next call', async () => {
    const { secret } = await patchbay.tokens.create(actor(), { name: 'work-only', projects: ['work'] });
    await using gw = await connectGateway(`${server.url}/mcp`, secret);
    assert.ok((await gw.client.listTools()).tools.some((t) => t.name === 'ex__echo'));
    assert.equal(textOf(await gw.client.callTool({ name: 'ex__echo', arguments: { message: 'in' } })), 'in');
    const moved = await runCli(['update', 'ex', '--project', 'home'], { env: { PATCHBAY_DATA_DIR: patchbay.dataDir, PATCHBAY_LOG_LEVEL: 'warn' } });
    assert.equal(moved.code, 0, moved.stderr + moved.stdout);
    await assert.rejects(gw.client.callTool({ name: 'ex__echo', arguments: { message: 'out' } }), /No tool named/);
  });
});

/** The example server as connector "ex" (allowed), served, with a token; its log and the tools/call requests Patchbay sends it are watched. */
async function openWatchedBed() {
  const upstreamLog: Array<{ msg: string }> = [];
  const sent = { next: Promise.withResolvers<string>() };
  const bed = await openGatewayBed({
    allow: true,
    example: { logger: createLogger('info', {}, (line) => upstreamLog.push(JSON.parse(line))) },
    wrapFetch: (fetch) => async (url, init) => {
      if (typeof init?.body === 'string' && init.body.includes('"tools/call"')) sent.next.resolve(init.body);
      return fetch(url, init);
    },
  });
  return {
    ...bed,
    upstreamLog,
    /** Waits until the example server has logged a cancelled slow call, and fails if it never does. */
    async sawCancelled() {
      for (let i = 0; i < 100 && !upstreamLog.some((l) => l.msg === 'slow cancelled'); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(upstreamLog.some((l) => l.msg === 'slow cancelled'), 'the server saw the cancellation');
    },
    /** Settles when Patchbay next sends a tools/call upstream. */
    nextUpstreamCall() {
      sent.next = Promise.withResolvers<string>();
      return sent.next.promise;
    },
  };
}

describe('the gateway’s fast paths', () => {
  let bed: Awaited<ReturnType<typeof openWatchedBed>>;
  let patchbay: TestPatchbay;
  let server: RunningServer;
  let token: string;
  const actor = () => patchbay.actor('cli');

  before(async () => {
    bed = await openWatchedBed();
    ({ patchbay, server, token } = bed);
  });
  after(async () => {
    await bed?.close();
  });

  describe('the gateway’s fast path for tools/call on a 2025-11-25 session', () => {
    const headers = (sessionId?: string) => ({
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${token}`,
      ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' } : {}),
    });
    const post = async (sessionId: string | undefined, body: unknown) => {
      const response = await fetch(`${server.url}/mcp`, { method: 'POST', headers: headers(sessionId), body: typeof body === 'string' ? body : JSON.stringify(body) });
      return { status: response.status, type: response.headers.get('content-type') ?? '', response, text: await response.text() };
    };
    /** Opens a session by hand, as a client declaring `capabilities`. */
    const open = async (capabilities: Record<string, unknown> = {}) => {
      const response = await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities, clientInfo: { name: 'by-hand', version: '1' } } }),
      });
      assert.equal(response.status, 200);
      await response.text();
      const sessionId = response.headers.get('mcp-session-id')!;
      assert.equal((await post(sessionId, { jsonrpc: '2.0', method: 'notifications/initialized' })).status, 202);
      return sessionId;
    };
    /** The JSON-RPC message in a response, plain JSON or the last event of an SSE stream. */
    const messageOf = (reply: { type: string; text: string }) => {
      if (reply.type.startsWith('application/json')) return JSON.parse(reply.text);
      const data = reply.text.split('\n').filter((line) => line.startsWith('data: '));
      return JSON.parse(data.at(-1)!.slice('data: '.length));
    };
    const call = (id: number, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
    });
    // A result from the SDK's transport reads `{"result":…,"jsonrpc":"2.0","id":…}`; the fast path writes jsonrpc and id first.
    const FAST = /^\{"jsonrpc":"2\.0","id":/;

    test('a plain call is answered as JSON by the fast path, with the result and headers the SDK’s path gives', async () => {
      const sessionId = await open();
      const fast = await post(sessionId, call(1, 'ex__echo', { message: 'quick' }));
      assert.equal(fast.status, 200);
      assert.equal(fast.type, 'application/json');
      assert.match(fast.text, FAST);
      assert.equal(fast.response.headers.get('mcp-session-id'), sessionId);
      assert.equal(fast.response.headers.get('x-content-type-options'), 'nosniff');
      const slow = await post(sessionId, call(2, 'ex__echo', { message: 'quick' }, { progressToken: 'p' }));
      assert.deepEqual(messageOf(fast).result, messageOf(slow).result);
      assert.deepEqual(messageOf(fast).result.content, [{ type: 'text', text: 'quick' }]);
      const ping = await post(sessionId, { jsonrpc: '2.0', id: 'ping-1', method: 'ping' });
      assert.match(ping.text, FAST);
      assert.deepEqual(JSON.parse(ping.text), { jsonrpc: '2.0', id: 'ping-1', result: {} });
      await patchbay.hub.auditIdle();
      const [last] = await patchbay.hub.auditEvents(actor(), { limit: 1 });
      assert.equal(last.door, 'gateway', 'the fast path goes through the one door');
    });

    test('a call asking for progress, or from a client that can be asked, takes the SDK’s path (a stream)', async () => {
      const sessionId = await open();
      const progress = await post(sessionId, call(1, 'ex__slow', { steps: 2, delayMs: 1 }, { progressToken: 'tok' }));
      assert.match(progress.type, /^text\/event-stream/);
      assert.match(progress.text, /notifications\/progress/);
      const eliciting = await open({ elicitation: { form: {} } });
      const asked = await post(eliciting, call(1, 'ex__echo', { message: 'hi' }));
      assert.match(asked.type, /^text\/event-stream/);
      assert.deepEqual(messageOf(asked).result.content, [{ type: 'text', text: 'hi' }]);
    });

    test('errors are the same on both paths: unknown tool, invalid arguments, a blocked tool', async () => {
      const sessionId = await open();
      const both = async (name: string, args: Record<string, unknown>) => {
        const fast = await post(sessionId, call(7, name, args));
        const slow = await post(sessionId, call(7, name, args, { progressToken: 'x' }));
        assert.match(fast.text, FAST);
        assert.doesNotMatch(slow.type, /json/);
        assert.equal(fast.status, slow.status);
        const [f, s] = [messageOf(fast), messageOf(slow)];
        assert.deepEqual(f, s);
        return f;
      };
      const unknown = await both('nope__nothing', {});
      assert.equal(unknown.error.code, -32602);
      assert.equal(unknown.error.data.code, 'TOOL_NOT_FOUND');
      const invalid = await both('ex__add', { a: 'x', b: 1 });
      assert.ok(invalid.error || invalid.result.isError, JSON.stringify(invalid));
      await patchbay.hub.updateToolSetting(actor(), 'ex', 'get_audio', { approval: 'block' });
      const blocked = await both('ex__get_audio', {});
      assert.equal(blocked.result.isError, true);
      assert.equal(blocked.result._meta['dev.patchbay/error'].code, 'TOOL_BLOCKED');
      await patchbay.hub.updateToolSetting(actor(), 'ex', 'get_audio', { approval: 'default' });
    });

    test('malformed bodies, batches, odd parameters and unknown sessions get the SDK’s errors', async () => {
      const sessionId = await open();
      const broken = await post(sessionId, '{"jsonrpc":"2.0",');
      assert.equal(broken.status, 400);
      const batch = await post(sessionId, [call(1, 'ex__echo', { message: 'a' }), call(2, 'ex__echo', { message: 'b' })]);
      assert.equal(batch.status, 200);
      assert.doesNotMatch(batch.text, FAST);
      // The SDK's own validation answers these (the fast path leaves them alone).
      const noName = await post(sessionId, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 42 } });
      assert.equal(messageOf(noName).error.code, -32602);
      assert.match(messageOf(noName).error.message, /Invalid tools\/call request/);
      const notJsonRpc = await post(sessionId, { id: 4, method: 'tools/call', params: { name: 'ex__echo', arguments: { message: 'x' } } });
      assert.equal(notJsonRpc.status, 400);
      assert.doesNotMatch(notJsonRpc.text, FAST);
      const arrayArgs = await post(sessionId, { jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'ex__echo', arguments: ['x'] } });
      assert.match(messageOf(arrayArgs).error.message, /Invalid tools\/call request/);
      const task = await post(sessionId, { jsonrpc: '2.0', id: 10, method: 'tools/call', params: { name: 'ex__echo', arguments: { message: 'x' }, task: { ttl: 1000 } } });
      assert.doesNotMatch(task.text, FAST, 'a task-augmented call is the SDK’s to answer');
      const unknownSession = await post('not-a-session', call(6, 'ex__echo', { message: 'x' }));
      assert.equal(unknownSession.status, 404);
      assert.deepEqual(JSON.parse(unknownSession.text).error.code, -32001);
      const badVersion = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { ...headers(sessionId), 'mcp-protocol-version': '1999-01-01' }, body: JSON.stringify(call(8, 'ex__echo', { message: 'x' })) });
      assert.equal(badVersion.status, 400);
      const noSse = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { ...headers(sessionId), accept: 'application/json' }, body: JSON.stringify(call(9, 'ex__echo', { message: 'x' })) });
      assert.equal(noSse.status, 406);
    });

    test('another token using the session gets 404, on the fast path too', async () => {
      const sessionId = await open();
      const other = (await patchbay.tokens.create(actor(), { name: 'other' })).secret;
      const response = await fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { ...headers(sessionId), authorization: `Bearer ${other}` },
        body: JSON.stringify(call(1, 'ex__echo', { message: 'x' })),
      });
      assert.equal(response.status, 404);
    });

    test('notifications/cancelled for a fast call cancels it at the upstream server', async () => {
      const sessionId = await open();
      const sent = bed.nextUpstreamCall();
      const pending = post(sessionId, call(11, 'ex__slow', { steps: 1, delayMs: 60_000 }));
      await sent;
      // Let the upstream server take the request before its cancellation follows on another connection.
      await new Promise((r) => setTimeout(r, 200));
      assert.equal((await post(sessionId, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 11, reason: 'no longer needed' } })).status, 202);
      const reply = await pending;
      assert.match(reply.text, FAST);
      const message = messageOf(reply);
      assert.equal(message.id, 11);
      assert.equal(message.error?.data?.code, 'CANCELLED', reply.text);
      await bed.sawCancelled();
    });
  });

  describe('the gateway’s fast path for a stateless (2026-07-28) tools/call', () => {
    const VERSION = '2026-07-28';
    const envelope = (capabilities: Record<string, unknown> = {}) => ({
      'io.modelcontextprotocol/protocolVersion': VERSION,
      'io.modelcontextprotocol/clientInfo': { name: 'by-hand', version: '1' },
      'io.modelcontextprotocol/clientCapabilities': capabilities,
    });
    /** A tools/call as a conforming 2026-07-28 client sends it: the envelope in `_meta`, the standard headers equal to the body. */
    const send = async (id: number, name: string, args: Record<string, unknown>, options: { meta?: Record<string, unknown>; headers?: Record<string, string | null>; signal?: AbortSignal } = {}) => {
      const headers: Record<string, string> = {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        authorization: `Bearer ${token}`,
        'mcp-protocol-version': VERSION,
        'mcp-method': 'tools/call',
        'mcp-name': name,
      };
      for (const [key, value] of Object.entries(options.headers ?? {})) {
        if (value === null) delete headers[key];
        else headers[key] = value;
      }
      const body = { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, _meta: options.meta ?? envelope() } };
      const response = await fetch(`${server.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(body), signal: options.signal });
      const text = await response.text();
      const type = response.headers.get('content-type') ?? '';
      const message = type.startsWith('application/json') ? JSON.parse(text) : JSON.parse(text.split('\n').filter((l) => l.startsWith('data: ')).at(-1)!.slice(6));
      return { status: response.status, type, text, message, response };
    };
    // The SDK's handler writes `{"result":…,"jsonrpc":"2.0","id":…}`; the fast path writes jsonrpc and id first.
    const FAST = /^\{"jsonrpc":"2\.0","id":/;
    /** The same call, made to take the SDK's path: it asks for progress. */
    const viaSdk = (id: number, name: string, args: Record<string, unknown>) => send(id, name, args, { meta: { ...envelope(), progressToken: `p${id}` } });

    test('a plain call is answered by the fast path with the result the SDK’s handler gives, through the one door', async () => {
      const fast = await send(1, 'ex__echo', { message: 'stateless' });
      assert.equal(fast.status, 200);
      assert.match(fast.text, FAST);
      assert.equal(fast.response.headers.get('mcp-session-id'), null, 'no session in 2026-07-28');
      assert.equal(fast.response.headers.get('x-content-type-options'), 'nosniff');
      const slow = await viaSdk(1, 'ex__echo', { message: 'stateless' });
      assert.doesNotMatch(slow.text, FAST);
      assert.deepEqual(fast.message, slow.message);
      assert.equal(fast.message.result.resultType, 'complete');
      // The upstream server's name for itself stays behind: the client talks to the gateway.
      assert.deepEqual(slow.message.result._meta['io.modelcontextprotocol/serverInfo'], { name: 'patchbay', title: 'Patchbay gateway', version: PATCHBAY_VERSION });
      assert.deepEqual(fast.message.result.content, [{ type: 'text', text: 'stateless' }]);
      await patchbay.hub.auditIdle();
      const [last] = await patchbay.hub.auditEvents(actor(), { limit: 1 });
      assert.equal(last.door, 'gateway');
    });

    test('errors and refusals are the same on both paths', async () => {
      const fastInvalid = await send(2, 'ex__add', { a: 'x', b: 1 });
      assert.match(fastInvalid.text, FAST);
      assert.deepEqual(fastInvalid.message, (await viaSdk(2, 'ex__add', { a: 'x', b: 1 })).message);
      await patchbay.hub.updateToolSetting(actor(), 'ex', 'get_audio', { approval: 'block' });
      const blocked = await send(3, 'ex__get_audio', {});
      assert.match(blocked.text, FAST);
      assert.equal(blocked.message.result._meta['dev.patchbay/error'].code, 'TOOL_BLOCKED');
      assert.deepEqual(blocked.message, (await viaSdk(3, 'ex__get_audio', {})).message);
      await patchbay.hub.updateToolSetting(actor(), 'ex', 'get_audio', { approval: 'default' });
      // An unknown tool is the SDK's handler's to answer (its errors, too, start with jsonrpc and id).
      const unknown = await send(4, 'nope__nothing', {});
      assert.equal(unknown.message.error.data.code, 'TOOL_NOT_FOUND');
      assert.deepEqual(unknown.message, (await viaSdk(4, 'nope__nothing', {})).message);
    });

    test('a request that differs from what a conforming client sends gets the SDK’s own answer', async () => {
      const noName = await send(5, 'ex__echo', { message: 'x' }, { headers: { 'mcp-name': null } });
      assert.equal(noName.status, 400);
      assert.doesNotMatch(noName.text, FAST);
      const otherName = await send(6, 'ex__echo', { message: 'x' }, { headers: { 'mcp-name': 'ex__add' } });
      assert.equal(otherName.status, 400);
      const otherVersion = await send(7, 'ex__echo', { message: 'x' }, { headers: { 'mcp-protocol-version': '2025-11-25' } });
      assert.equal(otherVersion.status, 400);
      const traced = await send(8, 'ex__echo', { message: 'traced' }, { meta: { ...envelope(), traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' } });
      assert.doesNotMatch(traced.text, FAST);
      assert.deepEqual(traced.message.result.content, [{ type: 'text', text: 'traced' }]);
      const askable = await send(9, 'ex__echo', { message: 'askable' }, { meta: envelope({ elicitation: { form: {} } }) });
      assert.doesNotMatch(askable.text, FAST, 'a client that can be asked is the SDK’s');
      assert.deepEqual(askable.message.result.content, [{ type: 'text', text: 'askable' }]);
    });

    test('a client that goes away cancels its call at the upstream server', async () => {
      const controller = new AbortController();
      const sent = bed.nextUpstreamCall();
      const pending = send(10, 'ex__slow', { steps: 1, delayMs: 60_000 }, { signal: controller.signal }).catch((error: unknown) => error);
      await sent;
      // Let the upstream server take the request before the client goes.
      await new Promise((r) => setTimeout(r, 200));
      controller.abort();
      assert.equal(((await pending) as Error).name, 'AbortError');
      await bed.sawCancelled();
    });
  });
});
