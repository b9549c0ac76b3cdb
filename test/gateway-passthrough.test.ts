import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../src/core/log.ts';
import type { ExampleServer } from '../src/example-server/index.ts';
import type { RunningServer } from '../src/server/index.ts';
import { connectGateway, type GatewayBed, openGatewayBed } from './fixtures/gateway-client.ts';

const textOf = (result: { content?: unknown }) => ((result.content as Array<{ text?: string }>) ?? []).map((c) => c.text ?? '').join('');

describe('the gateway passes list changes, progress, cancellation and elicitation through', () => {
  let example: ExampleServer;
  let server: RunningServer;
  let token: string;
  const upstreamLog: Array<{ msg: string }> = [];
  const url = () => `${server.url}/mcp`;

  let bed: GatewayBed;

  before(async () => {
    bed = await openGatewayBed({ allow: true, example: { logger: createLogger('info', {}, (line) => upstreamLog.push(JSON.parse(line))) } });
    ({ example, server, token } = bed);
  });
  after(() => bed?.close());

  test('a tool the server adds reaches the client as tools/list_changed, and is then listed', async () => {
    await using gw = await connectGateway(url(), token);
    await gw.client.listTools();
    await gw.notificationStreamOpen;
    const changed = Promise.withResolvers<void>();
    gw.client.setNotificationHandler('notifications/tools/list_changed', () => changed.resolve());
    example.addTool('late_tool', 'Arrived late.');
    await changed.promise;
    assert.ok((await gw.client.listTools()).tools.some((t) => t.name === 'ex__late_tool'));
    example.removeTool('late_tool');
  });

  for (const mode of ['legacy', 'auto'] as const) {
    test(`progress from the server reaches a ${mode === 'legacy' ? '2025-11-25' : '2026-07-28'} client`, async () => {
      await using gw = await connectGateway(url(), token, { mode });
      const seen: number[] = [];
      const result = await gw.client.callTool({ name: 'ex__slow', arguments: { steps: 3, delayMs: 5 } }, { onprogress: (p) => seen.push(p.progress) });
      assert.equal(result.isError, undefined, textOf(result));
      assert.deepEqual(seen, [1, 2, 3]);
    });
  }

  test('a client’s cancellation stops the call at the server', async () => {
    await using gw = await connectGateway(url(), token);
    const controller = new AbortController();
    const started = Promise.withResolvers<void>();
    const call = gw.client.callTool({ name: 'ex__slow', arguments: { steps: 50, delayMs: 100 } }, { signal: controller.signal, onprogress: () => started.resolve() });
    await started.promise;
    controller.abort();
    await assert.rejects(call);
    for (let i = 0; i < 100 && !upstreamLog.some((l) => l.msg === 'slow cancelled'); i++) await new Promise((r) => setTimeout(r, 50));
    assert.ok(upstreamLog.some((l) => l.msg === 'slow cancelled'), 'the server saw the cancellation');
  });

  test('a server’s question during a call is asked in the client (elicitation passed through)', async () => {
    const asked: string[] = [];
    await using gw = await connectGateway(url(), token, {
      elicit: (params) => {
        asked.push((params as { message: string }).message);
        return { action: 'accept', content: { name: 'Ada' } };
      },
    });
    const result = await gw.client.callTool({ name: 'ex__ask_name', arguments: {} });
    assert.equal(textOf(result), 'Hello, Ada!');
    assert.deepEqual(asked, ['What is your name?']);
    await using silent = await connectGateway(url(), token);
    assert.match(textOf(await silent.client.callTool({ name: 'ex__ask_name', arguments: {} })), /declined|cancelled/);
  });
});
