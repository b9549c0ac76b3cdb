import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, Server } from '@modelcontextprotocol/server';
import { isPatchbayError } from '../src/core/errors.ts';
import { type HostileMode, type HostileServer, OVERSIZED_DESCRIPTION_CHARS, REDOS_INPUT, startHostileServer } from './fixtures/hostile-server.ts';
import { runCli } from './fixtures/cli-process.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

/** What each misbehaviour must turn into, and (where the advice is specific) what the message must tell the person. */
const EXPECTED: Array<[HostileMode, string, RegExp?]> = [
  ['html', 'PROTOCOL_ERROR', /not a web page/],
  ['status-500', 'SERVER_ERROR', /try again later/],
  ['status-400', 'PROTOCOL_ERROR'],
  ['status-404', 'CONNECTOR_UNREACHABLE', /no MCP endpoint at that URL/],
  ['status-405', 'CONNECTOR_UNREACHABLE', /no MCP endpoint at that URL/],
  ['status-501', 'CONNECTOR_UNREACHABLE', /no MCP endpoint at that URL/],
  ['truncated-sse', 'TIMEOUT'],
  ['huge', 'RESPONSE_TOO_LARGE'],
  ['huge-cl', 'RESPONSE_TOO_LARGE'],
  ['hang', 'TIMEOUT'],
  ['garbage-json', 'PROTOCOL_ERROR'],
  ['wrong-jsonrpc', 'PROTOCOL_ERROR'],
  ['wrong-id', 'TIMEOUT'],
  ['redirect-other-origin', 'PROTOCOL_ERROR'],
];

