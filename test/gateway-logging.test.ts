import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { LOG_LEVEL_META_KEY } from '@modelcontextprotocol/client';
import { McpServer } from '@modelcontextprotocol/server';
import { startServer } from '../src/server/index.ts';
import { connectGateway } from './fixtures/gateway-client.ts';
import { startMcpSessionServer } from './fixtures/mcp-session-server.ts';
import { openTestPatchbay } from './fixtures/patchbay.ts';

/** A 2025-11-25 server whose one tool logs two lines about the call, at info and debug. */
function chattyServer(): McpServer {
  const mcp = new McpServer({ name: 'chatty', version: '1.0.0' }, { capabilities: { tools: {}, logging: {} } });
  mcp.registerTool('work', { description: 'Works, and says so in the log.' }, async (ctx) => {
    await ctx.mcpReq.log('info', { step: 'started' }, 'work');
    await ctx.mcpReq.log('debug', { step: 'details' }, 'work');
    return { content: [{ type: 'text' as const, text: 'done' }] };
  });
  return mcp;
}

/** The chatty server as connector "chatty" (allowed) of a served Patchbay, and a token for its gateway. */
async function serveChatty(t: TestContext): Promise<{ url: string; token: string }> {
  const upstream = await startMcpSessionServer(chattyServer);
  const patchbay = await openTestPatchbay();
  const actor = patchbay.actor('cli');
  await patchbay.hub.addConnector(actor, { url: upstream.url, name: 'chatty' });
  await patchbay.hub.setConnectorPolicy(actor, 'chatty', { defaultApproval: 'allow' });
  const server = await startServer(patchbay, 'pb_unused-api-token-0123456789', { port: 0 });
  const token = (await patchbay.tokens.create(actor, { name: 'logs' })).secret;
  t.after(async () => {
    await server.close();
    await patchbay.close();
    await upstream.close();
  });
  return { url: `${server.url}/mcp`, token };
}

test('a server’s log lines about a call reach the gateway client that asked for them, at its level', async (t) => {
  const { url, token } = await serveChatty(t);

  await using gw = await connectGateway(url, token);
  const lines: Array<{ level: string; data: unknown; logger?: string }> = [];
  gw.client.setNotificationHandler('notifications/message', (notification) => void lines.push(notification.params));
  await gw.client.setLoggingLevel('info');
  const result = await gw.client.callTool({ name: 'chatty__work', arguments: {} });
  assert.deepEqual(result.content, [{ type: 'text', text: 'done' }]);
  assert.deepEqual(lines, [{ level: 'info', logger: 'work', data: { step: 'started' } }], 'the info line, not the debug one');

  await gw.client.setLoggingLevel('debug');
  lines.length = 0;
  await gw.client.callTool({ name: 'chatty__work', arguments: {} });
  assert.deepEqual(
    lines.map((line) => line.level),
    ['info', 'debug'],
  );
});

test('a 2026-07-28 client that names a log level hears the server’s lines too', async (t) => {
  const { url, token } = await serveChatty(t);
  await using gw = await connectGateway(url, token, { mode: 'auto' });
  const lines: Array<{ level: string }> = [];
  gw.client.setNotificationHandler('notifications/message', (notification) => void lines.push(notification.params));
  // A 2026-07-28 request names its log level in its own _meta.
  await gw.client.callTool({ name: 'chatty__work', arguments: {}, _meta: { [LOG_LEVEL_META_KEY]: 'debug' } });
  assert.deepEqual(
    lines.map((line) => line.level),
    ['info', 'debug'],
  );
});
