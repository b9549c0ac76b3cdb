import assert from 'node:assert/strict';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isPatchbayError } from '../src/core/errors.ts';
import type { ChatEvent } from '../src/hub/index.ts';
import { startAskingServer, VISIT_URL } from './fixtures/asking-server.ts';
import { type LlmServer, startLlmServer } from './fixtures/llm-server.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';
import { startTinyServer, TINY_LOGO_BYTES, TINY_LOGO_URI, TINY_README_TEXT, TINY_README_URI, type TinyServer } from './fixtures/tiny-server.ts';

/**
 * The chat's turn loop end to end below the browser: a real Patchbay (SQLite file), the
 * real tiny MCP server, and the LLM double behind the real AI SDK provider clients.
 */

async function collect(events: AsyncIterable<ChatEvent>): Promise<ChatEvent[]> {
  const out: ChatEvent[] = [];
  for await (const event of events) out.push(event);
  return out;
}

const texts = (events: ChatEvent[]) => events.flatMap((e) => (e.type === 'text' ? [e.delta] : []));
const done = (events: ChatEvent[]) => events.find((e) => e.type === 'done');
/** The tool results the model was sent in one OpenAI request, by tool call id. */
const toolResults = (body: { messages: Array<{ role: string; tool_call_id?: string; content: string }> }) =>
  body.messages.filter((m) => m.role === 'tool').map((m) => m.content);

