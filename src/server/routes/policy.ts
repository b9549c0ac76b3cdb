import { Hono } from 'hono';
import { z } from 'zod';
import type { Hub } from '../../hub/index.ts';
import type { ApiEnv } from '../api-app.ts';
import { readJson } from '../api-app.ts';
import { parseInput } from '../validate-body.ts';

const approval = z.enum(['allow', 'ask', 'block']);
const limit = z.number().int().positive().max(1_000_000);
const limits = z
  .object({ perConversation: limit.optional(), perHour: limit.optional(), perDay: limit.optional(), concurrent: limit.optional() })
  .strict()
  .nullable();

const toolSettingBody = z.object({ enabled: z.boolean().optional(), approval: z.union([approval, z.literal('default')]).optional(), limits: limits.optional() }).strict();
const connectorPolicyBody = z.object({ defaultApproval: approval.optional(), allowReadOnly: z.boolean().optional(), limits: limits.optional() }).strict();
const answerBody = z.object({ answer: z.enum(['once', 'always', 'deny']) }).strict();

/** Tool settings and reviews under /api/connectors/:name. */
export function toolPolicyRoutes(hub: Hub): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/:name/tool-policies', async (c) => {
    const { connector, tools } = await hub.toolPolicies(c.get('actor'), c.req.param('name'));
    return c.json({
      policy: connector.policy,
      tools: tools.map(({ tool, setting, effective, hidden }) => ({
        name: tool.name,
        title: tool.title ?? null,
        description: tool.description ?? null,
        annotations: tool.annotations ?? null,
        setting,
        effective,
        hidden,
      })),
    });
  });
  app.patch('/:name/policy', async (c) => {
    const body = parseInput(connectorPolicyBody, await readJson(c.req));
    return c.json({ connector: await hub.setConnectorPolicy(c.get('actor'), c.req.param('name'), body) });
  });
  app.patch('/:name/tools/:tool/setting', async (c) => {
    const body = parseInput(toolSettingBody, await readJson(c.req));
    return c.json({ setting: await hub.updateToolSetting(c.get('actor'), c.req.param('name'), c.req.param('tool'), body) });
  });
  app.get('/:name/tools/:tool/review', async (c) => c.json(await hub.toolReview(c.get('actor'), c.req.param('name'), c.req.param('tool'))));
  app.post('/:name/tools/:tool/review', async (c) => c.json({ setting: await hub.approveToolDefinition(c.get('actor'), c.req.param('name'), c.req.param('tool')) }));
  return app;
}

/** /api/approvals and /api/audit. */
export function approvalAndAuditRoutes(hub: Hub): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/approvals', async (c) => c.json({ approvals: await hub.pendingApprovals(c.get('actor')) }));
  app.post('/approvals/:id', async (c) => {
    const body = parseInput(answerBody, await readJson(c.req));
    return c.json({ approval: await hub.answerApproval(c.get('actor'), c.req.param('id'), body.answer) });
  });
  const auditQuery = z.object({
    connector: z.string().max(64).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().positive().max(10_000).optional(),
  });
  app.get('/audit', async (c) => {
    const query = parseInput(auditQuery, c.req.query());
    await hub.auditIdle();
    const events = await hub.auditEvents(c.get('actor'), query);
    if ((c.req.header('accept') ?? '').includes('application/x-ndjson')) {
      return c.body(events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : ''), 200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
    }
    return c.json({ events });
  });
  return app;
}
