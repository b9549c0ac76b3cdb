import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { Agent, request } from 'undici';
import { getFreePort } from './fixtures/free-port.ts';
import { HOSTILE_MODES, HUGE_TEXT_BYTES, type HostileServer, startHostileServer, TRUNCATED_SSE_PREFIX } from './fixtures/hostile-server.ts';
import { closeHttpServer, startRestartable } from './fixtures/restartable.ts';

const MCP_ACCEPT = 'application/json, text/event-stream';
const initialize = (id: number | string = 1) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'test', version: '0' } } });

function postInitialize(url: string, init: { id?: number | string; headers?: Record<string, string>; signal?: AbortSignal } = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: MCP_ACCEPT, ...init.headers },
    body: initialize(init.id),
    signal: init.signal,
    redirect: 'manual',
  });
}

function getSse(url: string): Promise<Response> {
  return fetch(url, { headers: { accept: 'text/event-stream' }, redirect: 'manual' });
}

/** Reads the body chunk by chunk, keeping what arrived before any error. */
async function readAll(response: Response): Promise<{ bytes: Buffer; error: unknown }> {
  const chunks: Uint8Array[] = [];
  const reader = response.body!.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { bytes: Buffer.concat(chunks), error: undefined };
      chunks.push(value);
    }
  } catch (error) {
    return { bytes: Buffer.concat(chunks), error };
  }
}

