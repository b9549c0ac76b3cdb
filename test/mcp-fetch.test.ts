import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { isPatchbayError } from '../src/core/errors.ts';
import { createMcpFetch } from '../src/mcp/index.ts';

/**
 * createMcpFetch answers the SDK's calls (`redirect: 'manual'`, string bodies) through
 * `undici.request` and any other call through undici's `fetch`. Both paths must behave
 * alike: the same caps, decoding, errors and redirects.
 */

const LIMIT = 64 * 1024;
const SDK_INIT = { redirect: 'manual' } as const;
const PATHS: Array<[string, RequestInit]> = [
  ['the request path', SDK_INIT],
  ['the fetch path', {}],
];

let server: Server;
let base: string;
const heldStreams: ServerResponse[] = [];
const received: Array<{ method: string; headers: IncomingMessage['headers']; body: string }> = [];

function route(req: IncomingMessage, res: ServerResponse, body: string): void {
  received.push({ method: req.method ?? '', headers: req.headers, body });
  switch (req.url) {
    case '/echo':
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, body }));
      return;
    case '/many-events': {
      // Four times the limit in all, in events well under it.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const event = `data: ${'x'.repeat(16 * 1024 - 8)}\n\n`;
      for (let sent = 0; sent < LIMIT * 4; sent += event.length) res.write(event);
      res.end();
      return;
    }
    case '/chunked-huge': {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      let sent = 0;
      const pump = () => {
        while (sent < LIMIT * 4 && !res.destroyed) {
          sent += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
      return;
    }
    case '/declared-huge':
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(LIMIT * 2) });
      res.end(Buffer.alloc(LIMIT * 2, 'x'));
      return;
    case '/gzip':
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' }).end(gzipSync('{"compressed":true}'));
      return;
    case '/gzip-then-br':
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip, br' }).end(brotliCompressSync(gzipSync('{"twice":true}')));
      return;
    case '/redirect':
      res.writeHead(307, { location: '/echo' }).end();
      return;
    case '/no-content':
      res.writeHead(204).end();
      return;
    case '/stream':
      // A GET event stream that stays open, as every idle MCP session holds one.
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n');
      heldStreams.push(res);
      return;
    case '/hang':
      return;
    default:
      res.writeHead(404).end();
  }
}

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => route(req, res, Buffer.concat(chunks).toString()));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  assert.ok(address && typeof address === 'object');
  base = `http://127.0.0.1:${address.port}`;
});

