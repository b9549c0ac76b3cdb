import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createAnthropic } from '@ai-sdk/anthropic';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { APICallError, generateText, jsonSchema, type LanguageModel, streamText, tool } from 'ai';
import { startLlmServer } from './fixtures/llm-server.ts';

/** The LLM double against the real provider clients: what they parse is what a real API would have sent. */

(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

const tools = { tiny__echo: tool({ description: 'Echoes', inputSchema: jsonSchema({ type: 'object', properties: { text: { type: 'string' } } }) }) };

const clients: Array<[string, (base: { openai: string; anthropic: string }) => LanguageModel, 'openai' | 'anthropic']> = [
  ['openai', (b) => createOpenAI({ baseURL: b.openai, apiKey: 'sk-test' }).chat('gpt-test'), 'openai'],
  ['openai-compatible', (b) => createOpenAICompatible({ name: 'local', baseURL: b.openai, apiKey: 'sk-test' }).chatModel('llama-test'), 'openai'],
  ['anthropic', (b) => createAnthropic({ baseURL: b.anthropic, apiKey: 'sk-ant-test' }).languageModel('claude-test'), 'anthropic'],
];

for (const [name, makeModel, api] of clients) {
  describe(`LLM double through the ${name} provider`, () => {
    it('streams scripted text and tool calls, and records what the model was sent', async () => {
      await using llm = await startLlmServer();
      const model = makeModel({ openai: llm.openaiBaseUrl, anthropic: llm.anthropicBaseUrl });
      llm.script({ text: ['Let me ', 'check.'], toolCalls: [{ name: 'tiny__echo', arguments: { text: 'hi' } }] });
      const result = streamText({ model, messages: [{ role: 'user', content: 'Say hi' }], tools, maxOutputTokens: 100 });
      const deltas: string[] = [];
      const calls: Array<{ toolName: string; input: unknown }> = [];
      for await (const part of result.fullStream) {
        if (part.type === 'text-delta') deltas.push(part.text);
        if (part.type === 'tool-call') calls.push({ toolName: part.toolName, input: part.input });
        if (part.type === 'error') throw part.error;
      }
      assert.deepEqual(deltas, ['Let me ', 'check.']);
      assert.deepEqual(calls, [{ toolName: 'tiny__echo', input: { text: 'hi' } }]);
      assert.equal(llm.requests.length, 1);
      const sent = llm.requests[0];
      assert.equal(sent.api, api);
      assert.equal(sent.stream, true);
      assert.match(JSON.stringify(sent.body.messages), /Say hi/);
      const toolNames = api === 'openai' ? sent.body.tools.map((t: { function: { name: string } }) => t.function.name) : sent.body.tools.map((t: { name: string }) => t.name);
      assert.deepEqual(toolNames, ['tiny__echo']);
    });

    it('answers without streaming, and in the provider error shape when told to', async () => {
      await using llm = await startLlmServer();
      const model = makeModel({ openai: llm.openaiBaseUrl, anthropic: llm.anthropicBaseUrl });
      llm.script({ text: 'Plain answer.' }, { error: { status: 400, message: 'model not found: nope' } });
      const answer = await generateText({ model, prompt: 'Hello', maxOutputTokens: 100 });
      assert.equal(answer.text, 'Plain answer.');
      assert.equal(llm.requests[0].stream, false);
      await assert.rejects(generateText({ model, prompt: 'Again', maxRetries: 0, maxOutputTokens: 100 }), (error) => {
        assert.ok(APICallError.isInstance(error));
        assert.equal(error.statusCode, 400);
        assert.match(error.message, /model not found: nope/);
        return true;
      });
    });
  });
}

describe('LLM double', () => {
  it('holds a hanging stream open until the client aborts, and counts the abort', async () => {
    await using llm = await startLlmServer();
    const model = createOpenAI({ baseURL: llm.openaiBaseUrl, apiKey: 'sk-test' }).chat('gpt-test');
    llm.script({ text: ['first ', 'never'], hang: true });
    const controller = new AbortController();
    const result = streamText({ model, prompt: 'Go', abortSignal: controller.signal });
    const seen: string[] = [];
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') {
        seen.push(part.text);
        controller.abort();
      }
      if (part.type === 'abort' || part.type === 'error') break;
    }
    assert.deepEqual(seen, ['first ']);
    while (llm.aborted === 0) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(llm.aborted, 1);
  });
});