describe('chat turns through the one door', () => {
  let tiny: TinyServer;
  let llm: LlmServer;
  let patchbay: TestPatchbay;
  let modelId: string;
  const me = () => patchbay.actor('api');

  before(async () => {
    tiny = await startTinyServer();
    llm = await startLlmServer();
    patchbay = await openTestPatchbay({ PATCHBAY_CHAT_MAX_TOOL_STEPS: '3' });
    await patchbay.hub.addConnector(patchbay.actor('cli'), { url: tiny.url, name: 'tiny' });
    modelId = (await patchbay.models.add(me(), { provider: 'openai-compatible', baseUrl: llm.openaiBaseUrl, model: 'double-1', apiKey: 'sk-local-secret-1234', name: 'Double' })).id;
  });
  after(async () => {
    await patchbay?.close();
    await llm?.close();
    await tiny?.close();
  });

  test('the model key is sealed in the store, never listed, and sent to the endpoint', async () => {
    const listed = await patchbay.models.list(me());
    assert.deepEqual(listed.map((m) => [m.name, m.provider, m.model, m.hasKey]), [['Double', 'openai-compatible', 'double-1', true]]);
    assert.equal(JSON.stringify(listed).includes('sk-local-secret'), false);
    const db = new DatabaseSync(join(patchbay.dataDir, 'patchbay.db'), { readOnly: true });
    const row = db.prepare('select key_ciphertext from model_endpoints').get() as { key_ciphertext: string };
    db.close();
    assert.equal(row.key_ciphertext.includes('sk-local-secret'), false);

    const conversation = await patchbay.chat.createConversation(me(), {});
    assert.equal(conversation.modelId, modelId, 'a new conversation gets the first model');
    llm.script({ text: ['Hello ', 'there.'] });
    const events = await collect(patchbay.chat.send(me(), conversation.id, { text: 'Say hello' }));
    assert.deepEqual(texts(events), ['Hello ', 'there.']);
    assert.deepEqual(done(events), { type: 'done', reason: 'finished' });
    const sent = llm.requests.at(-1)!;
    assert.equal(sent.headers.authorization, 'Bearer sk-local-secret-1234');
    assert.equal(sent.body.model, 'double-1');
    assert.deepEqual(sent.body.messages.at(-1), { role: 'user', content: 'Say hello' });
    assert.ok(sent.body.tools.some((t: { function: { name: string } }) => t.function.name === 'tiny__echo'), 'the connector’s tools are offered under stable names');

    const { conversation: stored, messages } = await patchbay.chat.getConversation(me(), conversation.id);
    assert.equal(stored.title, 'Say hello', 'the first message names the conversation');
    assert.deepEqual(messages.map((m) => [m.role, m.parts]), [
      ['user', [{ type: 'text', text: 'Say hello' }]],
      ['assistant', [{ type: 'text', text: 'Hello there.' }]],
    ]);
  });

  test('Ask pauses the turn with an approval card; Allow once runs the call and the turn goes on', async () => {
    const conversation = await patchbay.chat.createConversation(me(), { connectors: ['tiny'] });
    llm.script({ text: 'Let me echo.', toolCalls: [{ name: 'tiny__echo', arguments: { text: 'ping' } }] }, { text: ['The tool said ', 'ping.'] });
    const first = await collect(patchbay.chat.send(me(), conversation.id, { text: 'Echo ping' }));
    const card = first.find((e) => e.type === 'approval');
    assert.ok(card && card.type === 'approval', 'an approval card');
    assert.deepEqual(
      { connector: card.approval.connector, tool: card.approval.tool, arguments: card.approval.arguments },
      { connector: 'tiny', tool: 'echo', arguments: { text: 'ping' } },
    );
    assert.match(card.approval.description, /Returns the text it is given/);
    assert.deepEqual(done(first), { type: 'done', reason: 'awaiting-approval' });
    const requestsBefore = llm.requests.length;

    const second = await collect(patchbay.chat.answer(me(), conversation.id, card.approval.id, 'once'));
    const result = second.find((e) => e.type === 'tool-end');
    assert.ok(result && result.type === 'tool-end');
    assert.equal(result.call.status, 'done');
    assert.deepEqual((result.call.result as { content: unknown }).content, [{ type: 'text', text: 'ping' }]);
    assert.deepEqual(texts(second), ['The tool said ', 'ping.']);
    assert.deepEqual(done(second), { type: 'done', reason: 'finished' });
    assert.equal(llm.requests.length, requestsBefore + 1);
    assert.deepEqual(toolResults(llm.requests.at(-1)!.body), ['ping'], 'the model was given the result');

    const audit = (await patchbay.hub.auditEvents(me(), { connector: 'tiny' })).filter((e) => e.conversationId === conversation.id);
    assert.ok(audit.some((e) => e.door === 'chat' && e.decision === 'allowed:approval'), 'the call went through the door as chat');
    await assert.rejects(collect(patchbay.chat.answer(me(), conversation.id, card.approval.id, 'once')), (e: unknown) => isPatchbayError(e, 'APPROVAL_INVALID'));
  });

  test('an approval answered elsewhere (the connector page, the CLI) stands when the chat continues', async () => {
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script({ toolCalls: [{ name: 'tiny__echo', arguments: { text: 'elsewhere' } }] }, { text: 'Done elsewhere.' });
    const first = await collect(patchbay.chat.send(me(), conversation.id, { text: 'Echo elsewhere' }));
    const card = first.find((e) => e.type === 'approval');
    assert.ok(card && card.type === 'approval');
    await patchbay.hub.answerApproval(patchbay.actor('cli'), card.approval.id, 'once');
    const rest = await collect(patchbay.chat.answer(me(), conversation.id, card.approval.id, 'deny'));
    const end = rest.find((e) => e.type === 'tool-end');
    assert.equal(end?.type === 'tool-end' && end.call.status, 'done', 'allowed at the CLI, so it ran');
    assert.deepEqual(texts(rest), ['Done elsewhere.']);
  });

  test('continue answers nothing: a request still waiting is refused and stays waiting; answered elsewhere, the turn goes on as answered; unanswered in time, the model is told', async () => {
    const ask = async (text: string) => {
      const conversation = await patchbay.chat.createConversation(me(), {});
      llm.script({ toolCalls: [{ name: 'tiny__echo', arguments: { text } }] }, { text: `After ${text}.` });
      const card = (await collect(patchbay.chat.send(me(), conversation.id, { text: `Echo ${text}` }))).find((e) => e.type === 'approval');
      assert.ok(card && card.type === 'approval');
      return { conversation, id: card.approval.id };
    };
    const waiting = await ask('waiting');
    await assert.rejects(collect(patchbay.chat.answer(me(), waiting.conversation.id, waiting.id, 'continue')), (e: unknown) => isPatchbayError(e, 'APPROVAL_INVALID') && /not been answered yet/.test((e as Error).message));
    assert.equal((await patchbay.hub.approvalRequest(me(), waiting.id))?.status, 'pending', 'continuing granted nothing');
    const [stillWaiting] = (await patchbay.chat.getConversation(me(), waiting.conversation.id)).messages.at(-1)!.toolCalls;
    assert.equal(stillWaiting.status, 'awaiting-approval');

    await patchbay.hub.answerApproval(patchbay.actor('cli'), waiting.id, 'deny');
    const denied = await collect(patchbay.chat.answer(me(), waiting.conversation.id, waiting.id, 'continue'));
    assert.equal(denied.find((e) => e.type === 'tool-end')?.type === 'tool-end' && (denied.find((e) => e.type === 'tool-end') as { call: { status: string } }).call.status, 'denied');
    assert.deepEqual(texts(denied), ['After waiting.']);

    // Nobody answered in time (its expiry moved into the past, as time would).
    const lapsed = await ask('lapsed');
    const db = new DatabaseSync(join(patchbay.dataDir, 'patchbay.db'));
    db.prepare('update approval_requests set expires_at = ? where id = ?').run('2000-01-01T00:00:00.000Z', lapsed.id);
    db.close();
    const expired = await collect(patchbay.chat.answer(me(), lapsed.conversation.id, lapsed.id, 'continue'));
    const end = expired.find((e) => e.type === 'tool-end');
    assert.ok(end && end.type === 'tool-end');
    assert.equal(end.call.status, 'cancelled');
    assert.equal(end.call.error?.code, 'APPROVAL_EXPIRED');
    assert.match(toolResults(llm.requests.at(-1)!.body).at(-1) ?? '', /in time/);
  });

  test('two Patchbays continuing the same call (replicas, or a tab on each): one goes on, the other is told it was answered', async () => {
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script({ toolCalls: [{ name: 'tiny__echo', arguments: { text: 'twice' } }] }, { text: 'Once only.' });
    const card = (await collect(patchbay.chat.send(me(), conversation.id, { text: 'Echo twice' }))).find((e) => e.type === 'approval');
    assert.ok(card && card.type === 'approval');
    await patchbay.hub.answerApproval(patchbay.actor('cli'), card.approval.id, 'once');
    await using other = await openTestPatchbay({}, { dataDir: patchbay.dataDir });
    const before = llm.requests.length;
    const results = await Promise.allSettled([
      collect(patchbay.chat.answer(me(), conversation.id, card.approval.id, 'continue')),
      collect(other.chat.answer(other.actor('api'), conversation.id, card.approval.id, 'continue')),
    ]);
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'one goes on');
    const refused = results.find((r) => r.status === 'rejected');
    assert.ok(refused && isPatchbayError(refused.reason, 'APPROVAL_INVALID'), String(refused?.status === 'rejected' && refused.reason));
    assert.equal(llm.requests.length, before + 1, 'one model turn');
  });

  test('writing again instead of answering: the waiting call is cancelled, said so at once, and its request leaves the pending approvals', async () => {
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script({ toolCalls: [{ name: 'tiny__echo', arguments: { text: 'left' } }] });
    const card = (await collect(patchbay.chat.send(me(), conversation.id, { text: 'Echo left' }))).find((e) => e.type === 'approval');
    assert.ok(card && card.type === 'approval');
    assert.ok((await patchbay.hub.pendingApprovals(me())).some((a) => a.id === card.approval.id));
    llm.script({ text: 'Something else, then.' });
    const next = await collect(patchbay.chat.send(me(), conversation.id, { text: 'Never mind' }));
    const cancelled = next.find((e) => e.type === 'tool-end');
    assert.ok(cancelled && cancelled.type === 'tool-end', 'the page hears that the call ended');
    assert.equal(cancelled.call.status, 'cancelled');
    assert.ok(!(await patchbay.hub.pendingApprovals(me())).some((a) => a.id === card.approval.id), 'withdrawn from the pending approvals');
    await assert.rejects(patchbay.hub.answerApproval(patchbay.actor('cli'), card.approval.id, 'once'), (e: unknown) => isPatchbayError(e, 'APPROVAL_INVALID'));
  });

  test('Deny tells the model the person refused', async () => {
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script({ toolCalls: [{ name: 'tiny__echo', arguments: { text: 'no' } }] }, { text: 'Understood.' });
    const first = await collect(patchbay.chat.send(me(), conversation.id, { text: 'Echo no' }));
    const card = first.find((e) => e.type === 'approval');
    assert.ok(card && card.type === 'approval');
    const second = await collect(patchbay.chat.answer(me(), conversation.id, card.approval.id, 'deny'));
    assert.equal(second.find((e) => e.type === 'tool-end' && e.call.status === 'denied')?.type, 'tool-end');
    assert.match(toolResults(llm.requests.at(-1)!.body)[0], /denied/);
    assert.deepEqual(texts(second), ['Understood.']);
  });

  test('Always allow makes the tool Allow: the next call runs without asking; an image result is described to the model', async () => {
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script({ toolCalls: [{ name: 'tiny__image', arguments: {} }] }, { text: 'An image.' });
    const first = await collect(patchbay.chat.send(me(), conversation.id, { text: 'Show an image' }));
    const card = first.find((e) => e.type === 'approval');
    assert.ok(card && card.type === 'approval');
    await collect(patchbay.chat.answer(me(), conversation.id, card.approval.id, 'always'));
    assert.match(toolResults(llm.requests.at(-1)!.body)[0], /^\[image: image\/png, 1229 bytes\]\n\[resource link: tiny:\/\/logo\.png \(logo\)\]$/);
    llm.script({ toolCalls: [{ name: 'tiny__image', arguments: {} }] }, { text: 'Again.' });
    const again = await collect(patchbay.chat.send(me(), conversation.id, { text: 'Once more' }));
    assert.equal(again.some((e) => e.type === 'approval'), false);
    assert.equal(again.find((e) => e.type === 'tool-end')?.type === 'tool-end', true);
    const { tools } = await patchbay.hub.toolPolicies(patchbay.actor('cli'), 'tiny');
    assert.equal(tools.find((t) => t.tool.name === 'image')?.setting.approval, 'allow');
  });

  test('invisible characters in what a server returns never reach the model; the conversation keeps what was sent', async () => {
    await patchbay.hub.updateToolSetting(patchbay.actor('cli'), 'tiny', 'echo', { approval: 'allow' });
    const conversation = await patchbay.chat.createConversation(me(), {});
    // Zero-width space, right-to-left override and tag characters spelling "RUN": a message only a model would read.
    const hidden = 'sunny\u200b\u202e\u{E0052}\u{E0055}\u{E004E}';
    llm.script({ toolCalls: [{ name: 'tiny__echo', arguments: { text: hidden } }] }, { text: 'Sunny.' });
    await collect(patchbay.chat.send(me(), conversation.id, { text: 'Weather?' }));
    assert.deepEqual(toolResults(llm.requests.at(-1)!.body), ['sunny']);
    const { messages } = await patchbay.chat.getConversation(me(), conversation.id);
    const call = messages.flatMap((m) => m.toolCalls).at(-1)!;
    assert.deepEqual((call.result as { content: unknown }).content, [{ type: 'text', text: hidden }]);
    await patchbay.hub.updateToolSetting(patchbay.actor('cli'), 'tiny', 'echo', { approval: 'default' });
  });

  test('a blocked tool is refused at the door and the model is told so', async () => {
    await patchbay.hub.updateToolSetting(patchbay.actor('cli'), 'tiny', 'add', { approval: 'block' });
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script({ toolCalls: [{ name: 'tiny__add', arguments: { a: 1, b: 2 } }] }, { text: 'That tool is blocked.' });
    const events = await collect(patchbay.chat.send(me(), conversation.id, { text: 'Add 1 and 2' }));
    assert.equal(
      (llm.requests.at(-2)!.body.tools as Array<{ function: { name: string } }>).some((t) => t.function.name === 'tiny__add'),
      false,
      'a blocked tool is not offered',
    );
    const refused = events.find((e) => e.type === 'tool-end');
    assert.ok(refused && refused.type === 'tool-end');
    assert.equal(refused.call.status, 'refused');
    assert.equal(refused.call.error?.code, 'TOOL_BLOCKED');
    assert.match(toolResults(llm.requests.at(-1)!.body)[0], /Refused by Patchbay \(TOOL_BLOCKED\)/);
    assert.deepEqual(texts(events), ['That tool is blocked.']);
  });

  test('a usage limit stops the next call with a clear message', async () => {
    await patchbay.hub.updateToolSetting(patchbay.actor('cli'), 'tiny', 'echo', { approval: 'allow', limits: { perConversation: 1 } });
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script(
      { toolCalls: [{ name: 'tiny__echo', arguments: { text: 'one' } }] },
      { toolCalls: [{ name: 'tiny__echo', arguments: { text: 'two' } }] },
      { text: 'The limit is reached.' },
    );
    const events = await collect(patchbay.chat.send(me(), conversation.id, { text: 'Echo twice' }));
    const ends = events.flatMap((e) => (e.type === 'tool-end' ? [e.call] : []));
    assert.deepEqual(ends.map((c) => c.status), ['done', 'refused']);
    assert.equal(ends[1].error?.code, 'USAGE_LIMIT_EXCEEDED');
    assert.match(ends[1].error?.message ?? '', /limit of 1 call in this conversation for the tool "echo" is reached/);
    assert.deepEqual(done(events), { type: 'done', reason: 'finished' });
    await patchbay.hub.updateToolSetting(patchbay.actor('cli'), 'tiny', 'echo', { limits: null });
  });

  test('tool steps per turn are capped', async () => {
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.fallback = { toolCalls: [{ name: 'tiny__echo', arguments: { text: 'again' } }] };
    try {
      const before = llm.requests.length;
      const events = await collect(patchbay.chat.send(me(), conversation.id, { text: 'Loop' }));
      assert.equal(events.filter((e) => e.type === 'tool-end').length, 3);
      const error = events.find((e) => e.type === 'error');
      assert.equal(error?.type === 'error' && error.error.code, 'CHAT_STEP_LIMIT');
      assert.deepEqual(done(events), { type: 'done', reason: 'step-limit' });
      assert.equal(llm.requests.length - before, 4);
      assert.equal(llm.requests.at(-1)!.body.tools, undefined, 'the step past the cap offers no tools');
    } finally {
      llm.fallback = { text: '(nothing scripted)' };
    }
  });

  test('stop cancels a running tool call and ends the turn', async () => {
    await patchbay.hub.updateToolSetting(patchbay.actor('cli'), 'tiny', 'slow', { approval: 'allow' });
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script({ toolCalls: [{ name: 'tiny__slow', arguments: { steps: 100000 } }] });
    const started = tiny.waitFor('slow-started');
    const cancelledAtServer = tiny.waitFor('slow-cancelled');
    const turn = collect(patchbay.chat.send(me(), conversation.id, { text: 'Go slow' }));
    await started;
    await assert.rejects(collect(patchbay.chat.send(me(), conversation.id, { text: 'again' })), (e: unknown) => isPatchbayError(e, 'CONVERSATION_BUSY'));
    assert.equal(patchbay.chat.stop(me(), conversation.id), true);
    const events = await turn;
    await cancelledAtServer;
    const end = events.find((e) => e.type === 'tool-end');
    assert.equal(end?.type === 'tool-end' && end.call.status, 'cancelled');
    assert.deepEqual(done(events), { type: 'done', reason: 'stopped' });
    const { messages } = await patchbay.chat.getConversation(me(), conversation.id);
    assert.equal(messages.at(-1)?.toolCalls[0].status, 'cancelled');
  });

  test('stop cancels the model while it streams; the partial answer is kept', async () => {
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script({ text: ['Partial ', 'never'], hang: true });
    const events: ChatEvent[] = [];
    for await (const event of patchbay.chat.send(me(), conversation.id, { text: 'Talk' })) {
      events.push(event);
      if (event.type === 'text') patchbay.chat.stop(me(), conversation.id);
    }
    assert.deepEqual(texts(events), ['Partial ']);
    assert.deepEqual(done(events), { type: 'done', reason: 'stopped' });
    const { messages } = await patchbay.chat.getConversation(me(), conversation.id);
    assert.deepEqual(messages.at(-1)?.parts, [{ type: 'text', text: 'Partial ' }]);
    while (llm.aborted === 0) await new Promise((resolve) => setTimeout(resolve, 10));
  });

  test('a server asking for input during a call shows a form in the conversation; the answer goes back to the server', async () => {
    await patchbay.hub.updateToolSetting(patchbay.actor('cli'), 'tiny', 'ask', { approval: 'allow' });
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script({ toolCalls: [{ name: 'tiny__ask', arguments: {} }] }, { text: 'Greeted.' });
    const events: ChatEvent[] = [];
    for await (const event of patchbay.chat.send(me(), conversation.id, { text: 'Ask me' })) {
      events.push(event);
      if (event.type === 'elicitation') {
        assert.equal(event.elicitation.message, 'What is your name?');
        assert.equal(event.elicitation.connector, 'tiny');
        assert.deepEqual(Object.keys((event.elicitation.requestedSchema as { properties: object }).properties), ['name']);
        await assert.rejects(
          patchbay.chat.answerElicitation(me(), 'another-conversation', event.elicitation.id, { action: 'accept', content: { name: 'x' } }),
          (e: unknown) => isPatchbayError(e, 'CONVERSATION_NOT_FOUND'),
        );
        await patchbay.chat.answerElicitation(me(), conversation.id, event.elicitation.id, { action: 'accept', content: { name: 'Ada' } });
      }
    }
    assert.deepEqual(
      events.map((e) => e.type).filter((t) => t.startsWith('elicitation') || t.startsWith('tool')),
      ['tool-start', 'elicitation', 'elicitation-end', 'tool-end'],
    );
    const end = events.find((e) => e.type === 'tool-end');
    assert.deepEqual(end?.type === 'tool-end' && (end.call.result as { content: unknown }).content, [{ type: 'text', text: 'Hello, Ada!' }]);
    assert.deepEqual(toolResults(llm.requests.at(-1)!.body), ['Hello, Ada!']);
  });

  test('a failing model endpoint ends the turn with its error in words', async () => {
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script({ error: { status: 401, message: 'invalid api key' } }, { error: { status: 401, message: 'invalid api key' } });
    const events = await collect(patchbay.chat.send(me(), conversation.id, { text: 'Hi' }));
    const error = events.find((e) => e.type === 'error');
    assert.ok(error && error.type === 'error');
    assert.equal(error.error.code, 'MODEL_ERROR');
    assert.match(error.error.message, /401.*invalid api key.*Check the API key/s);
    assert.equal(error.error.message.includes('sk-local-secret'), false);
  });

  test('an attached resource and prompt reach the model', async () => {
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script({ text: 'Read it.' });
    await collect(
      patchbay.chat.send(me(), conversation.id, {
        text: 'Summarise',
        attachments: [
          { kind: 'resource', connector: 'tiny', uri: TINY_README_URI },
          { kind: 'prompt', connector: 'tiny', name: 'greet', arguments: { name: 'Ada' } },
        ],
      }),
    );
    const messages = llm.requests.at(-1)!.body.messages as Array<{ role: string; content: string }>;
    assert.deepEqual(messages.find((m) => m.content === 'Please greet Ada.')?.role, 'user', 'the prompt’s message is inserted');
    const last = messages.at(-1)!;
    assert.ok(last.content.includes(TINY_README_TEXT), 'the resource content is given');
    assert.ok(last.content.endsWith('Summarise'));
  });

  test('an attached picture reaches the model as a picture, from the data the server sent', async () => {
    const conversation = await patchbay.chat.createConversation(me(), {});
    llm.script({ text: 'A logo.' });
    await collect(patchbay.chat.send(me(), conversation.id, { text: 'What is this?', attachments: [{ kind: 'resource', connector: 'tiny', uri: TINY_LOGO_URI }] }));
    const last = (llm.requests.at(-1)!.body.messages as Array<{ role: string; content: unknown }>).at(-1)!;
    assert.equal(last.role, 'user');
    const parts = last.content as Array<{ type: string; text?: string; image_url?: { url: string } }>;
    assert.ok(Array.isArray(parts), 'text and picture travel as parts');
    assert.match(parts[0].text ?? '', /What is this\?$/);
    assert.deepEqual(
      parts.filter((p) => p.type === 'image_url').map((p) => p.image_url?.url),
      [`data:image/png;base64,${TINY_LOGO_BYTES.toString('base64')}`],
    );
  });

  test('conversations are renamed, listed and deleted; a missing one has its own code', async () => {
    const conversation = await patchbay.chat.createConversation(me(), { title: 'Temp' });
    await patchbay.chat.updateConversation(me(), conversation.id, { title: 'Renamed' });
    assert.ok((await patchbay.chat.listConversations(me())).some((c) => c.title === 'Renamed'));
    await assert.rejects(patchbay.chat.createConversation(me(), { connectors: ['nope'] }), (e: unknown) => isPatchbayError(e, 'CONNECTOR_NOT_FOUND'));
    await patchbay.chat.deleteConversation(me(), conversation.id);
    await assert.rejects(patchbay.chat.getConversation(me(), conversation.id), (e: unknown) => isPatchbayError(e, 'CONVERSATION_NOT_FOUND'));
  });
});

