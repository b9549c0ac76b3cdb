import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { silentLogger } from '../src/core/log.ts';
import { CALL_TOOL, Chat, type ChatEvent, estimateTokens, SEARCH_TOOL, type ToolDefinition } from '../src/hub/index.ts';
import { type LlmServer, startLlmServer } from './fixtures/llm-server.ts';
import { type ManyToolsServer, startManyToolsServer } from './fixtures/many-tools-server.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

/**
 * Context economy: with 300 tools across three connectors, the tool definitions sent per turn
 * stay under the budget, and the model still finds and calls the right tool by searching.
 */

const BUDGET = 4000;

const estimateTokensOfEach = (definitions: ToolDefinition[]) => definitions.reduce((n, d) => n + estimateTokens(JSON.stringify(d)), 0);

async function collect(events: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

describe('the search surface', () => {
  const servers: ManyToolsServer[] = [];
  let llm: LlmServer;
  let patchbay: TestPatchbay;
  const me = () => patchbay.actor('api');

  before(async () => {
    llm = await startLlmServer();
    patchbay = await openTestPatchbay({ PATCHBAY_CHAT_TOOL_TOKEN_BUDGET: String(BUDGET) });
    for (const [i, name] of ['crm', 'billing', 'ops'].entries()) {
      const extra =
        name === 'ops' ? [{ name: 'weather_forecast', description: 'Gives the weather forecast for a city, for the next three days.', answer: (a: Record<string, string>) => `Sunny in ${a.city}` }] : [];
      const server = await startManyToolsServer({ count: i === 2 ? 99 : 100, name, extra });
      servers.push(server);
      await patchbay.hub.addConnector(patchbay.actor('cli'), { url: server.url, name });
      await patchbay.hub.setConnectorPolicy(patchbay.actor('cli'), name, { defaultApproval: 'allow' });
    }
    await patchbay.models.add(me(), { provider: 'openai-compatible', baseUrl: llm.openaiBaseUrl, model: 'double' });
  });
  after(async () => {
    await patchbay?.close();
    await llm?.close();
    for (const server of servers) await server.close();
  });

  test('300 tools are offered as search/describe/call under the budget; the model finds and calls the right one', async () => {
    const conversation = await patchbay.chat.createConversation(me(), {});
    const offer = await patchbay.chat.toolOffer(me(), conversation);
    assert.equal(offer.tools.length, 300);
    assert.equal(offer.compact, true);
    assert.ok(offer.footprint.total > BUDGET * 4, `every definition would cost ${offer.footprint.total} tokens`);
    assert.deepEqual(offer.footprint.connectors.map((c) => [c.connector, c.tools]).sort(), [['billing', 100], ['crm', 100], ['ops', 100]]);

    llm.script(
      { toolCalls: [{ name: SEARCH_TOOL, arguments: { query: 'weather forecast for a city' } }] },
      (request) => {
        // The model picks the first match the search returned.
        const found = request.body.messages.filter((m: { role: string }) => m.role === 'tool').at(-1).content as string;
        return { toolCalls: [{ name: CALL_TOOL, arguments: { name: found.split(':')[0], arguments: { city: 'Oslo' } } }] };
      },
      { text: 'It will be sunny in Oslo.' },
    );
    const events = await collect(patchbay.chat.send(me(), conversation.id, { text: 'What is the weather in Oslo?' }));
    assert.deepEqual(events.at(-1), { type: 'done', reason: 'finished' });

    const sent = llm.requests.slice(-3);
    for (const request of sent) {
      const tokens = estimateTokens(JSON.stringify(request.body.tools));
      assert.ok(tokens < BUDGET / 4, `tool definitions of one request cost ${tokens} tokens`);
      assert.deepEqual(
        request.body.tools.map((t: { function: { name: string } }) => t.function.name),
        ['patchbay_search_tools', 'patchbay_describe_tool', 'patchbay_call_tool'],
      );
    }
    const searchResult = sent[1].body.messages.filter((m: { role: string }) => m.role === 'tool').at(-1).content as string;
    assert.match(searchResult.split('\n')[0], /^ops__weather_forecast: Gives the weather forecast/);
    const ends = events.flatMap((e) => (e.type === 'tool-end' ? [e.call] : []));
    assert.deepEqual(ends.map((c) => [c.toolName, c.connector, c.connectorTool, c.status]), [
      [SEARCH_TOOL, null, null, 'done'],
      [CALL_TOOL, 'ops', 'weather_forecast', 'done'],
    ]);
    assert.deepEqual(sent[2].body.messages.filter((m: { role: string }) => m.role === 'tool').at(-1).content, 'Sunny in Oslo');
    const audit = await patchbay.hub.auditEvents(me(), { connector: 'ops' });
    assert.ok(audit.some((e) => e.toolName === 'weather_forecast' && e.door === 'chat'), 'the call went through the door');
  });

  test('the search surface keeps the permissions: a tool at Ask pauses the turn with its own arguments', async () => {
    await patchbay.hub.updateToolSetting(patchbay.actor('cli'), 'ops', 'weather_forecast', { approval: 'ask' });
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script({ toolCalls: [{ name: CALL_TOOL, arguments: { name: 'ops__weather_forecast', arguments: { city: 'Bergen' } } }] }, { text: 'Sunny.' });
    const first = await collect(patchbay.chat.send(me(), conversation.id, { text: 'Weather in Bergen?' }));
    const card = first.find((e) => e.type === 'approval');
    assert.ok(card && card.type === 'approval');
    assert.deepEqual([card.approval.connector, card.approval.tool, card.approval.arguments], ['ops', 'weather_forecast', { city: 'Bergen' }]);
    const rest = await collect(patchbay.chat.answer(me(), conversation.id, card.approval.id, 'once'));
    assert.equal(rest.find((e) => e.type === 'tool-end')?.type, 'tool-end');
    assert.deepEqual(llm.requests.at(-1)!.body.messages.filter((m: { role: string }) => m.role === 'tool').at(-1).content, 'Sunny in Bergen');
  });

  test('under the budget the model gets every definition, and the footprint counts them', async () => {
    const roomy = new Chat({ hub: patchbay.hub, models: patchbay.models, store: patchbay.store, logger: silentLogger, toolTokenBudget: 1_000_000 });
    const conversation = await roomy.createConversation(me(), { connectors: ['ops'] });
    const offer = await roomy.toolOffer(me(), conversation);
    assert.equal(offer.compact, false);
    assert.equal(offer.definitions.length, 100);
    assert.ok(offer.definitions.every((d) => d.name.startsWith('ops__')));
    assert.equal(offer.footprint.total, estimateTokensOfEach(offer.definitions));
    assert.deepEqual(offer.footprint.connectors.map((c) => [c.connector, c.tools]), [['ops', 100]]);
  });

  test('a conversation of a project offers only the tools of that project’s connectors', async () => {
    await patchbay.hub.updateConnector(patchbay.actor('cli'), 'ops', { project: 'field' });
    const conversation = await patchbay.chat.createConversation(me(), { project: 'field' });
    const offer = await patchbay.chat.toolOffer(me(), conversation);
    assert.equal(offer.tools.length, 100);
    assert.ok(offer.tools.every((t) => t.connector === 'ops'));
    const everything = await patchbay.chat.toolOffer(me(), await patchbay.chat.updateConversation(me(), conversation.id, { project: null }));
    assert.equal(everything.tools.length, 300);
  });
});
