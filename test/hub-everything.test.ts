import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { isPatchbayError } from '../src/core/errors.ts';
import { type EverythingServer, startEverything } from './fixtures/everything.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

describe('the hub against the published server-everything', () => {
  for (const mode of ['streamableHttp', 'sse'] as const) {
    describe(`in its ${mode} mode`, () => {
      let everything: EverythingServer;
      let patchbay: TestPatchbay;
      let name: string;
      const actor = () => patchbay.actor('api');

      before(async () => {
        everything = await startEverything(mode);
        patchbay = await openTestPatchbay();
        // Always "auto": for the SSE server, Patchbay must find the legacy transport by itself.
        name = (await patchbay.hub.addConnector(actor(), { url: everything.url, transport: 'auto' })).connector.name;
      });
      after(async () => {
        await patchbay?.close();
        await everything?.close();
      });

      test('connects with the transport that works and remembers it', async () => {
        const connector = await patchbay.hub.getConnector(actor(), name);
        assert.equal(name, 'mcp-servers-everything');
        assert.equal(connector.server?.transport, mode === 'sse' ? 'sse' : 'streamable-http');
        assert.equal(connector.server?.protocolVersion, '2025-11-25');
        assert.equal(connector.server?.era, 'legacy');
        assert.equal(connector.transport, 'auto', 'the preference stays as the person set it');
      });

      test('lists and calls its tools, keeping each content type', async () => {
        const tools = await patchbay.hub.listTools(actor(), name, { refresh: true });
        for (const tool of ['echo', 'get-sum', 'get-tiny-image', 'get-structured-content', 'get-resource-links', 'get-resource-reference', 'get-annotated-message']) {
          assert.ok(
            tools.some((t) => t.name === tool),
            `missing ${tool}`,
          );
        }
        const call = (tool: string, args: Record<string, unknown>) => patchbay.hub.callTool(actor(), name, tool, args);
        assert.deepEqual((await call('echo', { message: 'ping' })).content, [{ type: 'text', text: 'Echo: ping' }]);
        assert.match(JSON.stringify((await call('get-sum', { a: 2, b: 3 })).content), /5/);

        const image = (await call('get-tiny-image', {})).content.find((c) => c.type === 'image');
        assert.ok(image && image.type === 'image' && Buffer.from(image.data, 'base64').subarray(0, 4).equals(PNG_SIGNATURE));

        const structured = await call('get-structured-content', { location: 'New York' });
        assert.equal(typeof structured.structuredContent, 'object');
        assert.ok(Object.hasOwn(structured.structuredContent as object, 'temperature'));

        const links = await call('get-resource-links', { count: 2 });
        assert.equal(links.content.filter((c) => c.type === 'resource_link').length, 2);

        const reference = await call('get-resource-reference', { resourceType: 'Text', resourceId: 1 });
        assert.ok(reference.content.some((c) => c.type === 'resource'));

        await assert.rejects(call('get-sum', { a: 'x', b: 1 }), (e: unknown) => isPatchbayError(e, 'INVALID_ARGUMENTS'));
      });

      test('reads static and templated resources, text and blob', async () => {
        const catalog = await patchbay.hub.catalog(actor(), name);
        assert.ok(catalog.resources.length >= 7);
        const first = await patchbay.hub.readResource(actor(), name, catalog.resources[0].uri);
        assert.ok('text' in first.contents[0] && first.contents[0].text.length > 0);

        const templates = catalog.resourceTemplates.map((t) => t.uriTemplate);
        assert.ok(templates.some((t) => t.includes('/blob/')));
        const blobUri = templates.find((t) => t.includes('/blob/'))!.replace('{resourceId}', '3');
        const blob = await patchbay.hub.readResource(actor(), name, blobUri);
        assert.ok('blob' in blob.contents[0] && Buffer.from(blob.contents[0].blob, 'base64').length > 0);
      });

      test('gets prompts with arguments and completes their values', async () => {
        const prompts = (await patchbay.hub.catalog(actor(), name)).prompts.map((p) => p.name);
        assert.ok(prompts.includes('args-prompt') && prompts.includes('simple-prompt'));
        const result = await patchbay.hub.getPrompt(actor(), name, 'args-prompt', { city: 'Lisbon' });
        assert.match(JSON.stringify(result.messages), /Lisbon/);
        await assert.rejects(patchbay.hub.getPrompt(actor(), name, 'args-prompt', {}), (e: unknown) => isPatchbayError(e, 'INVALID_ARGUMENTS'));
        const completion = await patchbay.hub.complete(actor(), name, {
          ref: { type: 'ref/prompt', name: 'completable-prompt' },
          argument: { name: 'department', value: 'E' },
        });
        assert.deepEqual(completion.completion.values, ['Engineering']);
      });

      test('sees the tools it announces after initialization (list_changed)', async () => {
        // server-everything registers its elicitation tool only for clients that declare elicitation,
        // and announces it with tools/list_changed after the session starts.
        let tools = (await patchbay.hub.catalog(actor(), name)).tools.map((t) => t.name);
        for (let i = 0; i < 50 && !tools.includes('trigger-elicitation-request'); i++) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          tools = (await patchbay.hub.catalog(actor(), name)).tools.map((t) => t.name);
        }
        assert.ok(tools.includes('trigger-elicitation-request'), `tools: ${tools.join(', ')}`);
      });
    });
  }
});
