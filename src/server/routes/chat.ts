import { Hono } from 'hono';
import { z } from 'zod';
import { toPatchbayError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import type { Chat, ChatEvent, ModelEndpoints } from '../../hub/index.ts';
import { MODEL_PROVIDERS } from '../../hub/index.ts';
import type { ApiEnv } from '../api-app.ts';
import { readJson } from '../api-app.ts';
import { parseInput } from '../validate-body.ts';

const modelBody = z
  .object({
    name: z.string().max(80).optional(),
    provider: z.enum(MODEL_PROVIDERS as [string, ...string[]]),
    baseUrl: z.string().max(2048).nullable().optional(),
    model: z.string().min(1).max(200),
    apiKey: z.string().max(4096).nullable().optional(),
  })
  .strict();

const connectorNames = z.array(z.string().min(1).max(64)).max(500).nullable();
const conversationBody = z
  .object({ title: z.string().max(200).optional(), modelId: z.string().max(100).nullable().optional(), project: z.string().max(64).nullable().optional(), connectors: connectorNames.optional() })
  .strict();
const attachment = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('resource'), connector: z.string().min(1).max(64), uri: z.string().min(1).max(8192) }).strict(),
  z.object({ kind: z.literal('prompt'), connector: z.string().min(1).max(64), name: z.string().min(1).max(200), arguments: z.record(z.string(), z.string().max(100_000)).optional() }).strict(),
]);
const messageBody = z.object({ text: z.string().max(100_000), attachments: z.array(attachment).max(20).optional() }).strict();
// 'continue': go on as the call was answered elsewhere (the Approvals page, `patchbay approve`); it answers nothing itself.
const answerBody = z.object({ answer: z.enum(['once', 'always', 'deny', 'continue']) }).strict();
const elicitationBody = z
  .object({
    action: z.enum(['accept', 'decline', 'cancel']),
    content: z.record(z.string().max(200), z.union([z.string().max(100_000), z.number(), z.boolean(), z.array(z.string().max(10_000)).max(100)])).optional(),
  })
  .strict();

/** /api/models: the person's model endpoints; a key goes in, never out. */
export function modelRoutes(models: ModelEndpoints): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => c.json({ models: await models.list(c.get('actor')) }));
  app.post('/', async (c) => {
    const body = parseInput(modelBody, await readJson(c.req));
    return c.json({ model: await models.add(c.get('actor'), body as Parameters<ModelEndpoints['add']>[1]) }, 201);
  });
  app.delete('/:id', async (c) => c.json({ model: await models.remove(c.get('actor'), c.req.param('id')) }));
  return app;
}

/** /api/chat/conversations: conversations, and turns streamed as NDJSON (one ChatEvent a line). */
export function chatRoutes(chat: Chat, logger: Logger): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => c.json({ conversations: await chat.listConversations(c.get('actor')) }));
  app.post('/', async (c) => {
    const body = parseInput(conversationBody, await readJson(c.req));
    return c.json({ conversation: await chat.createConversation(c.get('actor'), body) }, 201);
  });
  app.get('/:id', async (c) => c.json(await chat.getConversation(c.get('actor'), c.req.param('id'))));
  app.get('/:id/tools', async (c) => {
    const { conversation } = await chat.getConversation(c.get('actor'), c.req.param('id'));
    const offer = await chat.toolOffer(c.get('actor'), conversation);
    return c.json({
      tools: offer.tools.map((t) => ({ name: t.name, connector: t.connector, tool: t.toolName, description: t.definition.description ?? null })),
      footprint: offer.footprint,
      budget: offer.budget,
      compact: offer.compact,
    });
  });
  app.get('/:id/attachables', async (c) => c.json({ connectors: await chat.attachables(c.get('actor'), c.req.param('id')) }));
  app.patch('/:id', async (c) => {
    const body = parseInput(conversationBody, await readJson(c.req));
    return c.json({ conversation: await chat.updateConversation(c.get('actor'), c.req.param('id'), body) });
  });
  app.delete('/:id', async (c) => {
    await chat.deleteConversation(c.get('actor'), c.req.param('id'));
    return c.json({ deleted: true });
  });
  app.post('/:id/messages', async (c) => {
    const body = parseInput(messageBody, await readJson(c.req));
    return streamEvents(chat.send(c.get('actor'), c.req.param('id'), body, c.req.raw.signal), logger);
  });
  app.post('/:id/approvals/:approvalId', async (c) => {
    const body = parseInput(answerBody, await readJson(c.req));
    return streamEvents(chat.answer(c.get('actor'), c.req.param('id'), c.req.param('approvalId'), body.answer, c.req.raw.signal), logger);
  });
  app.post('/:id/elicitations/:elicitationId', async (c) => {
    const body = parseInput(elicitationBody, await readJson(c.req));
    await chat.answerElicitation(c.get('actor'), c.req.param('id'), c.req.param('elicitationId'), body);
    return c.json({ answered: true });
  });
  app.post('/:id/stop', async (c) => {
    await chat.getConversation(c.get('actor'), c.req.param('id'));
    return c.json({ stopped: chat.stop(c.get('actor'), c.req.param('id')) });
  });
  return app;
}

/**
 * Streams a turn as NDJSON. The first event is awaited before answering, so a turn
 * that cannot start (no such conversation, already answering) is an ordinary JSON error.
 */
async function streamEvents(events: AsyncGenerator<ChatEvent>, logger: Logger): Promise<Response> {
  const first = await events.next();
  const encoder = new TextEncoder();
  const line = (event: ChatEvent) => encoder.encode(`${JSON.stringify(event)}\n`);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (!first.done) controller.enqueue(line(first.value));
      else controller.close();
    },
    async pull(controller) {
      try {
        const next = await events.next();
        if (next.done) controller.close();
        else controller.enqueue(line(next.value));
      } catch (error) {
        const err = toPatchbayError(error);
        if (err.code === 'INTERNAL') logger.error('a chat turn failed', { error });
        controller.enqueue(line({ type: 'error', error: { code: err.code, message: err.message } }));
        controller.enqueue(line({ type: 'done', reason: 'error' }));
        controller.close();
      }
    },
    async cancel() {
      await events.return(undefined);
    },
  });
  return new Response(body, { headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' } });
}
