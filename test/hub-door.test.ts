import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Tool } from '@modelcontextprotocol/client';
import { isPatchbayError } from '../src/core/errors.ts';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import type { Connector } from '../src/store/index.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

const code = (c: string) => (e: unknown) => {
  assert.ok(isPatchbayError(e), String(e));
  assert.equal(e.code, c, e.message);
  return true;
};

/** What the door reads on every call (the stored tool list) and gives back (usage slots). */
describe('the door’s reads and releases', () => {
  let server: ExampleServer;
  let patchbay: TestPatchbay;
  let connector: Connector;
  const actor = () => patchbay.actor('cli');
  const storedTools = async () => (await patchbay.store.catalog.get(connector.id, patchbay.localUser.id, 'tools'))?.items as Tool[];
  const putStoredTools = (items: Tool[]) =>
    patchbay.store.catalog.put({ connectorId: connector.id, userId: patchbay.localUser.id, kind: 'tools', items, fetchedAt: new Date().toISOString() });

  before(async () => {
    server = await startExampleServer();
    patchbay = await openTestPatchbay();
    connector = (await patchbay.hub.addConnector(actor(), { url: server.url })).connector;
  });
  after(async () => {
    await patchbay?.close();
    await server?.close();
  });

  test('a call is checked against the stored definition of the tool', async () => {
    const tools = await storedTools();
    const strict = tools.map((t) =>
      t.name === 'echo' ? { ...t, inputSchema: { type: 'object' as const, properties: { message: { type: 'string' }, other: { type: 'string' } }, required: ['message', 'other'] } } : t,
    );
    await putStoredTools(strict);
    try {
      await assert.rejects(patchbay.hub.callTool(actor(), connector.name, 'echo', { message: 'hi' }), code('INVALID_ARGUMENTS'));
    } finally {
      await putStoredTools(tools);
    }
    assert.deepEqual((await patchbay.hub.callTool(actor(), connector.name, 'echo', { message: 'hi' })).content, [{ type: 'text', text: 'hi' }]);
  });

  test('a tool missing from the stored list is looked up at the server before the call is refused', async () => {
    await putStoredTools((await storedTools()).filter((t) => t.name !== 'echo'));
    assert.deepEqual((await patchbay.hub.callTool(actor(), connector.name, 'echo', { message: 'found' })).content, [{ type: 'text', text: 'found' }]);
    assert.ok((await storedTools()).some((t) => t.name === 'echo'), 'the stored list was refreshed');
    await assert.rejects(patchbay.hub.callTool(actor(), connector.name, 'no_such_tool', {}), code('TOOL_NOT_FOUND'));
  });

  test('after a reconnection the catalog still lists what the server offers', async () => {
    const before = await patchbay.hub.catalog(actor(), connector.name);
    await patchbay.pool.closeConnector(connector.id);
    await patchbay.hub.callTool(actor(), connector.name, 'echo', { message: 'again' });
    const afterCall = await patchbay.hub.catalog(actor(), connector.name);
    assert.deepEqual(afterCall.tools.map((t) => t.name).sort(), before.tools.map((t) => t.name).sort());
    assert.deepEqual(afterCall.resources.map((r) => r.uri).sort(), before.resources.map((r) => r.uri).sort());
    assert.deepEqual(afterCall.prompts.map((p) => p.name).sort(), before.prompts.map((p) => p.name).sort());
    assert.ok(afterCall.resources.length > 0 && afterCall.prompts.length > 0);
  });

  test('calls without a limit count nothing; under a limit every slot is given back, whatever the outcome', async () => {
    const usage = () => patchbay.store.usage.usage(patchbay.localUser.id, connector.id);
    for (let i = 0; i < 3; i++) await patchbay.hub.callTool(actor(), connector.name, 'echo', { message: `free ${i}` });
    assert.deepEqual(await usage(), []);

    await patchbay.hub.setConnectorPolicy(actor(), connector.name, { limits: { concurrent: 1, perDay: 100 } });
    try {
      // One slot: each call below runs only if the one before gave its slot back.
      await patchbay.hub.callTool(actor(), connector.name, 'echo', { message: 'ok' });
      assert.equal((await patchbay.hub.callTool(actor(), connector.name, 'fail', { message: 'tool error' })).isError, true);
      await assert.rejects(patchbay.hub.callTool(actor(), connector.name, 'slow', { steps: 5, delayMs: 200 }, { timeoutMs: 100 }), code('TIMEOUT'));
      await patchbay.hub.callTool(actor(), connector.name, 'echo', { message: 'still ok' });
      const counts = await usage();
      assert.equal(counts.find((c) => c.window === 'day' && c.scope === 'connector')?.used, 4);
      assert.equal(counts.filter((c) => c.window === 'concurrent' && c.used > 0).length, 0, 'no slot held after the calls');
    } finally {
      await patchbay.hub.setConnectorPolicy(actor(), connector.name, { limits: null });
    }
  });
});
