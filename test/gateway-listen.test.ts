/**
 * A 2026-07-28 (stateless) client through the gateway hears list changes on a
 * `subscriptions/listen` stream, as a 2025-11-25 client hears them on its session.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ExampleServer } from '../src/example-server/index.ts';
import type { RunningServer } from '../src/server/index.ts';
import { connectGateway, type GatewayBed, openGatewayBed } from './fixtures/gateway-client.ts';

describe('list_changed for stateless gateway clients', () => {
  let example: ExampleServer;
  let server: RunningServer;
  let token: string;

  let bed: GatewayBed;

  before(async () => {
    bed = await openGatewayBed({ allow: true });
    ({ example, server, token } = bed);
  });
  after(() => bed?.close());

  test('a tool the server adds reaches a listening 2026-07-28 client as tools/list_changed, and is then listed', async () => {
    await using gw = await connectGateway(`${server.url}/mcp`, token, { mode: 'auto' });
    assert.equal(gw.client.getNegotiatedProtocolVersion(), '2026-07-28');
    await gw.client.listTools();
    const changed = Promise.withResolvers<void>();
    gw.client.setNotificationHandler('notifications/tools/list_changed', () => changed.resolve());
    const subscription = await gw.client.listen({ toolsListChanged: true });
    try {
      example.addTool('heard_late', 'Arrived late.');
      await changed.promise;
      assert.ok((await gw.client.listTools()).tools.some((t) => t.name === 'ex__heard_late'));
    } finally {
      example.removeTool('heard_late');
      await subscription.close();
    }
  });
});