after(async () => {
  for (const res of heldStreams) res.destroy();
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function open(cleanUp: (fn: () => Promise<void>) => void, connections?: number) {
  const http = createMcpFetch({ maxResponseBytes: LIMIT, ...(connections ? { connections } : {}) });
  cleanUp(() => http.close());
  return http.fetch;
}

describe('createMcpFetch', () => {
  for (const [path, init] of PATHS) {
    describe(path, () => {
      const fetch = open(after);

      test('sends the body and returns status, headers and body', async () => {
        const response = await fetch(`${base}/echo`, {
          ...init,
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-probe': 'yes' },
          body: '{"hello":1}',
        });
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('content-type'), 'application/json');
        assert.deepEqual(await response.json(), { method: 'POST', body: '{"hello":1}' });
        const seen = received.at(-1)!;
        assert.equal(seen.headers['x-probe'], 'yes');
        // The same defaults undici's fetch sends, so servers see no difference between the paths.
        assert.equal(seen.headers['user-agent'], 'undici');
        assert.match(String(seen.headers['accept-encoding']), /gzip/);
      });

      test('a chunked POST answer past the limit errors the body with RESPONSE_TOO_LARGE', async () => {
        const response = await fetch(`${base}/chunked-huge`, { ...init, method: 'POST', body: '{}' });
        await assert.rejects(response.text(), (error: unknown) => isPatchbayError(error, 'RESPONSE_TOO_LARGE'));
      });

      test('a POST answer declaring a length past the limit is refused before its body is read', async () => {
        await assert.rejects(fetch(`${base}/declared-huge`, { ...init, method: 'POST', body: '{}' }), (error: unknown) =>
          isPatchbayError(error, 'RESPONSE_TOO_LARGE'),
        );
      });

      test('a GET answer (an event stream, long-lived) is capped per event, not in all', async () => {
        const many = await fetch(`${base}/many-events`, { ...init, method: 'GET' });
        assert.ok((await many.arrayBuffer()).byteLength >= LIMIT * 4);
        const endless = await fetch(`${base}/chunked-huge`, { ...init, method: 'GET' });
        await assert.rejects(endless.arrayBuffer(), (error: unknown) => isPatchbayError(error, 'RESPONSE_TOO_LARGE') && /an event on its stream/.test(error.message));
      });

      test('a compressed answer is decoded, codings undone last to first', async () => {
        const response = await fetch(`${base}/gzip`, { ...init, method: 'POST', body: '{}' });
        assert.deepEqual(await response.json(), { compressed: true });
        const twice = await fetch(`${base}/gzip-then-br`, { ...init, method: 'POST', body: '{}' });
        assert.deepEqual(await twice.json(), { twice: true });
      });

      test('a 204 answer has no body', async () => {
        const response = await fetch(`${base}/no-content`, { ...init, method: 'DELETE' });
        assert.equal(response.status, 204);
        assert.equal(response.body, null);
      });

      test('an abort rejects with the signal’s reason', async () => {
        const controller = new AbortController();
        const pending = fetch(`${base}/hang`, { ...init, method: 'POST', body: '{}', signal: controller.signal });
        setTimeout(() => controller.abort(), 20);
        await assert.rejects(pending, (error: unknown) => (error as Error).name === 'AbortError');
      });

      test('a refused connection is a TypeError whose cause says ECONNREFUSED', async () => {
        const closed = createServer();
        await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
        const { port } = closed.address() as { port: number };
        await new Promise((resolve) => closed.close(resolve));
        await assert.rejects(fetch(`http://127.0.0.1:${port}/echo`, { ...init, method: 'POST', body: '{}' }), (error: unknown) => {
          assert.ok(error instanceof TypeError, String(error));
          assert.equal((error.cause as { code?: string }).code, 'ECONNREFUSED');
          return true;
        });
      });
    });
  }

  test('with redirect "manual" a redirect is returned to the caller, not followed', async (t) => {
    const fetch = open((fn) => t.after(fn));
    const response = await fetch(`${base}/redirect`, { ...SDK_INIT, method: 'POST', body: '{}' });
    assert.equal(response.status, 307);
    assert.equal(response.headers.get('location'), '/echo');
  });

  test('with the default redirect mode a redirect is followed', async (t) => {
    const fetch = open((fn) => t.after(fn));
    const response = await fetch(`${base}/redirect`, { method: 'POST', body: '{}' });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { method: 'POST', body: '{}' });
  });

  test('open GET event streams, one per idle session, do not hold up POSTs however many there are', async (t) => {
    const fetch = open((fn) => t.after(fn));
    const count = 130;
    const streams = await Promise.all(Array.from({ length: count }, () => fetch(`${base}/stream`, { ...SDK_INIT, method: 'GET', signal: AbortSignal.timeout(5000) })));
    assert.equal(streams.filter((s) => s.status === 200).length, count);
    const answers = await Promise.all(
      [1, 2, 3].map(async (n) => (await fetch(`${base}/echo`, { ...SDK_INIT, method: 'POST', body: String(n), signal: AbortSignal.timeout(5000) })).json() as Promise<{ body: string }>),
    );
    assert.deepEqual(
      answers.map((a) => a.body),
      ['1', '2', '3'],
    );
    for (const stream of streams) await stream.body?.cancel();
  });
});
