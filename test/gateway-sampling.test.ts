/**
 * Sampling through the gateway: server-everything's `trigger-sampling-request` asks for a
 * model's reply during a tool call; Patchbay passes the request to the downstream client
 * when it supports sampling (2025-11-25 sessions directly, 2026-07-28 clients through
 * multi-round-trip requests), and refuses it (JSON-RPC -1) when nobody can answer.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { PatchbayError } from '../src/core/errors.ts';
import { type RunningServer, startServer } from '../src/server/index.ts';
import { type EverythingServer, startEverything } from './fixtures/everything.ts';
import { connectGateway, type GatewayClient } from './fixtures/gateway-client.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

const textOf = (result: { content?: unknown }) => ((result.content as Array<{ text?: string }>) ?? []).map((c) => c.text ?? '').join('');
const SAMPLING_TOOL = 'every__trigger-sampling-request';

describe('sampling requests from an upstream server, through the gateway', () => {
  let everything: EverythingServer;
  let patchbay: TestPatchbay;
  let server: RunningServer;
  let token: string;
  const actor = () => patchbay.actor('cli');

  before(async () => {
    [everything, patchbay] = await Promise.all([startEverything('streamableHttp'), openTestPatchbay()]);
    await patchbay.hub.addConnector(actor(), { url: everything.url, name: 'every' });
    await patchbay.hub.setConnectorPolicy(actor(), 'every', { defaultApproval: 'allow' });
    server = await startServer(patchbay, 'pb_unused-api-token-0123456789', { port: 0 });
    token = (await patchbay.tokens.create(actor(), { name: 'client' })).secret;
  });
  after(async () => {
    await server?.close();
    await patchbay?.close();
    await everything?.close();
  });

  /** server-everything offers its sampling tool only to clients that declare sampling, announced after initialization. */
  const waitForSamplingTool = async (gw: GatewayClient) => {
    for (let i = 0; i < 50; i++) {
      if ((await gw.client.listTools()).tools.some((t) => t.name === SAMPLING_TOOL)) return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.fail(`${SAMPLING_TOOL} was never listed: Patchbay did not declare sampling upstream`);
  };

  for (const mode of ['legacy', 'auto'] as const) {
    test(`a ${mode === 'legacy' ? '2025-11-25' : '2026-07-28'} client that supports sampling gets the server’s request, and its model’s reply goes back to the server`, async () => {
      const asked: any[] = [];
      await using gw = await connectGateway(`${server.url}/mcp`, token, {
        mode,
        sample: (params) => {
          asked.push(params);
          return { role: 'assistant', model: 'downstream-model', content: { type: 'text', text: 'The downstream model answers.' } };
        },
      });
      await waitForSamplingTool(gw);
      const result = await gw.client.callTool({ name: SAMPLING_TOOL, arguments: { prompt: 'Say something', maxTokens: 20 } });
      assert.equal(result.isError, undefined, textOf(result));
      assert.equal(asked.length, 1);
      assert.equal(asked[0].maxTokens, 20);
      assert.equal(asked[0].systemPrompt, 'You are a helpful test server.');
      assert.match(JSON.stringify(asked[0].messages), /Say something/);
      assert.match(textOf(result), /LLM sampling result/);
      assert.match(textOf(result), /The downstream model answers\./);
      assert.match(textOf(result), /downstream-model/);
    });
  }

  test('a client without sampling (either era) and the CLI door get the server’s failure: the request was refused, not left hanging', async () => {
    await using gw = await connectGateway(`${server.url}/mcp`, token);
    await waitForSamplingTool(gw);
    const result = await gw.client.callTool({ name: SAMPLING_TOOL, arguments: { prompt: 'Anyone?', maxTokens: 5 } });
    assert.equal(result.isError, true);
    assert.match(textOf(result), /Sampling is not available for this request/);

    // A 2026-07-28 client that did not declare sampling is not sent the request: refused the same way.
    await using modern = await connectGateway(`${server.url}/mcp`, token, { mode: 'auto', elicit: () => assert.fail('asked to elicit instead') });
    await waitForSamplingTool(modern);
    const stateless = await modern.client.callTool({ name: SAMPLING_TOOL, arguments: { prompt: 'Anyone?', maxTokens: 5 } });
    assert.equal(stateless.isError, true);
    assert.match(textOf(stateless), /Sampling is not available for this request/);

    const fromCli = await patchbay.hub.callTool(actor(), 'every', 'trigger-sampling-request', { prompt: 'Anyone?', maxTokens: 5 }).then(
      (r) => textOf(r),
      (error: PatchbayError) => error.message,
    );
    assert.match(fromCli, /Sampling is not available for this request/);
  });
});
