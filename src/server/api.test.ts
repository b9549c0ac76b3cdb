import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ExampleServer, startExampleServer } from '../example-server/index.ts';
import { openTestPatchbay, type TestPatchbay } from '../../test/fixtures/patchbay.ts';
import { createTestApiApp } from '../../test/fixtures/api-app.ts';

const TOKEN = 'pb_test-token-0123456789abcdef';
const HOST = '127.0.0.1:7410';

describe('the JSON API', () => {
  let server: ExampleServer;
  let patchbay: TestPatchbay;
  let app: ReturnType<typeof createTestApiApp>;

  const call = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    app.request(path, {
      method,
      headers: { host: HOST, authorization: `Bearer ${TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
  const json = async (response: Response) => (await response.json()) as Record<string, any>;

  before(async () => {
    server = await startExampleServer();
    patchbay = await openTestPatchbay();
    app = createTestApiApp(patchbay, { accessToken: TOKEN, allowedHosts: [HOST, 'localhost:7410'], allowedOrigins: ['http://127.0.0.1:7410'] });
  });
  after(async () => {
    await patchbay?.close();
    await server?.close();
  });

  test('refuses callers without the token, from foreign hosts or origins, and non-JSON bodies', async () => {
    const noToken = await app.request('/api/connectors', { headers: { host: HOST } });
    assert.equal(noToken.status, 401);
    assert.equal((await json(noToken)).error.code, 'UNAUTHENTICATED');
    const wrongToken = await call('GET', '/api/connectors', undefined, { authorization: 'Bearer pb_wrong-token-0123456789abcdef' });
    assert.equal(wrongToken.status, 401);
    const foreignHost = await call('GET', '/api/connectors', undefined, { host: 'evil.example:7410' });
    assert.equal(foreignHost.status, 403);
    assert.equal((await json(foreignHost)).error.code, 'FORBIDDEN');
    const foreignOrigin = await call('GET', '/api/connectors', undefined, { origin: 'https://evil.example' });
    assert.equal(foreignOrigin.status, 403);
    const form = await call('POST', '/api/connectors', 'url=http://x', { 'content-type': 'application/x-www-form-urlencoded' });
    assert.equal(form.status, 415);
    assert.equal((await json(form)).error.code, 'UNSUPPORTED_MEDIA_TYPE');
    const health = await app.request('/api/health', { headers: { host: HOST } });
    assert.equal(health.status, 200);
    assert.equal((await patchbay.hub.listConnectors(patchbay.actor('api'))).length, 0, 'nothing was added by a refused request');
  });

  test('adds, lists, shows, updates and removes a connector', async () => {
    const added = await call('POST', '/api/connectors', { url: server.url, project: 'demo', tags: ['one'] });
    assert.equal(added.status, 201);
    const body = await json(added);
    assert.equal(body.connector.name, 'patchbay-example');
    assert.ok(body.catalog.tools.length >= 9);

    const listed = await json(await call('GET', '/api/connectors?project=demo'));
    assert.deepEqual(
      listed.connectors.map((c: { name: string }) => c.name),
      ['patchbay-example'],
    );
    assert.equal((await json(await call('GET', '/api/connectors?project=other'))).connectors.length, 0);

    const shown = await json(await call('GET', '/api/connectors/patchbay-example'));
    assert.equal(shown.connector.server.serverInfo.name, 'patchbay-example');

    const renamed = await call('PATCH', '/api/connectors/patchbay-example', { name: 'demo-server', tags: ['two', 'one'] });
    assert.equal(renamed.status, 200);
    assert.deepEqual((await json(renamed)).connector.tags, ['one', 'two']);

    const duplicate = await call('POST', '/api/connectors', { url: server.url, name: 'demo-server' });
    assert.equal(duplicate.status, 409);
    assert.equal((await json(duplicate)).error.code, 'NAME_TAKEN');

    const removed = await call('DELETE', '/api/connectors/demo-server');
    assert.equal(removed.status, 200);
    const missing = await call('GET', '/api/connectors/demo-server');
    assert.equal(missing.status, 404);
    assert.equal((await json(missing)).error.code, 'CONNECTOR_NOT_FOUND');
  });

  test('rejects bad input with every problem named, and stores nothing', async () => {
    const bad = await call('POST', '/api/connectors', { url: 'ftp://example.com', tags: 'nope', transport: 'carrier-pigeon' });
    assert.equal(bad.status, 400);
    const error = (await json(bad)).error;
    assert.equal(error.code, 'VALIDATION_FAILED');
    assert.match(error.message, /tags/);
    assert.match(error.message, /transport/);

    const badUrl = await call('POST', '/api/connectors', { url: 'ftp://example.com' });
    assert.equal((await json(badUrl)).error.code, 'INVALID_URL');
    const plainHttp = await call('POST', '/api/connectors', { url: 'http://example.com/mcp' });
    assert.equal(plainHttp.status, 400);
    assert.match((await json(plainHttp)).error.message, /https/);
    const brokenJson = await call('POST', '/api/connectors', '{"url":');
    assert.equal(brokenJson.status, 400);
    assert.equal((await json(await call('GET', '/api/connectors'))).connectors.length, 0);
  });

  test('calls tools (plain and with streamed progress), reads resources, gets prompts, completes', async () => {
    await call('POST', '/api/connectors', { url: server.url, name: 'ex' });
    const echo = await json(await call('POST', '/api/connectors/ex/tools/echo/call', { arguments: { message: 'hi' } }));
    assert.deepEqual(echo.result.content, [{ type: 'text', text: 'hi' }]);

    const invalid = await call('POST', '/api/connectors/ex/tools/add/call', { arguments: { a: 'x' } });
    assert.equal(invalid.status, 400);
    assert.equal((await json(invalid)).error.code, 'INVALID_ARGUMENTS');

    const streamed = await call('POST', '/api/connectors/ex/tools/slow/call', { arguments: { steps: 3, delayMs: 5 } }, { accept: 'application/x-ndjson' });
    assert.match(streamed.headers.get('content-type') ?? '', /ndjson/);
    const events = (await streamed.text())
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    assert.deepEqual(
      events.filter((e) => e.type === 'progress').map((e) => e.progress),
      [1, 2, 3],
    );
    assert.equal(events.at(-1).type, 'result');

    const read = await json(await call('POST', '/api/connectors/ex/resources/read', { uri: 'example://readme' }));
    assert.ok(read.result.contents[0].text.length > 0);
    const prompt = await json(await call('POST', '/api/connectors/ex/prompts/greeting', { arguments: { name: 'Lin' } }));
    assert.match(JSON.stringify(prompt.result.messages), /Lin/);
    const completion = await json(
      await call('POST', '/api/connectors/ex/complete', { ref: { type: 'ref/prompt', name: 'greeting' }, argument: { name: 'style', value: 'f' } }),
    );
    assert.deepEqual(completion.result.completion.values, ['formal']);
    const resources = await json(await call('GET', '/api/connectors/ex/resources'));
    assert.equal(resources.resources.length, 27);
    assert.equal(resources.resourceTemplates.length, 1);
  });
});
