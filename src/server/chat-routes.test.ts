import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createTestApiApp, TEST_HOST, TEST_TOKEN } from '../../test/fixtures/api-app.ts';
import { startServer } from './serve.ts';
import { type LlmServer, startLlmServer } from '../../test/fixtures/llm-server.ts';
import { openTestPatchbay, type TestPatchbay } from '../../test/fixtures/patchbay.ts';
import { startTinyServer, type TinyServer } from '../../test/fixtures/tiny-server.ts';

describe('chat API', () => {
  let tiny: TinyServer;
  let llm: LlmServer;
  let patchbay: TestPatchbay;
  let app: ReturnType<typeof createTestApiApp>;
  const call = (method: string, path: string, body?: unknown) =>
    app.request(path, {
      method,
      headers: { host: TEST_HOST, authorization: `Bearer ${TEST_TOKEN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const json = async (response: Response): Promise<any> => response.json();
  const ndjson = async (response: Response) =>
    (await response.text())
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l));

  before(async () => {
    tiny = await startTinyServer();
    llm = await startLlmServer();
    patchbay = await openTestPatchbay();
    await patchbay.hub.addConnector(patchbay.actor('cli'), { url: tiny.url, name: 'tiny' });
    app = createTestApiApp(patchbay);
  });
  after(async () => {
    await patchbay?.close();
    await llm?.close();
    await tiny?.close();
  });

  test('models: added with a key that is never returned, listed, refused when incomplete, removed', async () => {
    const created = await call('POST', '/api/models', { provider: 'openai', baseUrl: llm.openaiBaseUrl, model: 'gpt-double', apiKey: 'sk-never-shown-42' });
    assert.equal(created.status, 201);
    const text = JSON.stringify(await json(created));
    assert.equal(text.includes('sk-never-shown'), false);
    const listed = await json(await call('GET', '/api/models'));
    assert.deepEqual(listed.models.map((m: { name: string; hasKey: boolean }) => [m.name, m.hasKey]), [['openai/gpt-double', true]]);
    assert.equal(JSON.stringify(listed).includes('sk-never-shown'), false);

    const noUrl = await call('POST', '/api/models', { provider: 'openai-compatible', model: 'llama' });
    assert.equal(noUrl.status, 400);
    assert.equal((await json(noUrl)).error.code, 'VALIDATION_FAILED');
    const badProvider = await call('POST', '/api/models', { provider: 'gemini', model: 'x', apiKey: 'k' });
    assert.equal((await json(badProvider)).error.code, 'VALIDATION_FAILED');
    const missing = await call('DELETE', '/api/models/nope');
    assert.equal(missing.status, 404);
    assert.equal((await json(missing)).error.code, 'MODEL_NOT_FOUND');
  });

  test('a turn streams NDJSON events; an approval answer streams the rest', async () => {
    const { conversation } = await json(await call('POST', '/api/chat/conversations', { connectors: ['tiny'] }));
    assert.ok(conversation.modelId);
    llm.script({ text: 'Echoing.', toolCalls: [{ name: 'tiny__echo', arguments: { text: 'api' } }] }, { text: 'It said api.' });
    const response = await call('POST', `/api/chat/conversations/${conversation.id}/messages`, { text: 'Echo api' });
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /application\/x-ndjson/);
    const events = await ndjson(response);
    assert.deepEqual(events.map((e) => e.type), ['user-message', 'text', 'assistant-message', 'tool-start', 'approval', 'done']);
    const approval = events.find((e) => e.type === 'approval').approval;
    assert.deepEqual(approval.arguments, { text: 'api' });

    const rest = await ndjson(await call('POST', `/api/chat/conversations/${conversation.id}/approvals/${approval.id}`, { answer: 'once' }));
    assert.deepEqual(rest.map((e) => e.type), ['tool-start', 'tool-end', 'text', 'assistant-message', 'done']);
    assert.equal(rest.at(-1).reason, 'finished');

    const stored = await json(await call('GET', `/api/chat/conversations/${conversation.id}`));
    assert.deepEqual(stored.messages.map((m: { role: string }) => m.role), ['user', 'assistant', 'assistant']);
    assert.equal(stored.messages[1].toolCalls[0].status, 'done');
    const tools = await json(await call('GET', `/api/chat/conversations/${conversation.id}/tools`));
    assert.ok(tools.tools.some((t: { name: string; connector: string }) => t.name === 'tiny__echo' && t.connector === 'tiny'));
  });

  test('a client that goes away mid-turn stops it: the model stream is cancelled and the turn ends', async () => {
    const server = await startServer(patchbay, TEST_TOKEN, { port: 0 });
    try {
      const { conversation } = await json(await call('POST', '/api/chat/conversations', {}));
      llm.script({ text: ['never ', 'finished'], hang: true });
      const abortedBefore = llm.aborted;
      const controller = new AbortController();
      const streaming = await fetch(`${server.url}/api/chat/conversations/${conversation.id}/messages`, {
        method: 'POST',
        signal: controller.signal,
        headers: { authorization: `Bearer ${TEST_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'Talk forever' }),
      });
      const reader = streaming.body!.getReader();
      assert.match(new TextDecoder().decode((await reader.read()).value), /"type":"user-message"/);
      controller.abort();
      while (llm.aborted === abortedBefore) await new Promise((resolve) => setTimeout(resolve, 20));
      // The conversation is free again: the turn ended when its client went away.
      llm.script({ text: 'Back.' });
      let response2 = await call('POST', `/api/chat/conversations/${conversation.id}/messages`, { text: 'Hello?' });
      // The turn may still be writing down its partial answer for a moment.
      while (response2.status === 409) {
        assert.equal((await json(response2)).error.code, 'CONVERSATION_BUSY');
        await new Promise((resolve) => setTimeout(resolve, 20));
        response2 = await call('POST', `/api/chat/conversations/${conversation.id}/messages`, { text: 'Hello?' });
      }
      assert.equal((await ndjson(response2)).at(-1).reason, 'finished');
    } finally {
      await server.close();
    }
  });

  test('errors before a turn starts are ordinary JSON errors with codes', async () => {
    const missing = await call('POST', '/api/chat/conversations/nope/messages', { text: 'hi' });
    assert.equal(missing.status, 404);
    assert.equal((await json(missing)).error.code, 'CONVERSATION_NOT_FOUND');
    const { conversation } = await json(await call('POST', '/api/chat/conversations', { title: 'Empty' }));
    const empty = await call('POST', `/api/chat/conversations/${conversation.id}/messages`, { text: '  ' });
    assert.equal((await json(empty)).error.code, 'VALIDATION_FAILED');
    const renamed = await json(await call('PATCH', `/api/chat/conversations/${conversation.id}`, { title: 'Named' }));
    assert.equal(renamed.conversation.title, 'Named');
    assert.equal((await json(await call('POST', `/api/chat/conversations/${conversation.id}/stop`))).stopped, false);
    assert.equal((await call('DELETE', `/api/chat/conversations/${conversation.id}`)).status, 200);
    assert.equal((await call('GET', `/api/chat/conversations/${conversation.id}`)).status, 404);
  });
});
