import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { type RunningServer, startServer } from '../src/server/index.ts';
import { runCli } from './fixtures/cli-process.ts';
import { connectGateway } from './fixtures/gateway-client.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

const textOf = (result: { content?: unknown }) => ((result.content as Array<{ type: string; text?: string }>) ?? []).map((c) => c.text ?? '').join('');

describe('the gateway keeps tokens and tool directories in memory only while the store says nothing changed (SQLite)', () => {
  let example: ExampleServer;
  let patchbay: TestPatchbay;
  let server: RunningServer;
  const actor = () => patchbay.actor('cli');

  before(async () => {
    [example, patchbay] = await Promise.all([startExampleServer(), openTestPatchbay()]);
    await patchbay.hub.addConnector(actor(), { url: example.url, name: 'ex', project: 'work' });
    await patchbay.hub.setConnectorPolicy(actor(), 'ex', { defaultApproval: 'allow' });
    server = await startServer(patchbay, 'pb_unused-api-token-0123456789', { port: 0 });
  });
  after(async () => {
    await server?.close();
    await patchbay?.close();
    await example?.close();
  });

  test('a token revoked by another process (`patchbay token revoke`) is refused on the very next request', async () => {
    const { secret } = await patchbay.tokens.create(actor(), { name: 'elsewhere' });
    await using gw = await connectGateway(`${server.url}/mcp`, secret);
    // Verified and cached by now: several requests went through.
    assert.equal(textOf(await gw.client.callTool({ name: 'ex__echo', arguments: { message: 'before' } })), 'before');
    const revoked = await runCli(['token', 'revoke', 'elsewhere'], { env: { PATCHBAY_DATA_DIR: patchbay.dataDir, PATCHBAY_LOG_LEVEL: 'warn' } });
    assert.equal(revoked.code, 0, revoked.stderr);
    await assert.rejects(gw.client.callTool({ name: 'ex__echo', arguments: { message: 'after' } }), /401|Unauthorized|revoked/i);
    const direct = await fetch(`${server.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${secret}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    assert.equal(direct.status, 401);
    assert.match(((await direct.json()) as { error: { message: string } }).error.message, /revoked/);
  });

  test('a connector moved out of a token’s project by another process leaves its reach on the next call', async () => {
    const { secret } = await patchbay.tokens.create(actor(), { name: 'work-only', projects: ['work'] });
    await using gw = await connectGateway(`${server.url}/mcp`, secret);
    assert.ok((await gw.client.listTools()).tools.some((t) => t.name === 'ex__echo'));
    assert.equal(textOf(await gw.client.callTool({ name: 'ex__echo', arguments: { message: 'in' } })), 'in');
    const moved = await runCli(['update', 'ex', '--project', 'home'], { env: { PATCHBAY_DATA_DIR: patchbay.dataDir, PATCHBAY_LOG_LEVEL: 'warn' } });
    assert.equal(moved.code, 0, moved.stderr + moved.stdout);
    await assert.rejects(gw.client.callTool({ name: 'ex__echo', arguments: { message: 'out' } }), /No tool named/);
  });
});
