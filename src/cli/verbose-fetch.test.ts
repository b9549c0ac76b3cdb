import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { createVerboseFetch, redactUrl } from './verbose-fetch.ts';

let server: Server;
let base: string;
before(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'text/event-stream', 'set-cookie': 'sid=server-secret' }).end('data: {}\n\n'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

test('each exchange is printed with method, URL, headers, body, status and content type; credentials never', async () => {
  const lines: string[] = [];
  const verboseFetch = createVerboseFetch((line) => lines.push(line))(fetch);
  const response = await verboseFetch(`${base}/mcp?api_key=query-secret&page=2`, {
    method: 'POST',
    headers: { authorization: 'Bearer header-secret', cookie: 'sid=cookie-secret', 'x-api-key': 'key-secret', 'mcp-session-id': 'session-secret', 'content-type': 'application/json' },
    body: '{"jsonrpc":"2.0","id":1,"method":"tools/list"}',
  });
  assert.equal(response.status, 200);
  await response.text();
  const printed = lines.join('\n');
  assert.match(lines[0], new RegExp(`^> \\[1\\] POST ${base}/mcp\\?api_key=hidden&page=2$`));
  assert.match(printed, /authorization: \[hidden\]/);
  assert.match(printed, /content-type: application\/json/);
  assert.match(printed, /^> \[1\] \{"jsonrpc":"2\.0","id":1,"method":"tools\/list"\}$/m);
  assert.match(printed, /^< \[1\] 200 text\/event-stream \(\d+ ms\)$/m);
  assert.doesNotMatch(printed, /secret/);
});

test('a failed exchange is printed and the error passed on', async () => {
  const lines: string[] = [];
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));
  const verboseFetch = createVerboseFetch((line) => lines.push(line))(fetch);
  await assert.rejects(verboseFetch(`http://127.0.0.1:${port}/mcp`));
  assert.match(lines.at(-1) ?? '', /^< \[1\] failed: .*ECONNREFUSED/);
});

test('redactUrl hides user info and secret-looking query values', () => {
  assert.equal(redactUrl('https://user:pw@example.com/mcp?token=abc&q=1'), 'https://hidden@example.com/mcp?token=hidden&q=1');
  assert.equal(redactUrl('not a url'), 'not a url');
});
