/**
 * Resource subscriptions through the gateway for 2025-11-25 sessions: server-everything takes
 * `resources/subscribe` and, once its `toggle-subscriber-updates` tool is called, sends
 * `notifications/resources/updated` for every subscribed resource. Each update reaches
 * exactly the gateway sessions that subscribed to that resource, under the URI they used.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type EverythingServer, startEverything } from './fixtures/everything.ts';
import { connectGateway, type GatewayBed, type GatewayClient, openGatewayBed } from './fixtures/gateway-client.ts';

describe('resource subscriptions through the gateway (2025-11-25 sessions)', () => {
  let bed: GatewayBed;
  let everything: EverythingServer;
  const url = (path = '') => `${bed.server.url}/mcp${path}`;

  before(async () => {
    [bed, everything] = await Promise.all([openGatewayBed({ allow: true }), startEverything('streamableHttp')]);
    await bed.patchbay.hub.addConnector(bed.patchbay.actor('cli'), { url: everything.url, name: 'every' });
    await bed.patchbay.hub.setConnectorPolicy(bed.patchbay.actor('cli'), 'every', { defaultApproval: 'allow' });
  });
  after(async () => {
    await bed?.close();
    await everything?.close();
  });

  /** The URIs of the resource updates a client hears. */
  const heard = (gw: GatewayClient) => {
    const uris: string[] = [];
    gw.client.setNotificationHandler('notifications/resources/updated', (n) => void uris.push(n.params.uri));
    return uris;
  };

  test('offered where a connector in reach takes subscriptions, and not where none does', async () => {
    await using all = await connectGateway(url(), bed.token);
    assert.equal(all.client.getServerCapabilities()?.resources?.subscribe, true);
    await using exampleOnly = await connectGateway(url('/c/ex'), bed.token);
    assert.notEqual(exampleOnly.client.getServerCapabilities()?.resources?.subscribe, true);
    await assert.rejects(exampleOnly.client.subscribeResource({ uri: 'example://anything' }), /not found|not supported|Method/i);
    // Where it is offered, a resource of a connector that takes no subscriptions is refused with why.
    const exampleResource = (await all.client.listResources()).resources.find((r) => r.uri.startsWith('patchbay://ex/'));
    assert.ok(exampleResource);
    await assert.rejects(all.client.subscribeResource({ uri: exampleResource.uri }), /connector "ex" does not offer resource subscriptions/);
  });

  test('an update reaches exactly the sessions that subscribed to that resource, with the URI each used', async () => {
    await using a = await connectGateway(url(), bed.token);
    await using b = await connectGateway(url(), bed.token);
    await using one = await connectGateway(url('/c/every'), bed.token);
    await using bystander = await connectGateway(url(), bed.token);
    await Promise.all([a, b, one, bystander].map((gw) => gw.client.listTools().then(() => gw.notificationStreamOpen)));
    const mapped = (await a.client.listResources()).resources.map((r) => r.uri).filter((uri) => uri.startsWith('patchbay://every/'));
    assert.ok(mapped.length >= 2, 'server-everything lists resources');
    const [first, second] = mapped;
    const [heardA, heardB, heardOne, heardBystander] = [heard(a), heard(b), heard(one), heard(bystander)];
    await a.client.subscribeResource({ uri: first });
    await b.client.subscribeResource({ uri: second });
    // At the one-connector endpoint URIs pass unchanged: the same upstream resource as `first`.
    const original = first.slice('patchbay://every/'.length);
    await one.client.subscribeResource({ uri: original });

    // What the server sent, as Patchbay heard it: each session must hear exactly its resource's share.
    const sent: string[] = [];
    const stopCounting = bed.patchbay.hub.onResourceUpdated((update) => void sent.push(update.uri));
    const sentFor = (mappedUri: string) => sent.filter((uri) => `patchbay://every/${uri}` === mappedUri).length;
    const toggle = async () => a.client.callTool({ name: 'every__toggle-subscriber-updates', arguments: {} });
    assert.match(JSON.stringify((await toggle()).content), /Started simulated resource updated/);
    try {
      for (let i = 0; i < 100 && (heardA.length === 0 || heardB.length === 0 || heardOne.length === 0); i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      assert.match(JSON.stringify((await toggle()).content), /Stopped simulated resource updates/);
      stopCounting();
    }
    // Delivered after they were sent upstream; one more round trip on each session so a stray one would have arrived.
    for (let i = 0; i < 50 && (heardA.length < sentFor(first) || heardB.length < sentFor(second) || heardOne.length < sentFor(first)); i++) await new Promise((r) => setTimeout(r, 100));
    await Promise.all([a, b, one, bystander].map((gw) => gw.client.ping()));
    assert.ok(sentFor(first) > 0 && sentFor(second) > 0);
    assert.deepEqual(heardA, Array(sentFor(first)).fill(first));
    assert.deepEqual(heardB, Array(sentFor(second)).fill(second));
    assert.deepEqual(heardOne, Array(sentFor(first)).fill(original));
    assert.deepEqual(heardBystander, []);
    await a.client.unsubscribeResource({ uri: first });
    await b.client.unsubscribeResource({ uri: second });
    await one.client.unsubscribeResource({ uri: original });
  });

  test('the server-side subscription lasts while any session holds it, and ends with the last one (unsubscribed or closed)', async () => {
    await using a = await connectGateway(url(), bed.token);
    const b = await connectGateway(url(), bed.token);
    await using c = await connectGateway(url(), bed.token);
    await Promise.all([a, b, c].map((gw) => gw.client.listTools().then(() => gw.notificationStreamOpen)));
    const [first, second] = (await a.client.listResources()).resources.map((r) => r.uri).filter((uri) => uri.startsWith('patchbay://every/'));
    const [heardB, heardC] = [heard(b), heard(c)];
    const sent: string[] = [];
    const stopCounting = bed.patchbay.hub.onResourceUpdated((update) => void sent.push(`patchbay://every/${update.uri}`));
    const round = async (until: () => boolean) => {
      sent.length = 0;
      await a.client.callTool({ name: 'every__toggle-subscriber-updates', arguments: {} });
      try {
        for (let i = 0; i < 100 && !until(); i++) await new Promise((r) => setTimeout(r, 100));
      } finally {
        await a.client.callTool({ name: 'every__toggle-subscriber-updates', arguments: {} });
      }
    };
    try {
      await a.client.subscribeResource({ uri: first });
      await b.client.subscribeResource({ uri: first });
      await a.client.unsubscribeResource({ uri: first });
      await round(() => heardB.length > 0);
      assert.ok(sent.includes(first), 'still subscribed at the server while b holds it');

      // b goes away without unsubscribing; c's subscription to another resource shows a round happened.
      await b.transport.terminateSession();
      await b.close();
      await c.client.subscribeResource({ uri: second });
      await round(() => heardC.length > 0);
      assert.ok(sent.includes(second));
      assert.ok(!sent.includes(first), 'unsubscribed at the server once the last session holding it closed');
    } finally {
      stopCounting();
    }
  });

  test('a subscription outlives a restart of the server: the new upstream session is subscribed again', async () => {
    await using gw = await connectGateway(url('/c/every'), bed.token);
    await gw.client.listTools().then(() => gw.notificationStreamOpen);
    const [resource] = (await gw.client.listResources()).resources;
    assert.ok(resource, 'server-everything lists resources');
    const uris = heard(gw);
    await gw.client.subscribeResource({ uri: resource.uri });

    // The same address, a new process: it knows no session and no subscription.
    const port = Number(new URL(everything.url).port);
    await everything.close();
    everything = await startEverything('streamableHttp', { port });

    // The next call finds its session unknown (this server answers 400, "No valid session
    // ID provided", where the spec says 404), starts a new one, and subscribes it again.
    const toggled = await gw.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    assert.notEqual(toggled.isError, true, `the call after the restart ran: ${JSON.stringify(toggled.content)}`);
    try {
      for (let i = 0; i < 100 && !uris.includes(resource.uri); i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      await gw.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
    }
    assert.ok(uris.includes(resource.uri), `an update for ${resource.uri} after the restart; heard ${JSON.stringify(uris)}`);
  });

  test('a subscription to a URI the gateway did not give is refused with how gateway URIs look', async () => {
    await using gw = await connectGateway(url(), bed.token);
    await assert.rejects(gw.client.subscribeResource({ uri: 'demo://resource/static/document/nope' }), /patchbay:\/\/<connector>\/<URI>/);
  });
});