describe('a misbehaving server becomes a typed error and nothing is lost', () => {
  let hostile: HostileServer;
  let patchbay: TestPatchbay;
  before(async () => {
    hostile = await startHostileServer();
    patchbay = await openTestPatchbay({ PATCHBAY_CONNECT_TIMEOUT_MS: '1500', PATCHBAY_REQUEST_TIMEOUT_MS: '1500', PATCHBAY_MAX_RESPONSE_BYTES: String(1024 * 1024) });
  });
  after(async () => {
    await patchbay?.close();
    await hostile?.close();
  });

  for (const [mode, code, advice] of EXPECTED) {
    test(`adding a server that answers "${mode}" fails with ${code} and stores nothing`, async () => {
      const actor = patchbay.actor('cli');
      const before = await patchbay.hub.listConnectors(actor);
      await assert.rejects(patchbay.hub.addConnector(actor, { url: hostile.urlFor(mode) }), (error: unknown) => {
        assert.ok(isPatchbayError(error), `expected a PatchbayError, got ${error}`);
        assert.equal(error.code, code, error.message);
        assert.ok(error.message.length > 20 && !/undefined/.test(error.message), error.message);
        if (advice) assert.match(error.message, advice);
        assert.doesNotMatch(error.message, /Version negotiation probe failed/, 'the SDK’s wrapper is not what the person reads');
        return true;
      });
      assert.deepEqual(await patchbay.hub.listConnectors(actor), before);
    });
  }

  test('an event stream whose event never ends is cut at the size cap, and the client opens it again, instead of buffering until memory runs out', async () => {
    const actor = patchbay.actor('cli');
    const { connector } = await patchbay.hub.addConnector(actor, { url: hostile.urlFor('endless-event'), name: 'endless' });
    assert.equal(connector.status, 'connected');
    // Each GET is one stream: a second one means the first was given up, at the cap (1 MB here), not at the end of memory.
    const gets = async () => (await hostile.waitForRequests('endless-event', 1)).filter((r) => r.method === 'GET').length;
    for (let i = 0; i < 400 && (await gets()) < 2; i++) await new Promise((resolve) => setTimeout(resolve, 25));
    assert.ok((await gets()) >= 2, 'the endless stream was cut and opened again');
    await patchbay.hub.removeConnector(actor, 'endless');
  });

  test('on the legacy HTTP+SSE transport, where every answer comes on the event stream, an endless event fails the connection as too large', async () => {
    const actor = patchbay.actor('cli');
    await assert.rejects(patchbay.hub.addConnector(actor, { url: hostile.urlFor('endless-event'), name: 'endless-sse', transport: 'sse' }), (error: unknown) => {
      assert.ok(isPatchbayError(error, 'RESPONSE_TOO_LARGE'), String(error));
      assert.match(error.message, /^The server sent an event on its stream larger than 1 MB/);
      return true;
    });
  });

  // Unstopped, the first check alone would block the process for minutes.
  test('a schema pattern that backtracks without end cannot hang Patchbay: the check is stopped, and the call or its answer is refused', { timeout: 30_000 }, async () => {
    const actor = patchbay.actor('cli');
    await patchbay.hub.addConnector(actor, { url: hostile.urlFor('redos-schema'), name: 'redos' });
    await assert.rejects(patchbay.hub.callTool(actor, 'redos', 'match', { s: REDOS_INPUT }), (error: unknown) => {
      assert.ok(isPatchbayError(error, 'INVALID_ARGUMENTS'), String(error));
      assert.match(error.message, /"pattern" can backtrack, took over \d+ ms and was stopped/);
      return true;
    });
    assert.equal(hostile.requests('redos-schema').filter((r) => r.body.includes('tools/call')).length, 0, 'refused before anything was sent');
    await assert.rejects(patchbay.hub.callTool(actor, 'redos', 'match', {}), (error: unknown) => {
      assert.ok(isPatchbayError(error, 'PROTOCOL_ERROR'), String(error));
      assert.match(error.message, /breaks the tool.s own output schema.*took over \d+ ms and was stopped/);
      return true;
    });
    const fine = await patchbay.hub.callTool(actor, 'redos', 'match', { s: 'aaa' });
    assert.deepEqual(fine.structuredContent, { s: 'aaa' });
  });

  test('a tool whose definition is over the limits is left out of what models and clients are given; the connector’s other tools stay', async () => {
    // The default response cap, which a 5 MB list fits under.
    const roomy = await openTestPatchbay();
    try {
      const actor = roomy.actor('cli');
      await roomy.hub.addConnector(actor, { url: hostile.urlFor('oversized-tool'), name: 'oversized' });
      const tools = await roomy.hub.modelTools(actor, { connector: 'oversized' });
      assert.deepEqual(tools.map((t) => t.toolName), ['small']);
      assert.ok(tools.every((t) => typeof t.definition.inputSchema === 'object' && t.definition.inputSchema.type === 'object'));
      assert.equal((await roomy.hub.listTools(actor, 'oversized')).find((t) => t.name === 'big')?.description?.length, OVERSIZED_DESCRIPTION_CHARS, 'the catalog keeps it as the server sent it');
    } finally {
      await roomy.close();
    }
  });

  test('`patchbay call` whose answer never comes after the server closed a primed stream ends in a timeout (exit 5), not in Node giving up on the command', async () => {
    const actor = patchbay.actor('cli');
    await patchbay.hub.addConnector(actor, { url: hostile.urlFor('primed-close'), name: 'primed' });
    const run = await runCli(['call', 'primed', 'wait', '--timeout', '1000'], { env: { PATCHBAY_DATA_DIR: patchbay.dataDir } });
    assert.equal(run.code, 5, run.stderr);
    assert.match(run.stderr, /did not answer tools\/call wait within 1000 ms/);
    assert.doesNotMatch(run.stderr, /unsettled top-level await/);
  });

  test('a tool list nested thousands of levels deep is a typed error that says so', async () => {
    const actor = patchbay.actor('cli');
    await patchbay.hub.addConnector(actor, { url: hostile.urlFor('deep-schema'), name: 'deep', connect: false });
    await assert.rejects(patchbay.hub.listTools(actor, 'deep'), (error: unknown) => {
      assert.ok(isPatchbayError(error, 'PROTOCOL_ERROR'), String(error));
      assert.match(error.message, /nested too deeply to read/);
      return true;
    });
    assert.equal((await patchbay.hub.getConnector(actor, 'deep')).name, 'deep', 'the connector stays');
  });

  test('on a 2026-07-28 server (the SDK client’s path), an answer whose schema pattern backtracks without end is stopped the same way', { timeout: 60_000 }, async () => {
    const build = () => {
      // The low-level Server: McpServer would check its own output, and hang on it.
      const server = new Server({ name: 'modern-redos', version: '1.0.0' }, { capabilities: { tools: {} } });
      const schema = { type: 'object', properties: { s: { type: 'string', pattern: '^(a+)+$' } } } as const;
      server.setRequestHandler('tools/list', () => ({ tools: [{ name: 'match', inputSchema: schema, outputSchema: schema }] }));
      server.setRequestHandler('tools/call', () => ({ content: [{ type: 'text', text: REDOS_INPUT }], structuredContent: { s: REDOS_INPUT } }));
      return server;
    };
    const serve = toNodeHandler(createMcpHandler(build, { legacy: 'reject' }));
    const http = createServer((req, res) => void serve(req, res));
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    try {
      const actor = patchbay.actor('cli');
      const { connector } = await patchbay.hub.addConnector(actor, { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`, name: 'modern-redos' });
      assert.equal(connector.server?.protocolVersion, '2026-07-28');
      await assert.rejects(patchbay.hub.callTool(actor, 'modern-redos', 'match', {}), (error: unknown) => {
        assert.ok(isPatchbayError(error, 'PROTOCOL_ERROR'), String(error));
        assert.match(error.message, /breaks the tool.s own output schema.*took over \d+ ms and was stopped/);
        return true;
      });
    } finally {
      await patchbay.hub.removeConnector(patchbay.actor('cli'), 'modern-redos').catch(() => {});
      http.closeAllConnections();
      await new Promise((resolve) => http.close(resolve));
    }
  });

  test('an https URL for a server that speaks plain http is told to use http', async () => {
    const actor = patchbay.actor('cli');
    const url = hostile.urlFor('html').replace(/^http:/, 'https:');
    await assert.rejects(patchbay.hub.addConnector(actor, { url }), (error: unknown) => {
      assert.ok(isPatchbayError(error, 'CONNECTOR_UNREACHABLE'), String(error));
      assert.match(error.message, /did not answer TLS/);
      assert.match(error.message, /http:\/\//);
      return true;
    });
  });

  test('a stored connector whose server misbehaves keeps its data; only its status records the failure', async () => {
    const actor = patchbay.actor('cli');
    const { connector } = await patchbay.hub.addConnector(actor, {
      url: hostile.urlFor('huge'),
      name: 'flaky',
      project: 'research',
      tags: ['b', 'a'],
      connect: false,
    });
    for (const operation of [() => patchbay.hub.catalog(actor, 'flaky'), () => patchbay.hub.testConnector(actor, 'flaky')]) {
      await assert.rejects(operation(), (error: unknown) => isPatchbayError(error, 'RESPONSE_TOO_LARGE'));
    }
    const after = await patchbay.hub.getConnector(actor, 'flaky');
    assert.equal(after.id, connector.id);
    assert.equal(after.url, connector.url);
    assert.equal(after.project, 'research');
    assert.deepEqual(after.tags, ['a', 'b']);
    assert.equal(after.status, 'error');
    assert.equal(after.lastError?.code, 'RESPONSE_TOO_LARGE');
  });

  test('a call to a server that never answers is cancelled by its signal', async () => {
    const actor = patchbay.actor('cli');
    await patchbay.hub.addConnector(actor, { url: hostile.urlFor('hang'), name: 'silent', connect: false });
    const controller = new AbortController();
    const pending = patchbay.hub.catalog(actor, 'silent', { signal: controller.signal, timeoutMs: 60_000 });
    await hostile.waitForRequests('hang', 1);
    controller.abort();
    await assert.rejects(pending, (error: unknown) => isPatchbayError(error, 'CANCELLED'));
  });
});