describe('requests from servers during a chat tool call', () => {
  test('URL mode shows the full URL and goes on when the person answers; sampling asks first, then uses the conversation’s model', async () => {
    await using llm = await startLlmServer();
    const asking = await startAskingServer();
    await using patchbay = await openTestPatchbay();
    try {
      const me = patchbay.actor('api');
      await patchbay.hub.addConnector(patchbay.actor('cli'), { url: asking.url, name: 'asking' });
      await patchbay.hub.setConnectorPolicy(patchbay.actor('cli'), 'asking', { defaultApproval: 'allow' });
      await patchbay.models.add(me, { provider: 'openai-compatible', baseUrl: llm.openaiBaseUrl, model: 'double-s' });
      const conversation = await patchbay.chat.createConversation(me, {});

      llm.script({ toolCalls: [{ name: 'asking__visit', arguments: {} }] }, { text: 'Connected.' });
      const visits: ChatEvent[] = [];
      for await (const event of patchbay.chat.send(me, conversation.id, { text: 'Connect my account' })) {
        visits.push(event);
        if (event.type === 'elicitation') {
          assert.deepEqual([event.elicitation.mode, event.elicitation.url, event.elicitation.message], ['url', VISIT_URL, 'Open this page to connect your account.']);
          await patchbay.chat.answerElicitation(me, conversation.id, event.elicitation.id, { action: 'accept' });
        }
      }
      assert.deepEqual(toolResults(llm.requests.at(-1)!.body), ['You chose accept.']);

      // Sampling: denied, then allowed.
      for (const [answer, expected] of [
        ['decline', /^Sampling refused: .*did not allow/],
        ['accept', /^Summary by double-s: A short summary\.$/],
      ] as const) {
        llm.script({ toolCalls: [{ name: 'asking__summarize', arguments: { text: 'a long text' } }] }, ...(answer === 'accept' ? [{ text: 'A short summary.' }] : []), { text: 'Done.' });
        const before = llm.requests.length;
        for await (const event of patchbay.chat.send(me, conversation.id, { text: `Summarize (${answer})` })) {
          if (event.type === 'sampling') {
            assert.equal(event.sampling.connector, 'asking');
            assert.equal(event.sampling.systemPrompt, 'You write one-line summaries.');
            assert.deepEqual(event.sampling.messages, [{ role: 'user', text: 'Summarize: a long text' }]);
            assert.equal(llm.requests.length, before + 1, 'the model is not used before the person allows it');
            await patchbay.chat.answerElicitation(me, conversation.id, event.sampling.id, { action: answer });
          }
        }
        assert.match(toolResults(llm.requests.at(-1)!.body).at(-1)!, expected);
        if (answer === 'accept') {
          const sampled = llm.requests.at(-2)!.body;
          assert.deepEqual(sampled.messages, [
            { role: 'system', content: 'You write one-line summaries.' },
            { role: 'user', content: 'Summarize: a long text' },
          ]);
          assert.equal(sampled.max_tokens, 200);
        }
      }
    } finally {
      await asking.close();
    }
  });
});

