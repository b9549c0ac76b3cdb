/**
 * Resource subscriptions with a remote server that speaks only 2026-07-28, where there is
 * no resources/subscribe: Patchbay holds one `subscriptions/listen` stream per session
 * naming every subscribed resource, opens it again for each new set (and closes it with
 * the last), listens again when the server ends it, and passes the updates on — to the
 * hub's listeners and through the gateway to the sessions that subscribed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { connectGateway, type GatewayBed, openGatewayBed } from './fixtures/gateway-client.ts';
import { MODERN_DOCS, type ModernResourceServer, startModernResourceServer } from './fixtures/modern-resource-server.ts';

const [DOC1, DOC2] = MODERN_DOCS;
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

async function until(condition: () => boolean, what: string, tries = 200): Promise<void> {
  for (let i = 0; i < tries && !condition(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.ok(condition(), what);
}

describe('resource subscriptions with a server that speaks only 2026-07-28', () => {
  let bed: GatewayBed;
  let server: ModernResourceServer;

  before(async () => {
    [bed, server] = await Promise.all([openGatewayBed({ allow: true }), startModernResourceServer()]);
    await bed.patchbay.hub.addConnector(bed.patchbay.actor('cli'), { url: server.url, name: 'm' });
  });
  after(async () => {
    await bed?.close();
    await server?.close();
  });

  /** A client of `patchbay gateway --stdio --connector m` on the bed's store (spawned), and the resource updates it hears. */
  const stdioGateway = async (mode: 'legacy' | 'auto') => {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PATCHBAY_')) env[k] = v;
    const client = new Client({ name: 'stdio-subscriber', version: '1.0.0' }, { versionNegotiation: { mode } });
    const heard: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void heard.push(n.params.uri));
    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [MAIN, 'gateway', '--stdio', '--connector', 'm'],
      env: { ...env, PATCHBAY_DATA_DIR: bed.patchbay.dataDir, PATCHBAY_LOG_LEVEL: 'warn' },
      stderr: 'pipe',
    });
    await client.connect(transport);
    return { client, heard };
  };

  /** The updates of connector m's resources the hub hears, in order. */
  const heardByHub = () => {
    const uris: string[] = [];
    const stop = bed.patchbay.hub.onResourceUpdated((update) => {
      if (update.connector === 'm') uris.push(update.uri);
    });
    return { uris, stop };
  };

  test('one listen stream for the subscribed set, opened again as it changes: exactly their updates arrive', async () => {
    const actor = bed.patchbay.actor('cli');
    const { hub } = bed.patchbay;
    assert.equal((await hub.getConnector(actor, 'm')).server?.era, 'modern');
    const { uris, stop } = heardByHub();
    try {
      await hub.subscribeResource(actor, 'm', DOC1);
      assert.equal(server.openStreams(), 1);
      server.update(DOC2);
      server.update(DOC1);
      await until(() => uris.length > 0, 'an update of the subscribed resource');
      assert.deepEqual(uris, [DOC1], 'the unsubscribed resource is not heard');

      await hub.subscribeResource(actor, 'm', DOC2);
      await until(() => server.openStreams() === 1, 'the stream it replaced is closed');
      uris.length = 0;
      server.update(DOC2);
      server.update(DOC1);
      await until(() => uris.length >= 2, 'both updates');
      assert.deepEqual(uris, [DOC2, DOC1]);

      await hub.unsubscribeResource(actor, 'm', DOC1);
      uris.length = 0;
      server.update(DOC1);
      server.update(DOC2);
      await until(() => uris.length > 0, 'the update of the resource still subscribed');
      assert.deepEqual(uris, [DOC2]);

      await hub.unsubscribeResource(actor, 'm', DOC2);
      await until(() => server.openStreams() === 0, 'the stream closes with the last subscription');
    } finally {
      stop();
    }
  });

  test('when the server restarts, the stream is opened again and updates resume', async () => {
    const actor = bed.patchbay.actor('cli');
    const { hub } = bed.patchbay;
    const { uris, stop } = heardByHub();
    try {
      await hub.subscribeResource(actor, 'm', DOC1);
      const port = server.port;
      await server.close();
      server = await startModernResourceServer({ port });
      await until(() => server.openStreams() === 1, 'listening again at the restarted server');
      server.update(DOC1);
      await until(() => uris.length > 0, 'an update after the restart');
      assert.deepEqual(uris, [DOC1]);
      await hub.unsubscribeResource(actor, 'm', DOC1);
      await until(() => server.openStreams() === 0, 'closed with the last subscription');
    } finally {
      stop();
    }
  });

  test('a server restarted without list changes or subscriptions is not asked again and again', async () => {
    let other = await startModernResourceServer({ listChanged: true });
    try {
      const actor = bed.patchbay.actor('cli');
      const { hub } = bed.patchbay;
      await hub.addConnector(actor, { url: other.url, name: 'other' });
      await hub.subscribeResource(actor, 'other', DOC1);
      await until(() => other.openStreams() === 2, 'a list-change stream and a resource stream');
      const port = other.port;
      await other.close();
      other = await startModernResourceServer({ port, listChanged: false, subscribe: false });
      // Each stream is opened again once; the server honors neither, so that is the end of it (the
      // list-change stream is asked for again only after the longest backoff, a minute).
      await until(() => other.listenRequests() >= 2, 'both streams asked for again');
      await new Promise((r) => setTimeout(r, 2000));
      assert.ok(other.listenRequests() <= 2, `listen requests after the restart: ${other.listenRequests()}`);
      assert.equal(other.openStreams(), 0);
      // The resource the server no longer takes was dropped: a new subscription is refused with why.
      await assert.rejects(hub.subscribeResource(actor, 'other', DOC2), /did not accept a subscription to memo:\/\/doc\/2/);
    } finally {
      await other.close();
    }
  });

  test('a gateway session subscribes to a resource of that server and hears its updates', async () => {
    await using gw = await connectGateway(`${bed.server.url}/mcp/c/m`, bed.token);
    assert.equal(gw.client.getServerCapabilities()?.resources?.subscribe, true);
    const heard: string[] = [];
    gw.client.setNotificationHandler('notifications/resources/updated', (n) => void heard.push(n.params.uri));
    await gw.client.listTools().then(() => gw.notificationStreamOpen);
    await gw.client.subscribeResource({ uri: DOC2 });
    server.update(DOC1);
    server.update(DOC2);
    await until(() => heard.length > 0, 'the gateway session hears the update');
    assert.deepEqual(heard, [DOC2]);
    await gw.client.unsubscribeResource({ uri: DOC2 });
    await until(() => server.openStreams() === 0, 'unsubscribed at the server');
  });

  test('the gateway over stdio, serving from the store itself, lets a 2025-11-25 client subscribe', async () => {
    const { client, heard } = await stdioGateway('legacy');
    try {
      assert.equal(client.getServerCapabilities()?.resources?.subscribe, true);
      await client.subscribeResource({ uri: DOC1 });
      await until(() => server.openStreams() === 1, 'the stdio gateway listens at the server');
      server.update(DOC2);
      server.update(DOC1);
      await until(() => heard.length > 0, 'the stdio client hears the update');
      assert.deepEqual(heard, [DOC1]);
      await client.unsubscribeResource({ uri: DOC1 });
      await until(() => server.openStreams() === 0, 'unsubscribed at the server');
    } finally {
      await client.close();
    }
  });

  test('the gateway over stdio lets a 2026-07-28 client listen for resource updates: subscribed at the server while a stream holds them, one update per stream', async () => {
    const { client, heard } = await stdioGateway('auto');
    try {
      assert.equal(client.getNegotiatedProtocolVersion(), '2026-07-28');
      assert.equal(client.getServerCapabilities()?.resources?.subscribe, true);
      // Each URI is a subscription at its server: more than 100 on one stream are refused, with what to do.
      const many = Array.from({ length: 101 }, (_, i) => `memo://doc/${i}`);
      await assert.rejects(client.listen({ resourceSubscriptions: many }), /at most 100 resourceSubscriptions per subscriptions\/listen stream \(101 were asked for\)/);
      const first = await client.listen({ resourceSubscriptions: [DOC1] });
      assert.deepEqual(first.honoredFilter.resourceSubscriptions, [DOC1]);
      const second = await client.listen({ resourceSubscriptions: [DOC1] });
      assert.deepEqual(second.honoredFilter.resourceSubscriptions, [DOC1]);
      await until(() => server.openStreams() === 1, 'the stdio gateway listens at the server, once for both streams');
      server.update(DOC2);
      server.update(DOC1);
      await until(() => heard.length >= 2, 'both streams hear the update');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(heard, [DOC1, DOC1], 'one update per stream, none of the resource not asked for');

      // The subscription at the server lasts while a stream holds it, and ends with the last.
      await first.close();
      await new Promise((r) => setTimeout(r, 300));
      assert.equal(server.openStreams(), 1, 'the other stream still holds it');
      await second.close();
      await until(() => server.openStreams() === 0, 'unsubscribed at the server once no stream holds it');
    } finally {
      await client.close();
    }
  });
});
