/**
 * Resource subscriptions through the gateway for 2026-07-28 (stateless) clients: a
 * `subscriptions/listen` stream names the gateway URIs it wants updates for. Patchbay
 * subscribes at the connector's server (server-everything here, which sends
 * `notifications/resources/updated` for every subscribed resource once its
 * `toggle-subscriber-updates` tool is called), acknowledges the URIs it could subscribe,
 * passes each update to exactly the streams that asked for it, and unsubscribes at the
 * server when the last stream holding it ends.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Client } from '@modelcontextprotocol/client';
import type { FetchLike } from '../src/mcp/index.ts';
import { type EverythingServer, startEverything } from './fixtures/everything.ts';
import { connectGateway, type GatewayBed, openGatewayBed } from './fixtures/gateway-client.ts';

describe('resource subscriptions through the gateway (2026-07-28 listen streams)', () => {
  let bed: GatewayBed;
  let everything: EverythingServer;
  const url = (path = '') => `${bed.server.url}/mcp${path}`;

  /** The URIs Patchbay unsubscribed from at a server (resources/unsubscribe requests it sent). */
  const unsubscribed: string[] = [];
  /** How long Patchbay's resources/unsubscribe and resources/subscribe requests are held on their way to the server. */
  let unsubscribeDelayMs = 0;
  let subscribeDelayMs = 0;
  const recordUnsubscribes = (fetch: FetchLike): FetchLike => async (target, init) => {
    if (typeof init?.body === 'string' && init.body.includes('"resources/unsubscribe"')) {
      unsubscribed.push(JSON.parse(init.body).params.uri);
      if (unsubscribeDelayMs > 0) await new Promise((r) => setTimeout(r, unsubscribeDelayMs));
    }
    if (subscribeDelayMs > 0 && typeof init?.body === 'string' && init.body.includes('"resources/subscribe"')) await new Promise((r) => setTimeout(r, subscribeDelayMs));
    return fetch(target, init);
  };

  before(async () => {
    [bed, everything] = await Promise.all([openGatewayBed({ allow: true, wrapFetch: recordUnsubscribes }), startEverything('streamableHttp')]);
    await bed.patchbay.hub.addConnector(bed.patchbay.actor('cli'), { url: everything.url, name: 'every' });
    await bed.patchbay.hub.setConnectorPolicy(bed.patchbay.actor('cli'), 'every', { defaultApproval: 'allow' });
    // The same server again: its URIs are spelled the same, but it is another connector, with a session of its own.
    await bed.patchbay.hub.addConnector(bed.patchbay.actor('cli'), { url: everything.url, name: 'every2' });
  });
  after(async () => {
    await bed?.close();
    await everything?.close();
  });

  const modernClient = async (path = '') => {
    const gw = await connectGateway(url(path), bed.token, { mode: 'auto' });
    assert.equal(gw.client.getNegotiatedProtocolVersion(), '2026-07-28');
    return gw;
  };

  /** The URIs of the resource updates a client hears. */
  const heard = (client: Client) => {
    const uris: string[] = [];
    client.setNotificationHandler('notifications/resources/updated', (n) => void uris.push(n.params.uri));
    return uris;
  };

  const until = async (condition: () => boolean, what: string) => {
    for (let i = 0; i < 100 && !condition(); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(condition(), what);
  };

  /** What the connector's server sent, as Patchbay heard it, as gateway URIs at `/mcp`. */
  const countSent = () => {
    const sent: string[] = [];
    const stop = bed.patchbay.hub.onResourceUpdated((update) => void sent.push(`patchbay://every/${update.uri}`));
    return { sent, stop };
  };

  /** Runs server-everything's simulated updates until `until` holds (or 10 s pass). */
  const round = async (client: Client, until: () => boolean) => {
    const toggle = async () => JSON.stringify((await client.callTool({ name: 'every__toggle-subscriber-updates', arguments: {} })).content);
    assert.match(await toggle(), /Started simulated resource updated/);
    try {
      for (let i = 0; i < 100 && !until(); i++) await new Promise((r) => setTimeout(r, 100));
    } finally {
      assert.match(await toggle(), /Stopped simulated resource updates/);
    }
  };

  test('offered where a connector in reach takes subscriptions, and not where none does', async () => {
    await using all = await modernClient();
    assert.equal(all.client.getServerCapabilities()?.resources?.subscribe, true);
    await using exampleOnly = await modernClient('/c/ex');
    assert.notEqual(exampleOnly.client.getServerCapabilities()?.resources?.subscribe, true);
    // Not offered there: the acknowledgment leaves the resources out.
    const subscription = await exampleOnly.client.listen({ resourceSubscriptions: ['example://anything'], toolsListChanged: true });
    try {
      assert.deepEqual(subscription.honoredFilter, { toolsListChanged: true });
    } finally {
      await subscription.close();
    }
  });

  test('the acknowledgment names the URIs subscribed; updates reach exactly the streams that asked, under their URIs', async () => {
    await using a = await modernClient();
    await using b = await modernClient();
    await using one = await modernClient('/c/every');
    await using bystander = await modernClient();
    const mapped = (await a.client.listResources()).resources.map((r) => r.uri).filter((uri) => uri.startsWith('patchbay://every/'));
    const exampleResource = (await a.client.listResources()).resources.find((r) => r.uri.startsWith('patchbay://ex/'));
    assert.ok(mapped.length >= 2 && exampleResource, 'both connectors list resources');
    const [first, second] = mapped;
    const original = first.slice('patchbay://every/'.length);
    const [heardA, heardB, heardOne, heardBystander] = [heard(a.client), heard(b.client), heard(one.client), heard(bystander.client)];

    // The example connector takes no subscriptions, and the third URI is none the gateway gave: both left out.
    const listenA = await a.client.listen({ resourceSubscriptions: [first, exampleResource.uri, 'demo://resource/static/document/nope'] });
    const listenB = await b.client.listen({ resourceSubscriptions: [second] });
    const listenOne = await one.client.listen({ resourceSubscriptions: [original] });
    const listenBystander = await bystander.client.listen({ toolsListChanged: true });
    const { sent, stop } = countSent();
    try {
      assert.deepEqual(listenA.honoredFilter.resourceSubscriptions, [first]);
      assert.deepEqual(listenB.honoredFilter.resourceSubscriptions, [second]);
      assert.deepEqual(listenOne.honoredFilter.resourceSubscriptions, [original]);
      const sentFor = (uri: string) => sent.filter((s) => s === uri).length;
      await round(a.client, () => heardA.length > 0 && heardB.length > 0 && heardOne.length > 0);
      // Delivered after they were sent upstream; wait until each stream has its share, so a stray one would show.
      for (let i = 0; i < 50 && (heardA.length < sentFor(first) || heardB.length < sentFor(second) || heardOne.length < sentFor(first)); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(sentFor(first) > 0 && sentFor(second) > 0);
      assert.deepEqual(heardA, Array(sentFor(first)).fill(first));
      assert.deepEqual(heardB, Array(sentFor(second)).fill(second));
      assert.deepEqual(heardOne, Array(sentFor(first)).fill(original));
      assert.deepEqual(heardBystander, []);
    } finally {
      stop();
      await Promise.all([listenA, listenB, listenOne, listenBystander].map((s) => s.close()));
    }
  });

  test('the server subscription lasts while a stream holds it, and ends with the last stream', async () => {
    await using a = await modernClient();
    await using b = await modernClient();
    const [first, second] = (await a.client.listResources()).resources.map((r) => r.uri).filter((uri) => uri.startsWith('patchbay://every/'));
    const [heardA, heardB] = [heard(a.client), heard(b.client)];
    const listenA = await a.client.listen({ resourceSubscriptions: [first] });
    const listenB = await b.client.listen({ resourceSubscriptions: [first, second] });
    const { sent, stop } = countSent();
    try {
      await listenA.close();
      await round(a.client, () => heardB.includes(first));
      assert.ok(sent.includes(first), 'still subscribed at the server while b holds it');
      assert.equal(heardA.length, 0, 'a closed stream hears nothing');

      // b's stream ends: once its teardown reaches the gateway, Patchbay unsubscribes at the server.
      const original = (uri: string) => uri.slice('patchbay://every/'.length);
      unsubscribed.length = 0;
      await listenB.close();
      for (let i = 0; i < 100 && !unsubscribed.includes(original(first)); i++) await new Promise((r) => setTimeout(r, 50));
      assert.ok(unsubscribed.includes(original(first)) && unsubscribed.includes(original(second)), `unsubscribed at the server: ${JSON.stringify(unsubscribed)}`);
      // A new stream on `second` alone: a round happens, and `first` is no longer sent.
      const listenAgain = await a.client.listen({ resourceSubscriptions: [second] });
      try {
        sent.length = 0;
        await round(a.client, () => heardA.includes(second));
        assert.ok(sent.includes(second));
        assert.ok(!sent.includes(first), 'unsubscribed at the server once the last stream holding it ended');
      } finally {
        await listenAgain.close();
      }
    } finally {
      stop();
    }
  });

  test('an update reaches only the stream of its connector, though another connector has a resource of the same URI', async () => {
    await using one = await modernClient('/c/every');
    await using two = await modernClient('/c/every2');
    const [resource] = (await one.client.listResources()).resources;
    assert.ok(resource, 'server-everything lists resources');
    const [heardOne, heardTwo] = [heard(one.client), heard(two.client)];
    const listenOne = await one.client.listen({ resourceSubscriptions: [resource.uri] });
    const listenTwo = await two.client.listen({ resourceSubscriptions: [resource.uri] });
    try {
      assert.deepEqual(listenTwo.honoredFilter.resourceSubscriptions, [resource.uri]);
      // Updates start on connector every's server session only.
      const sent: string[] = [];
      const stop = bed.patchbay.hub.onResourceUpdated((update) => {
        if (update.connector === 'every' && update.uri === resource.uri) sent.push(update.uri);
      });
      const toggle = async () => one.client.callTool({ name: 'toggle-subscriber-updates', arguments: {} });
      await toggle();
      try {
        await until(() => heardOne.length > 0, 'the stream at /c/every hears its update');
      } finally {
        await toggle();
        stop();
      }
      await until(() => heardOne.length >= sent.length, 'every update of every reached its stream');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(heardTwo, [], 'the stream at /c/every2 hears nothing of every');
    } finally {
      await Promise.all([listenOne.close(), listenTwo.close()]);
    }
  });

  test('a stream that subscribes while the last other stream on that resource is being unsubscribed still hears its updates', async () => {
    await using a = await modernClient();
    await using b = await modernClient();
    const [first] = (await a.client.listResources()).resources.map((r) => r.uri).filter((uri) => uri.startsWith('patchbay://every/'));
    const heardB = heard(b.client);
    const listenA = await a.client.listen({ resourceSubscriptions: [first] });
    unsubscribed.length = 0;
    unsubscribeDelayMs = 2000;
    let listenB: Awaited<ReturnType<typeof b.client.listen>> | undefined;
    try {
      // a's stream ends; while its server unsubscription is on its way, b subscribes to the same resource.
      await listenA.close();
      await until(() => unsubscribed.length > 0, 'the server unsubscription is under way');
      listenB = await b.client.listen({ resourceSubscriptions: [first] });
      assert.deepEqual(listenB.honoredFilter.resourceSubscriptions, [first]);
      // Past the held unsubscription: whatever it did at the server is done.
      await new Promise((r) => setTimeout(r, 2200));
      await round(a.client, () => heardB.length > 0);
      assert.ok(heardB.length > 0, 'b hears the updates it was acknowledged for');
    } finally {
      unsubscribeDelayMs = 0;
      await listenB?.close();
    }
  });

  test('one person may hold a bounded number of listen streams open at once', async () => {
    await using gw = await modernClient();
    // Streams other tests closed may still be ending at the gateway: until then they count, so try again.
    let opened = 0;
    for (let attempt = 0; attempt < 10 && opened !== 32; attempt++) {
      const open = [];
      let refusal: unknown;
      try {
        while (open.length < 40 && refusal === undefined) {
          try {
            open.push(await gw.client.listen({ toolsListChanged: true }));
          } catch (error) {
            refusal = error;
          }
        }
      } finally {
        opened = open.length;
        await Promise.all(open.map((s) => s.close()));
      }
      assert.match(String((refusal as Error)?.message), /at most 32 may be open at once for one person/);
      if (opened !== 32) await new Promise((r) => setTimeout(r, 200));
    }
    assert.equal(opened, 32);
  });

  test('listen requests still subscribing count towards the bound', async () => {
    await using gw = await modernClient();
    const [first] = (await gw.client.listResources()).resources.map((r) => r.uri).filter((uri) => uri.startsWith('patchbay://every/'));
    await new Promise((r) => setTimeout(r, 300));
    subscribeDelayMs = 300;
    try {
      const results = await Promise.allSettled(Array.from({ length: 40 }, () => gw.client.listen({ resourceSubscriptions: [first] })));
      const opened = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
      const refused = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error)?.message)] : []));
      await Promise.all(opened.map((s) => s.close()));
      assert.ok(opened.length <= 32, `${opened.length} streams opened`);
      assert.ok(refused.length >= 8 && refused.every((m) => /at most 32 may be open at once/.test(m)), refused.join(' | '));
    } finally {
      subscribeDelayMs = 0;
    }
  });

  test('a listen request the SDK refuses (an invalid filter) leaves no subscription at the server', async () => {
    await using gw = await modernClient();
    const [first] = (await gw.client.listResources()).resources.map((r) => r.uri).filter((uri) => uri.startsWith('patchbay://every/'));
    unsubscribed.length = 0;
    await assert.rejects(gw.client.listen({ resourceSubscriptions: [first], toolsListChanged: 'yes' as unknown as boolean }), /Invalid params/);
    for (let i = 0; i < 100 && unsubscribed.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(unsubscribed, [first.slice('patchbay://every/'.length)]);
  });

  test('more resources than one stream may hold is refused with what to do', async () => {
    await using gw = await modernClient();
    const uris = Array.from({ length: 101 }, (_, i) => `patchbay://every/demo://resource/static/document/${i}`);
    await assert.rejects(gw.client.listen({ resourceSubscriptions: uris }), /at most 100 resourceSubscriptions.*Open another stream/);
  });
});
