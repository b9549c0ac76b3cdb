/**
 * Part `chat`: what the chat costs beyond the model itself.
 *
 * 1. Tokens of tool definitions sent to the model per turn, for 10, 100 and 1,000 enabled
 *    tools, with every definition and with the search/describe/call surface (counted from the
 *    request the model endpoint received, four characters a token).
 * 2. Time to the first streamed token: straight from the model endpoint through the AI SDK,
 *    and through a Patchbay conversation (store, tool list, history, then the same stream);
 *    the difference is what Patchbay adds. Both against the LLM double, interleaved, same run.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamText } from 'ai';
import { openPatchbay, type Patchbay } from '../src/app.ts';
import { loadConfig } from '../src/core/config.ts';
import { silentLogger } from '../src/core/log.ts';
import { Chat, createLanguageModel, estimateTokens } from '../src/hub/index.ts';
import { type LlmServer, startLlmServer } from '../test/fixtures/llm-server.ts';
import { type ManyToolsServer, startManyToolsServer } from '../test/fixtures/many-tools-server.ts';
import { median, percentile } from './measure-cell.ts';

export const CHAT_TOOL_COUNTS = [10, 100, 1000];

export interface ChatTokensRow {
  tools: number;
  /** Tokens of tool definitions in one request with every definition. */
  allDefinitions: number;
  /** With the search surface. */
  searchSurface: number;
  /** Which the default budget picks. */
  defaultPicks: 'all' | 'search';
}

export interface ChatFirstTokenRow {
  rounds: number;
  directP50Ms: number;
  directP90Ms: number;
  patchbayP50Ms: number;
  patchbayP90Ms: number;
  addedP50Ms: number;
}

export interface ChatBenchResult {
  tokens: ChatTokensRow[];
  firstToken: ChatFirstTokenRow;
}

async function withPatchbay<T>(run: (patchbay: Patchbay) => Promise<T>): Promise<T> {
  const dataDir = await mkdtemp(join(tmpdir(), 'patchbay-bench-chat-'));
  const patchbay = await openPatchbay(loadConfig({ PATCHBAY_DATA_DIR: dataDir, PATCHBAY_LOG_LEVEL: 'silent' }), { logger: silentLogger });
  try {
    return await run(patchbay);
  } finally {
    await patchbay.close();
    await rm(dataDir, { recursive: true, force: true });
  }
}

async function drain(events: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of events);
}

export async function benchChat(options: { rounds: number; log(line: string): void }): Promise<ChatBenchResult> {
  const llm = await startLlmServer();
  try {
    const tokens: ChatTokensRow[] = [];
    for (const count of CHAT_TOOL_COUNTS) {
      options.log(`  chat: ${count} tools`);
      tokens.push(await measureTokens(llm, count));
    }
    options.log('  chat: time to first token');
    return { tokens, firstToken: await measureFirstToken(llm, options.rounds) };
  } finally {
    await llm.close();
  }
}

async function measureTokens(llm: LlmServer, count: number): Promise<ChatTokensRow> {
  const server: ManyToolsServer = await startManyToolsServer({ count, name: 'bench' });
  try {
    return await withPatchbay(async (patchbay) => {
      const cli = patchbay.actor('cli');
      await patchbay.hub.addConnector(cli, { url: server.url, name: 'bench' });
      await patchbay.hub.setConnectorPolicy(cli, 'bench', { defaultApproval: 'allow' });
      const me = patchbay.actor('api');
      await patchbay.models.add(me, { provider: 'openai-compatible', baseUrl: llm.openaiBaseUrl, model: 'double' });
      const sentTokens = async (budget: number) => {
        const chat = new Chat({ hub: patchbay.hub, models: patchbay.models, store: patchbay.store, logger: silentLogger, toolTokenBudget: budget });
        const conversation = await chat.createConversation(me, {});
        llm.script({ text: 'ok' });
        await drain(chat.send(me, conversation.id, { text: 'hi' }));
        return estimateTokens(JSON.stringify(llm.requests.at(-1)?.body.tools ?? []));
      };
      const allDefinitions = await sentTokens(Number.MAX_SAFE_INTEGER);
      const searchSurface = await sentTokens(1);
      const offer = await patchbay.chat.toolOffer(me, await patchbay.chat.createConversation(me, {}));
      return { tools: count, allDefinitions, searchSurface, defaultPicks: offer.compact ? ('search' as const) : ('all' as const) };
    });
  } finally {
    await server.close();
  }
}

async function measureFirstToken(llm: LlmServer, rounds: number): Promise<ChatFirstTokenRow> {
  const server = await startManyToolsServer({ count: 10, name: 'bench' });
  try {
    return await withPatchbay(async (patchbay) => {
      const cli = patchbay.actor('cli');
      await patchbay.hub.addConnector(cli, { url: server.url, name: 'bench' });
      const me = patchbay.actor('api');
      const endpoint = await patchbay.models.add(me, { provider: 'openai-compatible', baseUrl: llm.openaiBaseUrl, model: 'double' });
      const model = createLanguageModel(endpoint, undefined);
      llm.fallback = { text: ['Hello', ' there', '.'] };
      const direct = async () => {
        const t0 = performance.now();
        const result = streamText({ model, messages: [{ role: 'user', content: 'hi' }], onError: () => {} });
        let first = Number.NaN;
        for await (const part of result.fullStream) if (part.type === 'text-delta' && Number.isNaN(first)) first = performance.now() - t0;
        return first;
      };
      const throughPatchbay = async () => {
        // A new conversation each time, made before the clock starts: every turn is a first turn.
        const conversation = await patchbay.chat.createConversation(me, {});
        const t0 = performance.now();
        let first = Number.NaN;
        for await (const event of patchbay.chat.send(me, conversation.id, { text: 'hi' })) if (event.type === 'text' && Number.isNaN(first)) first = performance.now() - t0;
        return first;
      };
      for (let i = 0; i < 5; i++) {
        await direct();
        await throughPatchbay();
      }
      const d: number[] = [];
      const p: number[] = [];
      for (let i = 0; i < rounds; i++) {
        d.push(await direct());
        p.push(await throughPatchbay());
      }
      const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
      return {
        rounds,
        directP50Ms: median(d),
        directP90Ms: percentile(sorted(d), 0.9),
        patchbayP50Ms: median(p),
        patchbayP90Ms: percentile(sorted(p), 0.9),
        addedP50Ms: median(p) - median(d),
      };
    });
  } finally {
    llm.fallback = { text: '(nothing scripted)' };
    await server.close();
  }
}
