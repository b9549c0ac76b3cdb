/**
 * What one person can hold open at the gateway is bounded: resource subscriptions at
 * their servers (1000, over all their sessions and listen streams), and 2025-11-25
 * sessions (256; past that the least recently used one ends, and its client is told 404,
 * which makes it start a new one). A token holder cannot make Patchbay hold without end.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { connectGateway, type GatewayBed, openGatewayBed } from './fixtures/gateway-client.ts';
import { type EverythingServer, startEverything } from './fixtures/everything.ts';

const MAX_RESOURCES = 1000;
const MAX_SESSIONS = 256;

describe('limits per person at the gateway', () => {
  let bed: GatewayBed;
  let everything: EverythingServer;
  const url = () => `${bed.server.url}/mcp`;

  before(async () => {
    [bed, everything] = await Promise.all([openGatewayBed({ allow: true }), startEverything('streamableHttp')]);
    await bed.patchbay.hub.addConnector(bed.patchbay.actor('cli'), { url: everything.url, name: 'every' });
  });
  after(async () => {
    await bed?.close();
    await everything?.close();
  });

  test(`resource subscriptions: ${MAX_RESOURCES} at once for one person, over all their sessions; the next is refused with what to do`, async () => {
    await using a = await connectGateway(url(), bed.token);
    await using b = await connectGateway(url(), bed.token);
    const uri = (i: number) => `patchbay://every/test://limits/${i}`;
    // Half through each session, 25 at a time.
    for (let i = 0; i < MAX_RESOURCES; i += 25) {
      await Promise.all(Array.from({ length: 25 }, (_, k) => (i + k < MAX_RESOURCES / 2 ? a : b).client.subscribeResource({ uri: uri(i + k) })));
    }
    // The same resource again (another session) is no new subscription at its server: allowed.
    await a.client.subscribeResource({ uri: uri(MAX_RESOURCES - 1) });
    const refused = await b.client.subscribeResource({ uri: uri(MAX_RESOURCES) }).then(
      () => assert.fail('a subscription past the limit was taken'),
      (error: { code?: number; message: string; data?: { code?: string } }) => error,
    );
    assert.equal(refused.data?.code, 'USAGE_LIMIT_EXCEEDED');
    assert.match(refused.message, /at most 1000 resources/);
    assert.match(refused.message, /Unsubscribe/);

    // One unsubscribed frees one place.
    await a.client.unsubscribeResource({ uri: uri(0) });
    await b.client.subscribeResource({ uri: uri(MAX_RESOURCES) });
    await assert.rejects(b.client.subscribeResource({ uri: uri(MAX_RESOURCES + 1) }), /at most 1000/);

    // A session that ends gives back what only it held (a's first half); what b shares stays held.
    await a.transport.terminateSession();
    await a.close();
    let taken = false;
    for (let i = 0; i < 100 && !taken; i++) {
      taken = await b.client.subscribeResource({ uri: uri(MAX_RESOURCES + 1) }).then(
        () => true,
        () => false,
      );
      if (!taken) await new Promise((r) => setTimeout(r, 50));
    }
    assert.ok(taken, 'the places of an ended session are given back');
    // Ended too, so the next test starts with no session.
    await b.transport.terminateSession();
  });

  test('a subscription to a connector removed since can still be ended (its entry, and its place under the limit, go)', async () => {
    await bed.patchbay.hub.addConnector(bed.patchbay.actor('cli'), { url: everything.url, name: 'gone' });
    await using gw = await connectGateway(url(), bed.token);
    const uri = 'patchbay://gone/test://limits/removed';
    await gw.client.subscribeResource({ uri });
    await bed.patchbay.hub.removeConnector(bed.patchbay.actor('cli'), 'gone');
    await gw.client.unsubscribeResource({ uri });
    // Ended: unsubscribing again finds nothing of it (the URI names no connector any more).
    await assert.rejects(gw.client.unsubscribeResource({ uri }), /No resource/);
    await gw.transport.terminateSession();
  });

  test(`sessions: past ${MAX_SESSIONS} for one person, the least recently used of the same token's ends (404), the others go on`, async () => {
    const other = (await bed.patchbay.tokens.create(bed.patchbay.actor('cli'), { name: 'agent' })).secret;
    const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' });
    const initialize = async (token: string): Promise<string> => {
      const response = await fetch(url(), {
        method: 'POST',
        headers: headers(token),
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'limits', version: '1' } } }),
      });
      assert.equal(response.status, 200);
      await response.body?.cancel();
      return response.headers.get('mcp-session-id')!;
    };
    const ping = async (token: string, session: string): Promise<number> => {
      const response = await fetch(url(), {
        method: 'POST',
        headers: { ...headers(token), 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
      });
      await response.body?.cancel();
      return response.status;
    };
    // The person's desktop client holds one session, the least recently used of all (the test
    // before ended its own); an agent with another token fills the rest, and opens one more.
    const desktop = await initialize(bed.token);
    const sessions: string[] = [];
    for (let i = 1; i < MAX_SESSIONS; i++) sessions.push(await initialize(other));
    // The agent's first is used again, so its second is now its least recently used.
    assert.equal(await ping(other, sessions[0]), 200);
    const newest = await initialize(other);
    assert.equal(await ping(other, sessions[1]), 404, 'the agent’s own least recently used session ended');
    assert.equal(await ping(bed.token, desktop), 200, 'the desktop client’s session, older still, goes on');
    assert.equal(await ping(other, sessions[0]), 200, 'a session used lately goes on');
    assert.equal(await ping(other, newest), 200);

    // A token with no session of its own: the person's least recently used ends, whichever token's
    // (the agent's third now: the desktop's was just used).
    const third = (await bed.patchbay.tokens.create(bed.patchbay.actor('cli'), { name: 'third' })).secret;
    await initialize(third);
    assert.equal(await ping(other, sessions[2]), 404);
    assert.equal(await ping(bed.token, desktop), 200);
  });
});
