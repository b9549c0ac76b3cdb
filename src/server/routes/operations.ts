import { Hono } from 'hono';
import { z } from 'zod';
import { toPatchbayError } from '../../core/errors.ts';
import type { Hub, ToolCallContext } from '../../hub/index.ts';
import type { ApiEnv } from '../api-app.ts';
import { readJson } from '../api-app.ts';
import { parseInput } from '../validate-body.ts';

const callBody = z.object({
  arguments: z.record(z.string(), z.unknown()).default({}),
  timeoutMs: z.number().int().positive().max(3_600_000).optional(),
  /** An approval the person answered for exactly this call. */
  approvalId: z.string().max(100).optional(),
  conversationId: z.string().max(200).optional(),
});
const readBody = z.object({ uri: z.string().min(1).max(8192) });
const promptBody = z.object({ arguments: z.record(z.string(), z.string()).default({}) });
const completeBody = z.object({
  ref: z.discriminatedUnion('type', [
    z.object({ type: z.literal('ref/prompt'), name: z.string().min(1) }),
    z.object({ type: z.literal('ref/resource'), uri: z.string().min(1) }),
  ]),
  argument: z.object({ name: z.string().min(1), value: z.string() }),
  context: z.object({ arguments: z.record(z.string(), z.string()).optional() }).optional(),
});

const refreshOf = (q: string | undefined) => q === '1' || q === 'true';

/**
 * /api/connectors/:name/... — what a connector offers and the operations on it.
 * A tool call answered with `Accept: application/x-ndjson` streams progress events
 * (`{"type":"progress",...}`) before the final `{"type":"result"}` or `{"type":"error"}` line.
 */
export function operationRoutes(hub: Hub): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/:name/catalog', async (c) =>
    c.json(await hub.catalog(c.get('actor'), c.req.param('name'), { refresh: refreshOf(c.req.query('refresh')), signal: c.req.raw.signal })),
  );
  app.get('/:name/tools', async (c) =>
    c.json({ tools: (await hub.catalog(c.get('actor'), c.req.param('name'), { refresh: refreshOf(c.req.query('refresh')) })).tools }),
  );
  app.get('/:name/resources', async (c) => {
    const catalog = await hub.catalog(c.get('actor'), c.req.param('name'), { refresh: refreshOf(c.req.query('refresh')) });
    return c.json({ resources: catalog.resources, resourceTemplates: catalog.resourceTemplates });
  });
  app.get('/:name/prompts', async (c) =>
    c.json({ prompts: (await hub.catalog(c.get('actor'), c.req.param('name'), { refresh: refreshOf(c.req.query('refresh')) })).prompts }),
  );

  app.post('/:name/tools/:tool/call', async (c) => {
    const body = parseInput(callBody, await readJson(c.req));
    const actor = c.get('actor');
    const name = c.req.param('name');
    const tool = c.req.param('tool');
    const ctx: ToolCallContext = { signal: c.req.raw.signal, timeoutMs: body.timeoutMs, approvalId: body.approvalId, conversationId: body.conversationId };
    if (!(c.req.header('accept') ?? '').includes('application/x-ndjson')) {
      return c.json({ result: await hub.callTool(actor, name, tool, body.arguments, ctx) });
    }
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      async start(controller) {
        const send = (event: unknown) => controller.enqueue(encoder.encode(`${JSON.stringify(event)}\n`));
        try {
          const result = await hub.callTool(actor, name, tool, body.arguments, { ...ctx, onProgress: (p) => send({ type: 'progress', ...p }) });
          send({ type: 'result', result });
        } catch (error) {
          send({ type: 'error', error: toPatchbayError(error).toJSON() });
        }
        controller.close();
      },
    });
    return new Response(stream, { headers: { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-store' } });
  });

  app.post('/:name/resources/read', async (c) => {
    const body = parseInput(readBody, await readJson(c.req));
    return c.json({ result: await hub.readResource(c.get('actor'), c.req.param('name'), body.uri, { signal: c.req.raw.signal }) });
  });
  app.post('/:name/prompts/:prompt', async (c) => {
    const body = parseInput(promptBody, await readJson(c.req));
    return c.json({ result: await hub.getPrompt(c.get('actor'), c.req.param('name'), c.req.param('prompt'), body.arguments, { signal: c.req.raw.signal }) });
  });
  app.post('/:name/complete', async (c) => {
    const body = parseInput(completeBody, await readJson(c.req));
    return c.json({ result: await hub.complete(c.get('actor'), c.req.param('name'), body, { signal: c.req.raw.signal }) });
  });
  return app;
}