describe('hostile server', () => {
  let server: HostileServer;
  before(async () => {
    server = await startHostileServer();
  });
  after(() => server.close());

  test('every mode has its own path on one origin', () => {
    assert.match(server.origin, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(server.urlFor('html'), `${server.origin}/html/mcp`);
    assert.equal(new Set(HOSTILE_MODES.map((m) => server.urlFor(m))).size, HOSTILE_MODES.length);
  });

  test('html answers a login page to POST and GET', async () => {
    for (const response of [await postInitialize(server.urlFor('html')), await getSse(server.urlFor('html'))]) {
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type')!, /^text\/html/);
      assert.match(await response.text(), /<form[^>]*>[\s\S]*type="password"/);
    }
  });

  test('status-500 answers 500 with plain text', async () => {
    const response = await postInitialize(server.urlFor('status-500'));
    assert.equal(response.status, 500);
    assert.match(response.headers.get('content-type')!, /^text\/plain/);
    assert.notEqual(await response.text(), '');
  });

  for (const [mode, status] of [
    ['status-400', 400],
    ['status-404', 404],
    ['status-405', 405],
  ] as const) {
    test(`${mode} answers ${status} to POST and 404 to the legacy SSE GET`, async () => {
      const post = await postInitialize(server.urlFor(mode));
      assert.equal(post.status, status);
      const postBody = await post.text();
      if (post.headers.get('content-type') !== null) assert.match(post.headers.get('content-type')!, /^text\/plain/);
      else assert.equal(postBody, '');
      const get = await getSse(server.urlFor(mode));
      assert.equal(get.status, 404);
      assert.equal(await get.text(), '');
    });
  }

  test('truncated-sse sends half an event, then the body fails', async () => {
    const response = await postInitialize(server.urlFor('truncated-sse'));
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type')!, /^text\/event-stream/);
    const { bytes, error } = await readAll(response);
    assert.ok(error, 'reading the body must fail');
    assert.ok(TRUNCATED_SSE_PREFIX.startsWith(bytes.toString('utf8')), `unexpected body: ${bytes.toString('utf8')}`);
    assert.ok(!bytes.toString('utf8').includes('\n\n'), 'no complete event may arrive');
  });

  test('huge streams a valid JSON-RPC result of at least 50 MB without Content-Length', async () => {
    const response = await postInitialize(server.urlFor('huge'), { id: 'big-1' });
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.equal(response.headers.get('content-length'), null);
    assert.equal(response.headers.get('transfer-encoding'), 'chunked');
    const { bytes, error } = await readAll(response);
    assert.equal(error, undefined);
    assert.ok(bytes.length >= 50_000_000, `only ${bytes.length} bytes`);
    const parsed = JSON.parse(bytes.toString('utf8'));
    assert.equal(parsed.jsonrpc, '2.0');
    assert.equal(parsed.id, 'big-1');
    assert.equal(parsed.result.content[0].text.length, HUGE_TEXT_BYTES);
  });

  test('huge-cl sends a Content-Length that matches the body', async () => {
    const response = await postInitialize(server.urlFor('huge-cl'));
    assert.equal(response.status, 200);
    const length = Number(response.headers.get('content-length'));
    assert.ok(length >= 50_000_000, `Content-Length ${length}`);
    const { bytes, error } = await readAll(response);
    assert.equal(error, undefined);
    assert.equal(bytes.length, length);
    assert.equal(bytes.subarray(-5).toString(), '"}]}}');
  });

  test('huge stops streaming when the client goes away', async () => {
    const controller = new AbortController();
    const response = await postInitialize(server.urlFor('huge'), { signal: controller.signal });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    await assert.rejects(reader.read());
    // The server keeps serving others once the abandoned stream is dropped.
    assert.equal((await postInitialize(server.urlFor('html'))).status, 200);
  });

  test('hang accepts the request and never answers', async () => {
    const before = server.requests('hang').length;
    await assert.rejects(postInitialize(server.urlFor('hang'), { signal: AbortSignal.timeout(300) }), { name: 'TimeoutError' });
    const arrived = await server.waitForRequests('hang', before + 1);
    assert.equal(arrived.at(-1)!.method, 'POST');
  });

  test('garbage-json answers 200 application/json that does not parse', async () => {
    const response = await postInitialize(server.urlFor('garbage-json'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    const text = await response.text();
    assert.notEqual(text, '');
    assert.throws(() => JSON.parse(text), SyntaxError);
  });

  test('wrong-jsonrpc answers JSON that is no JSON-RPC response', async () => {
    const response = await postInitialize(server.urlFor('wrong-jsonrpc'));
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('content-type'), 'application/json');
    assert.deepEqual(await response.json(), { hello: 'world' });
  });

  test('wrong-id answers a JSON-RPC result for another id', async () => {
    for (const id of [7, 'abc']) {
      const response = await postInitialize(server.urlFor('wrong-id'), { id });
      assert.equal(response.status, 200);
      const body = (await response.json()) as { jsonrpc: string; id: unknown; result?: unknown };
      assert.equal(body.jsonrpc, '2.0');
      assert.ok(body.result, 'a result is present');
      assert.notEqual(body.id, id);
    }
  });

  test('redirect-other-origin sends 307 to 127.0.0.2 and records the second hop with its headers', async (t) => {
    if (server.otherOrigin === undefined) return t.skip('127.0.0.2 is not available here');
    assert.match(server.otherOrigin, /^http:\/\/127\.0\.0\.2:\d+$/);
    const first = await postInitialize(server.urlFor('redirect-other-origin'), { headers: { authorization: 'Bearer first-hop' } });
    assert.equal(first.status, 307);
    const location = first.headers.get('location')!;
    assert.equal(location, `${server.otherOrigin}/redirect-other-origin/mcp`);

    const second = await postInitialize(location, { id: 3, headers: { authorization: 'Bearer second-hop' } });
    assert.equal(second.status, 200);
    assert.equal(((await second.json()) as { id: unknown }).id, 3);

    const hops = server.requests('redirect-other-origin');
    const firstHop = hops.find((r) => r.origin === server.origin && r.headers.authorization === 'Bearer first-hop');
    const secondHop = hops.find((r) => r.origin === server.otherOrigin && r.headers.authorization === 'Bearer second-hop');
    assert.ok(firstHop && secondHop, JSON.stringify(hops));

    // A client that follows the redirect lands on the other origin; what it carried is on record.
    const followed = await fetch(server.urlFor('redirect-other-origin'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: MCP_ACCEPT, 'x-trace': 'followed' },
      body: initialize(9),
    });
    assert.equal(followed.status, 200);
    const initialized = (await followed.json()) as { result: { serverInfo: { name: string } } };
    assert.equal(initialized.result.serverInfo.name, 'hostile-redirect-target');
    const landed = server.requests('redirect-other-origin').filter((r) => r.headers['x-trace'] === 'followed');
    assert.deepEqual(
      landed.map((r) => r.origin),
      [server.origin, server.otherOrigin],
    );
  });

  test('an unknown path answers 404 and is recorded without a mode', async () => {
    const response = await fetch(`${server.origin}/no-such-mode/mcp`);
    assert.equal(response.status, 404);
    await response.text();
    assert.ok(server.requests().some((r) => r.path === '/no-such-mode/mcp' && r.mode === null));
  });

  test('records method, path, headers and body size of every request', async () => {
    const body = 'x'.repeat(1234);
    const response = await fetch(`${server.urlFor('wrong-jsonrpc')}?session=abc`, { method: 'PUT', headers: { 'x-probe': 'recorded' }, body });
    await response.text();
    const [entry] = server.requests('wrong-jsonrpc').filter((r) => r.headers['x-probe'] === 'recorded');
    assert.equal(entry.mode, 'wrong-jsonrpc');
    assert.equal(entry.method, 'PUT');
    assert.equal(entry.path, '/wrong-jsonrpc/mcp?session=abc');
    assert.equal(entry.origin, server.origin);
    assert.equal(entry.bodySize, 1234);
    assert.equal(entry.body, body);
    assert.ok(server.requests().length > server.requests('wrong-jsonrpc').length, 'requests() without a mode returns all');
    assert.ok(server.requests('status-500').every((r) => r.mode === 'status-500'));
  });
});

describe('hostile server close', () => {
  test('returns while a hang request is still open, and the client sees the socket drop', async () => {
    const server = await startHostileServer();
    const pending = postInitialize(server.urlFor('hang'));
    await server.waitForRequests('hang');
    await server.close();
    await assert.rejects(pending, TypeError);
    await assert.rejects(fetch(server.urlFor('html')), (error: Error) => (error.cause as NodeJS.ErrnoException).code === 'ECONNREFUSED');
  });

  test('rejects pending waits', async () => {
    const server = await startHostileServer();
    const waiting = server.waitForRequests('html');
    await server.close();
    await assert.rejects(waiting, /closed before/);
  });
});

describe('free port and restartable server', () => {
  const agents: Agent[] = [];
  after(() => Promise.all(agents.map((a) => a.close())));

  /** A fresh connection each time, so a pooled socket cannot mask a refused connection. */
  async function get(port: number, path = '/'): Promise<{ status: number; body: string }> {
    const dispatcher = new Agent();
    agents.push(dispatcher);
    const response = await request(`http://127.0.0.1:${port}${path}`, { dispatcher });
    return { status: response.statusCode, body: await response.body.text() };
  }

  test('getFreePort returns a port that can be bound', async () => {
    const port = await getFreePort();
    assert.ok(port > 0 && port < 65536);
    const probe = createServer();
    await new Promise<void>((resolve, reject) => probe.once('error', reject).listen(port, '127.0.0.1', resolve));
    await closeHttpServer(probe);
  });

  test('stops (connection refused) and starts again on the same port, even with a request in flight', async (t) => {
    let incarnation = 0;
    const hangArrived = Promise.withResolvers<void>();
    const restartable = await startRestartable(async (port) => {
      const label = `incarnation ${++incarnation}`;
      const http = createServer((req, res) => {
        if (req.url === '/hang') return hangArrived.resolve();
        res.end(label);
      });
      http.keepAliveTimeout = 60_000;
      await new Promise<void>((resolve, reject) => http.once('error', reject).listen(port, '127.0.0.1', resolve));
      return { close: () => closeHttpServer(http) };
    });
    t.after(() => restartable.stop());

    assert.ok(restartable.running);
    assert.deepEqual(await get(restartable.port), { status: 200, body: 'incarnation 1' });
    const inFlight = get(restartable.port, '/hang');
    inFlight.catch(() => {});
    await hangArrived.promise;

    await restartable.stop();
    assert.equal(restartable.running, false);
    await assert.rejects(inFlight);
    await assert.rejects(get(restartable.port), { code: 'ECONNREFUSED' });

    await restartable.start();
    assert.deepEqual(await get(restartable.port), { status: 200, body: 'incarnation 2' });
    await assert.rejects(restartable.start(), /already running/);
  });

  test('uses the port it is given', async (t) => {
    const port = await getFreePort();
    const restartable = await startRestartable(async (p) => {
      const http = createServer((_req, res) => res.end(String(p)));
      await new Promise<void>((resolve, reject) => http.once('error', reject).listen(p, '127.0.0.1', resolve));
      return { close: () => closeHttpServer(http) };
    }, port);
    t.after(() => restartable.stop());
    assert.equal(restartable.port, port);
    assert.deepEqual(await get(port), { status: 200, body: String(port) });
  });
});
