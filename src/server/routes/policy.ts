import { createHash } from 'node:crypto';
import { Hono } from 'hono';
import { z } from 'zod';
import { PatchbayError } from '../../core/errors.ts';
import { KeyCounts } from '../../core/key-counts.ts';
import type { Hub } from '../../hub/index.ts';
import type { ApprovalRequest } from '../../store/index.ts';
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

/** The longest `GET /api/approvals?wait=` holds a request: below the 30 s after which proxies commonly give up on one. */
const MAX_APPROVALS_WAIT_S = 25;
/**
 * Requests one person may have held at once in this process. Past that a request is
 * answered at once, as without `wait`: a page then asks again every few seconds. A browser
 * holds one per visible tab, so this is room for several windows and devices, not a
 * budget anyone reaches by using the app.
 */
export const MAX_HELD_APPROVAL_WAITS = 16;
const approvalsQuery = z.object({ wait: z.coerce.number().int().min(0).max(MAX_APPROVALS_WAIT_S).optional(), seen: z.string().max(64).optional() });

/** Names one set of pending approvals (which requests wait), so a page can say which set it shows. */
function approvalsTag(approvals: ApprovalRequest[]): string {
  return createHash('sha256')
    .update(approvals.map((a) => a.id).sort().join(','))
    .digest('base64url')
    .slice(0, 22);
}

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

/** An opaque place in the audit log for `?before=` / `?after=`: the event's time and id. */
export function auditCursor(event: { at: string; id: string }): string {
  return Buffer.from(JSON.stringify([event.at, event.id])).toString('base64url');
}

function readAuditCursor(cursor: string): { at: string; id: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && typeof value[1] === 'string' && value[0].length <= 40 && value[1].length <= 100) {
      return { at: value[0], id: value[1] };
    }
  } catch {
    // Reported below.
  }
  throw new PatchbayError('VALIDATION_FAILED', 'The audit cursor is not one Patchbay gave out: use the "older" or "newer" value of an earlier answer.');
}

/**
 * /api/approvals and /api/audit. The audit answers newest first, `limit` events (default
 * 100), with `older` and `newer` cursors for the pages beyond (null when there is none).
 */
export function approvalAndAuditRoutes(hub: Hub): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  const held = new KeyCounts<string>();
  // With `seen` (the `tag` of an earlier answer) and `wait` (seconds), the answer waits until the
  // pending approvals are no longer those — a request asked for or answered, here or in another
  // process — or `wait` runs out (an expired request drops out then): a page shows a new request at once, without polling.
  app.get('/approvals', async (c) => {
    const query = parseInput(approvalsQuery, c.req.query());
    const deadline = Date.now() + (query.wait ?? 0) * 1000;
    const signal = c.req.raw.signal;
    const { userId } = c.get('actor');
    for (;;) {
      const mark = hub.approvalMark();
      const approvals = await hub.pendingApprovals(c.get('actor'));
      const tag = approvalsTag(approvals);
      const left = deadline - Date.now();
      if (query.seen !== tag || left <= 0 || signal.aborted || held.get(userId) >= MAX_HELD_APPROVAL_WAITS) return c.json({ approvals, tag });
      held.add(userId);
      try {
        await hub.approvalChange(left, signal, mark);
      } finally {
        held.remove(userId);
      }
    }
  });
  app.post('/approvals/:id', async (c) => {
    const body = parseInput(answerBody, await readJson(c.req));
    return c.json({ approval: await hub.answerApproval(c.get('actor'), c.req.param('id'), body.answer) });
  });
  const auditQuery = z
    .object({
      connector: z.string().max(64).optional(),
      since: z.iso.datetime({ offset: true }).optional(),
      limit: z.coerce.number().int().positive().max(10_000).optional(),
      before: z.string().max(300).optional(),
      after: z.string().max(300).optional(),
    })
    .refine((q) => !(q.before && q.after), 'give "before" or "after", not both');
  app.get('/audit', async (c) => {
    const query = parseInput(auditQuery, c.req.query());
    const before = query.before === undefined ? undefined : readAuditCursor(query.before);
    const after = query.after === undefined ? undefined : readAuditCursor(query.after);
    const limit = query.limit ?? 100;
    await hub.auditIdle();
    // One more than asked tells whether another page lies beyond this one.
    const found = await hub.auditEvents(c.get('actor'), { connector: query.connector, since: query.since, limit: limit + 1, before, after });
    const more = found.length > limit;
    const events = after ? found.slice(found.length - Math.min(found.length, limit)) : found.slice(0, limit);
    if ((c.req.header('accept') ?? '').includes('application/x-ndjson')) {
      return c.body(events.map((e) => JSON.stringify(e)).join('\n') + (events.length ? '\n' : ''), 200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
    }
    const first = events[0];
    const last = events[events.length - 1];
    return c.json({
      events,
      older: last && (after || more) ? auditCursor(last) : null,
      newer: first && (before || (after && more)) ? auditCursor(first) : null,
    });
  });
  return app;
}
