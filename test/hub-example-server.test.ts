import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isPatchbayError } from '../src/core/errors.ts';
import type { CatalogChange } from '../src/hub/index.ts';
import { ITEM_COUNT, startExampleServer, type ExampleServer } from '../src/example-server/index.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function nextCatalogChange(patchbay: TestPatchbay, predicate: (c: CatalogChange) => boolean = () => true): Promise<CatalogChange> {
  return new Promise((resolve) => {
    const off = patchbay.hub.onCatalogChanged((change) => {
      if (!predicate(change)) return;
      off();
      resolve(change);
    });
  });
}

for (const protocol of ['auto', 'legacy'] as const) {
  const expectedEra = protocol === 'auto' ? 'modern' : 'legacy';

  describe(`the hub against the example server (${expectedEra} protocol)`, () => {
    let server: ExampleServer;
    let patchbay: TestPatchbay;
    let name: string;
    const actor = () => patchbay.actor('cli');

    before(async () => {
      server = await startExampleServer({ pageSize: 10 });
      patchbay = await openTestPatchbay({ PATCHBAY_PROTOCOL: protocol });
      const added = await patchbay.hub.addConnector(actor(), { url: server.url, project: 'demo', tags: ['Example'] });
      name = added.connector.name;
    });
    after(async () => {
      await patchbay?.close();
      await server?.close();
    });

    test('adding derives the name from the server and records what it said about itself', async () => {
      assert.equal(name, 'patchbay-example');
      const connector = await patchbay.hub.getConnector(actor(), name);
      assert.equal(connector.status, 'connected');
      assert.equal(connector.server?.era, expectedEra);
      assert.equal(connector.server?.protocolVersion, expectedEra === 'modern' ? '2026-07-28' : '2025-11-25');
      assert.equal(connector.server?.transport, 'streamable-http');
      assert.equal(connector.server?.serverInfo.name, 'patchbay-example');
      assert.match(connector.server?.instructions ?? '', /example server/i);
      assert.ok(connector.server?.capabilities.tools);
      assert.deepEqual(connector.tags, ['example']);
    });

    test('every tool is listed and each content type comes back intact', async () => {
      const tools = await patchbay.hub.listTools(actor(), name);
      for (const tool of ['echo', 'add', 'get_image', 'get_audio', 'get_embedded_resource', 'get_resource_link', 'fail', 'slow', 'ask_name']) {
        assert.ok(
          tools.some((t) => t.name === tool),
          `missing tool ${tool}`,
        );
      }
      const call = (tool: string, args: Record<string, unknown> = {}) => patchbay.hub.callTool(actor(), name, tool, args);

      const echo = await call('echo', { message: 'héllo ✓' });
      assert.deepEqual(echo.content, [{ type: 'text', text: 'héllo ✓' }]);

      const sum = await call('add', { a: 2, b: 40 });
      assert.deepEqual(sum.structuredContent, { sum: 42 });

      const image = await call('get_image');
      const img = image.content[0];
      assert.equal(img.type, 'image');
      assert.equal(img.type === 'image' && img.mimeType, 'image/png');
      assert.ok(img.type === 'image' && Buffer.from(img.data, 'base64').subarray(0, 8).equals(PNG_SIGNATURE));

      const audio = await call('get_audio');
      const snd = audio.content[0];
      assert.equal(snd.type, 'audio');
      assert.ok(snd.type === 'audio' && Buffer.from(snd.data, 'base64').subarray(0, 4).toString('latin1') === 'RIFF');

      const embedded = await call('get_embedded_resource');
      const res = embedded.content[0];
      assert.equal(res.type, 'resource');
      assert.ok(res.type === 'resource' && res.resource.uri === 'example://readme' && 'text' in res.resource);

      const link = await call('get_resource_link');
      const lnk = link.content[0];
      assert.equal(lnk.type, 'resource_link');
      assert.equal(lnk.type === 'resource_link' && lnk.uri, 'example://logo.png');

      const failed = await call('fail', {});
      assert.equal(failed.isError, true, 'a tool error is a result, not a thrown protocol error');
    });

    test('arguments are validated against the input schema before anything is sent', async () => {
      await assert.rejects(patchbay.hub.callTool(actor(), name, 'add', { a: 'two', b: 2 }), (e: unknown) => isPatchbayError(e, 'INVALID_ARGUMENTS'));
      await assert.rejects(patchbay.hub.callTool(actor(), name, 'no_such_tool', {}), (e: unknown) => isPatchbayError(e, 'TOOL_NOT_FOUND'));
    });

    test('progress reaches the caller, and a slow call can be cancelled', async () => {
      const seen: number[] = [];
      const result = await patchbay.hub.callTool(actor(), name, 'slow', { steps: 3, delayMs: 5 }, { onProgress: (p) => seen.push(p.progress) });
      assert.equal(result.isError ?? false, false);
      assert.deepEqual(seen, [1, 2, 3]);

      const controller = new AbortController();
      const pending = patchbay.hub.callTool(actor(), name, 'slow', { steps: 50, delayMs: 200 }, {
        signal: controller.signal,
        onProgress: () => controller.abort(),
      });
      await assert.rejects(pending, (e: unknown) => isPatchbayError(e, 'CANCELLED'));
      // The session is still good after a cancellation.
      const echo = await patchbay.hub.callTool(actor(), name, 'echo', { message: 'still here' });
      assert.deepEqual(echo.content, [{ type: 'text', text: 'still here' }]);
    });

    test('a call that takes longer than its timeout fails with TIMEOUT', async () => {
      await assert.rejects(patchbay.hub.callTool(actor(), name, 'slow', { steps: 3, delayMs: 1000 }, { timeoutMs: 300 }), (e: unknown) =>
        isPatchbayError(e, 'TIMEOUT'),
      );
    });

    test('elicitation is answered by the handler the caller provides, and declined without one', async () => {
      const asked: string[] = [];
      const answered = await patchbay.hub.callTool(actor(), name, 'ask_name', {}, {
        onElicitation: async (request, context) => {
          asked.push(`${context.connector}: ${request.message}`);
          return { action: 'accept', content: { name: 'Ada' } };
        },
      });
      assert.equal(asked.length, 1);
      assert.match(asked[0], /^patchbay-example: /);
      assert.match(JSON.stringify(answered.content), /Ada/);

      const declined = await patchbay.hub.callTool(actor(), name, 'ask_name', {});
      assert.match(JSON.stringify(declined.content), /declin/i);
    });

    test('resources are listed across pages and read as text and blob', async () => {
      const catalog = await patchbay.hub.catalog(actor(), name, { refresh: true });
      const uris = catalog.resources.map((r) => r.uri);
      assert.equal(uris.length, ITEM_COUNT + 2, 'all pages walked');
      assert.equal(new Set(uris).size, uris.length, 'no page repeated');
      assert.ok(uris.includes('example://items/25'));

      const readme = await patchbay.hub.readResource(actor(), name, 'example://readme');
      assert.ok('text' in readme.contents[0] && readme.contents[0].text.length > 0);
      const logo = await patchbay.hub.readResource(actor(), name, 'example://logo.png');
      const blob = logo.contents[0];
      assert.ok('blob' in blob && Buffer.from(blob.blob, 'base64').subarray(0, 8).equals(PNG_SIGNATURE));

      assert.deepEqual(
        catalog.resourceTemplates.map((t) => t.uriTemplate),
        ['example://notes/{id}'],
      );
      const completion = await patchbay.hub.complete(actor(), name, { ref: { type: 'ref/resource', uri: 'example://notes/{id}' }, argument: { name: 'id', value: '' } });
      assert.ok(completion.completion.values.length > 0);
    });

    test('prompts take arguments, check required ones, and complete optional ones', async () => {
      const greeting = await patchbay.hub.getPrompt(actor(), name, 'greeting', { name: 'Grace', style: 'pirate' });
      assert.match(JSON.stringify(greeting.messages), /Grace/);
      await assert.rejects(patchbay.hub.getPrompt(actor(), name, 'greeting', {}), (e: unknown) => isPatchbayError(e, 'INVALID_ARGUMENTS'));
      await assert.rejects(patchbay.hub.getPrompt(actor(), name, 'nope', {}), (e: unknown) => isPatchbayError(e, 'PROMPT_NOT_FOUND'));
      const summarize = await patchbay.hub.getPrompt(actor(), name, 'summarize', {});
      assert.ok(summarize.messages.some((m) => m.content.type === 'resource'));
      const styles = await patchbay.hub.complete(actor(), name, { ref: { type: 'ref/prompt', name: 'greeting' }, argument: { name: 'style', value: 'p' } });
      assert.deepEqual(styles.completion.values, ['pirate']);
    });

    test('the catalog follows list_changed: new tools, changed descriptions, new resources', async () => {
      const toolChange = nextCatalogChange(patchbay, (c) => c.kinds.includes('tools'));
      server.addTool(`fresh_${expectedEra}`);
      await toolChange;
      let tools = (await patchbay.hub.catalog(actor(), name)).tools;
      assert.ok(tools.some((t) => t.name === `fresh_${expectedEra}`));

      const descriptionChange = nextCatalogChange(patchbay, (c) => c.kinds.includes('tools'));
      server.setToolDescription('echo', 'Echoes, now with a new description');
      await descriptionChange;
      tools = (await patchbay.hub.catalog(actor(), name)).tools;
      assert.equal(tools.find((t) => t.name === 'echo')?.description, 'Echoes, now with a new description');

      const resourceChange = nextCatalogChange(patchbay, (c) => c.kinds.includes('resources'));
      server.addResource({ uri: `example://added/${expectedEra}`, name: 'added', text: 'new' });
      await resourceChange;
      const resources = (await patchbay.hub.catalog(actor(), name)).resources;
      assert.ok(resources.some((r) => r.uri === `example://added/${expectedEra}`));
    });
  });
}
