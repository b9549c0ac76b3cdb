import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createAdaptorServer } from '@hono/node-server';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { createUserScopedMcpHandler, type UserScopedMcpHandler } from './user-scoped-handler.ts';

/** A 2026-07-28 client listening for list changes, counting what arrives, as `user`. */
async function listenAs(url: string, user: string) {
  const client = new Client({ name: `listener-${user}`, version: '1.0.0' }, { versionNegotiation: { mode: 'auto' } });
  const seen = { tools: 0, prompts: 0, resources: 0 };
  const waiters: Array<() => void> = [];
  const bump = (kind: keyof typeof seen) => () => {
    seen[kind]++;
    for (const wake of waiters.splice(0)) wake();
  };
  client.setNotificationHandler('notifications/tools/list_changed', bump('tools'));
  client.setNotificationHandler('notifications/prompts/list_changed', bump('prompts'));
  client.setNotificationHandler('notifications/resources/list_changed', bump('resources'));
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { 'x-test-user': user } } }));
  const subscription = await client.listen({ toolsListChanged: true, promptsListChanged: true, resourcesListChanged: true });
  const until = async (done: () => boolean) => {
    while (!done()) await new Promise<void>((wake) => waiters.push(wake));
  };
  const close = async () => {
    await subscription.close();
    await client.close();
  };
  return { client, seen, until, close };
}

describe('list_changed for stateless clients, scoped to the user whose catalog changed', () => {
  let handler: UserScopedMcpHandler;
  let url: string;
  let server: ReturnType<typeof createAdaptorServer>;

  before(async () => {
    handler = createUserScopedMcpHandler(
      () => {
        const mcp = new McpServer({ name: 'lists', version: '1.0.0' }, { capabilities: { tools: { listChanged: true }, prompts: { listChanged: true }, resources: { listChanged: true } } });
        mcp.registerTool('noop', { inputSchema: z.object({}) }, () => ({ content: [] }));
        return mcp;
      },
      { legacy: 'reject', userOf: (authInfo) => authInfo?.clientId },
    );
    server = createAdaptorServer({
      hostname: '127.0.0.1',
      fetch: (request: Request) => {
        const user = request.headers.get('x-test-user') ?? undefined;
        return handler.fetch(request, { authInfo: user ? { token: user, clientId: user, scopes: [] } : undefined });
      },
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`;
  });

  after(async () => {
    await handler?.close();
    server?.close();
  });

  test('a change to one user’s catalog reaches that user’s streams only; a broadcast reaches everyone', async () => {
    const alice = await listenAs(url, 'alice');
    const bob = await listenAs(url, 'bob');
    const bobAgain = await listenAs(url, 'bob');
    try {
      assert.equal(handler.bus.listenerCount('alice'), 1);
      assert.equal(handler.bus.listenerCount('bob'), 2);

      handler.notifyCatalogChanged({ userId: 'bob', kinds: ['tools', 'resourceTemplates'] });
      // Alice's stream is ordered: had Bob's change reached her, it would arrive before this.
      handler.notifyCatalogChanged({ userId: 'alice', kinds: ['prompts'] });
      await alice.until(() => alice.seen.prompts === 1);
      await bob.until(() => bob.seen.tools === 1 && bob.seen.resources === 1);
      await bobAgain.until(() => bobAgain.seen.tools === 1 && bobAgain.seen.resources === 1);
      assert.deepEqual(alice.seen, { tools: 0, prompts: 1, resources: 0 }, 'Alice never hears that Bob’s lists changed');

      handler.notifyCatalogChanged({ userId: 'carol', kinds: ['tools'] });
      handler.notify.toolsChanged();
      await alice.until(() => alice.seen.tools === 1);
      await bob.until(() => bob.seen.tools === 2);
      assert.deepEqual(alice.seen, { tools: 1, prompts: 1, resources: 0 }, 'a user with no stream open changes nothing for the others');
      assert.deepEqual(bob.seen, { tools: 2, prompts: 0, resources: 1 });
    } finally {
      await alice.close();
      await bob.close();
      await bobAgain.close();
    }
  });
});
