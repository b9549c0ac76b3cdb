/**
 * The gateway's front on Node's server: it answers a fast-path call itself and hands
 * every other request to the app, with the body it already read, so that what the app
 * answers is unchanged. The fallback here records what reaches it, then passes it on to
 * the real app.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, request as httpRequest, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { getRequestListener } from '@hono/node-server';
import { silentLogger } from '../src/core/log.ts';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { createGateway, type Gateway } from '../src/server/index.ts';
import { hostAndOriginCheck } from '../src/server/guards.ts';
import { createTestApiApp } from './fixtures/api-app.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

// The fast path writes jsonrpc and id first; the SDK's transport writes the result first.
const FAST = /^\{"jsonrpc":"2\.0","id":/;

describe('the gateway’s front on Node’s server', () => {
  let example: ExampleServer;
  let patchbay: TestPatchbay;
  let gateway: Gateway;
  let server: Server;
  let base: string;
  let token: string;
  /** Requests the front read and then handed to the app: their path and the body the app was given. */
  const handedOn: Array<{ url: string | undefined; body: string | undefined }> = [];
  let upstreamCalls = 0;

  before(async () => {
    example = await startExampleServer();
    patchbay = await openTestPatchbay(
      {},
      {
        wrapFetch: (fetch) => async (url, init) => {
          if (typeof init?.body === 'string' && init.body.includes('"tools/call"')) upstreamCalls++;
          return fetch(url, init);
        },
      },
    );
    const cli = patchbay.actor('cli');
    await patchbay.hub.addConnector(cli, { url: example.url, name: 'ex', project: 'work' });
    await patchbay.hub.setConnectorPolicy(cli, 'ex', { defaultApproval: 'allow' });
    token = (await patchbay.tokens.create(cli, { name: 'client' })).secret;
    gateway = createGateway({ hub: patchbay.hub, tokens: patchbay.tokens, logger: silentLogger, changes: patchbay.store.changes, version: 'test' });
    let front: ((req: IncomingMessage, res: import('node:http').ServerResponse) => boolean) | undefined;
    let listener: ReturnType<typeof getRequestListener> | undefined;
    server = createServer((req, res) => {
      if (!front?.(req, res)) void listener!(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    base = `http://${host}`;
    const guard = { allowedHosts: [host], allowedOrigins: [base] };
    const app = createTestApiApp(patchbay, { gateway, ...guard });
    listener = getRequestListener(app.fetch);
    const admits = hostAndOriginCheck(guard);
    front = gateway.nodeFront({
      admits: (h, origin) => admits(h, origin) === undefined,
      fallback: (req, res) => {
        const raw = (req as IncomingMessage & { rawBody?: Buffer }).rawBody;
        handedOn.push({ url: req.url, body: raw?.toString('utf8') });
        void listener!(req, res);
      },
    });
  });
  after(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
    await gateway?.close();
    await patchbay?.close();
    await example?.close();
  });

  const headers = (sessionId: string | undefined, extra: Record<string, string> = {}) => ({
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `Bearer ${token}`,
    ...(sessionId ? { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' } : {}),
    ...extra,
  });
  const post = async (path: string, sessionId: string | undefined, body: unknown, extra: Record<string, string> = {}) => {
    const response = await fetch(`${base}${path}`, { method: 'POST', headers: headers(sessionId, extra), body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: response.status, response, text: await response.text() };
  };
  const call = (id: number, message: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'ex__echo', arguments: { message } } });
  const open = async (path = '/mcp') => {
    const init = await post(path, undefined, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'by-hand', version: '1' } } });
    assert.equal(init.status, 200, init.text);
    const sessionId = init.response.headers.get('mcp-session-id')!;
    assert.equal((await post(path, sessionId, { jsonrpc: '2.0', method: 'notifications/initialized' })).status, 202);
    return sessionId;
  };

  test('a plain call on a session is answered by the front; any other request reaches the app with the body as sent', async () => {
    handedOn.length = 0;
    const sessionId = await open();
    // initialize has no session yet: the front left it alone; notifications/initialized it read, then handed on.
    assert.deepEqual(handedOn, [{ url: '/mcp', body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) }]);

    const fast = await post('/mcp', sessionId, call(1, 'through the front'));
    assert.equal(fast.status, 200);
    assert.match(fast.text, FAST);
    assert.deepEqual(JSON.parse(fast.text).result.content, [{ type: 'text', text: 'through the front' }]);
    assert.equal(fast.response.headers.get('mcp-session-id'), sessionId);
    assert.equal(fast.response.headers.get('content-type'), 'application/json');
    assert.equal(fast.response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(fast.response.headers.get('content-security-policy') ?? '', /default-src 'self'/);
    assert.equal(handedOn.length, 1, 'the call did not reach the app');

    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    const listed = await post('/mcp', sessionId, list);
    assert.equal(listed.status, 200);
    assert.match(listed.text, /"ex__echo"/);
    assert.deepEqual(handedOn.at(-1), { url: '/mcp', body: JSON.stringify(list) });

    await patchbay.hub.auditIdle();
    const [last] = await patchbay.hub.auditEvents(patchbay.actor('cli'), { limit: 1 });
    assert.equal(last.door, 'gateway', 'the front calls through the one door');
  });

  test('a foreign Host or Origin is refused by the app’s guard, and the upstream server is never called', async () => {
    const sessionId = await open();
    const before = upstreamCalls;
    const foreignOrigin = await post('/mcp', sessionId, call(3, 'no'), { origin: 'http://evil.example' });
    assert.equal(foreignOrigin.status, 403);
    assert.match(JSON.parse(foreignOrigin.text).error.message, /Origin "http:\/\/evil\.example" is not allowed/);
    const foreignHost = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const body = JSON.stringify(call(4, 'no'));
      const req = httpRequest(`${base}/mcp`, { method: 'POST', headers: { ...headers(sessionId), host: 'evil.example', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, text }));
      });
      req.on('error', reject);
      req.end(body);
    });
    assert.equal(foreignHost.status, 403);
    assert.match(JSON.parse(foreignHost.text).error.message, /Host "evil\.example" is not allowed/);
    assert.equal(upstreamCalls, before);
  });

  test('another token, another endpoint, a broken body or a bad token: the app answers as it always did', async () => {
    const sessionId = await open();
    const before = upstreamCalls;
    const other = (await patchbay.tokens.create(patchbay.actor('cli'), { name: 'other' })).secret;
    const stolen = await post('/mcp', sessionId, call(5, 'no'), { authorization: `Bearer ${other}` });
    assert.equal(stolen.status, 404);
    assert.equal(JSON.parse(stolen.text).error.code, -32001);
    const elsewhere = await post('/mcp/p/work', sessionId, call(6, 'no'));
    assert.equal(elsewhere.status, 404, 'a session belongs to the endpoint that opened it');
    const broken = await post('/mcp', sessionId, '{"jsonrpc":"2.0",');
    assert.equal(broken.status, 400);
    assert.deepEqual(handedOn.at(-1), { url: '/mcp', body: '{"jsonrpc":"2.0",' });
    const badToken = await post('/mcp', sessionId, call(7, 'no'), { authorization: 'Bearer pb_not-a-real-token-000000000000' });
    assert.equal(badToken.status, 401);
    assert.match(badToken.response.headers.get('www-authenticate') ?? '', /invalid_token/);
    assert.equal(upstreamCalls, before);
  });

  test('a project endpoint’s session is served by the front too, and a body sent in chunks goes the app’s way with the same answer', async () => {
    const sessionId = await open('/mcp/p/work');
    const count = handedOn.length;
    const fast = await post('/mcp/p/work', sessionId, call(8, 'in the project'));
    assert.match(fast.text, FAST);
    assert.deepEqual(JSON.parse(fast.text).result.content, [{ type: 'text', text: 'in the project' }]);
    assert.equal(handedOn.length, count);
    // No Content-Length: the front does not take it; the app's own fast path answers the same.
    const chunked = await new Promise<string>((resolve, reject) => {
      const req = httpRequest(`${base}/mcp/p/work`, { method: 'POST', headers: headers(sessionId) }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve(text));
      });
      req.on('error', reject);
      const body = JSON.stringify(call(9, 'in chunks'));
      req.write(body.slice(0, 20));
      req.end(body.slice(20));
    });
    assert.match(chunked, FAST);
    assert.deepEqual(JSON.parse(chunked).result.content, [{ type: 'text', text: 'in chunks' }]);
    assert.equal(handedOn.length, count, 'never read by the front');
  });

  test('a body cut off before its declared length is dropped with its connection: nothing is called, and the next request is served', async () => {
    const sessionId = await open();
    const before = upstreamCalls;
    const count = handedOn.length;
    const body = JSON.stringify(call(10, 'never whole'));
    const { port } = server.address() as AddressInfo;
    const closed = await new Promise<string>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => {
        const head = Object.entries({ ...headers(sessionId), host: `127.0.0.1:${port}`, 'content-length': String(Buffer.byteLength(body)) })
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('');
        socket.write(`POST /mcp HTTP/1.1\r\n${head}\r\n${body.slice(0, 25)}`);
        // Half the body, then the client gives up on the request.
        setTimeout(() => socket.end(), 50);
      });
      let answer = '';
      socket.on('data', (chunk) => (answer += chunk));
      socket.on('close', () => resolve(answer));
      socket.on('error', reject);
    });
    // Node's server itself says 400 to a request cut short; no JSON-RPC answer comes from us.
    assert.doesNotMatch(closed, /jsonrpc/, 'no answer to a call that never arrived whole');
    const next = await post('/mcp', sessionId, call(11, 'after the cut'));
    assert.deepEqual(JSON.parse(next.text).result.content, [{ type: 'text', text: 'after the cut' }]);
    assert.equal(upstreamCalls, before + 1, 'only the whole request reached the server');
    assert.equal(handedOn.length, count, 'nor was the cut one handed to the app');
  });
});