describe('model endpoints under the address policy', () => {
  test('outside local mode a model endpoint on loopback is refused when added', async () => {
    await using patchbay = await openTestPatchbay({ PATCHBAY_HOST: '0.0.0.0', PATCHBAY_ACCESS_TOKEN: 'pb_test-token-0123456789abcdef' });
    await assert.rejects(
      patchbay.models.add(patchbay.actor('api'), { provider: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1', model: 'llama' }),
      (e: unknown) => isPatchbayError(e, 'SSRF_BLOCKED'),
    );
    assert.deepEqual(await patchbay.models.list(patchbay.actor('api')), []);
  });
});

describe('chat with the Anthropic provider', () => {
  test('tool calls and results travel in the Messages format', async () => {
    await using llm = await startLlmServer();
    const tiny = await startTinyServer();
    await using patchbay = await openTestPatchbay();
    try {
      const me = patchbay.actor('api');
      await patchbay.hub.addConnector(patchbay.actor('cli'), { url: tiny.url, name: 'tiny' });
      await patchbay.hub.updateToolSetting(patchbay.actor('cli'), 'tiny', 'echo', { approval: 'allow' });
      const model = await patchbay.models.add(me, { provider: 'anthropic', baseUrl: llm.anthropicBaseUrl, model: 'claude-double', apiKey: 'sk-ant-xyz' });
      const conversation = await patchbay.chat.createConversation(me, { modelId: model.id });
      llm.script({ toolCalls: [{ name: 'tiny__echo', arguments: { text: 'pong' } }] }, { text: 'Done.' });
      const events = await collect(patchbay.chat.send(me, conversation.id, { text: 'Echo pong' }));
      assert.deepEqual(texts(events), ['Done.']);
      const sent = llm.requests.at(-1)!;
      assert.equal(sent.headers['x-api-key'], 'sk-ant-xyz');
      const toolResult = sent.body.messages.at(-1).content.find((c: { type: string }) => c.type === 'tool_result');
      assert.equal(JSON.stringify(toolResult.content).includes('pong'), true);
    } finally {
      await tiny.close();
    }
  });
});
