import { PatchbayError } from '../../core/errors.ts';
import type { CommandSpec } from '../command.ts';
import { choiceOption, flagOption, integerOption, stringOption } from '../option-values.ts';
import { firstLine } from '../sanitize.ts';

const APPROVALS = ['allow', 'ask', 'block'] as const;
const LIMIT_OPTIONS = {
  'per-hour': { type: 'string' as const, value: 'N', description: 'At most N calls an hour (0 removes the limit).' },
  'per-day': { type: 'string' as const, value: 'N', description: 'At most N calls a day (0 removes the limit).' },
  'per-conversation': { type: 'string' as const, value: 'N', description: 'At most N calls in one conversation (0 removes the limit).' },
  concurrent: { type: 'string' as const, value: 'N', description: 'At most N calls at once (0 removes the limit).' },
};

/** Limits given on the command line merged into the current ones; 0 removes one. Undefined when none was given. */
function readLimits(values: Parameters<typeof stringOption>[0], command: string, current: Record<string, number> | null) {
  const keys: Array<[string, string]> = [
    ['per-hour', 'perHour'],
    ['per-day', 'perDay'],
    ['per-conversation', 'perConversation'],
    ['concurrent', 'concurrent'],
  ];
  let changed = false;
  const limits: Record<string, number> = { ...(current ?? {}) };
  for (const [option, key] of keys) {
    const n = integerOption(values, option, command, { min: 0, max: 1_000_000 });
    if (n === undefined) continue;
    changed = true;
    if (n === 0) delete limits[key];
    else limits[key] = n;
  }
  if (!changed) return undefined;
  return Object.keys(limits).length ? limits : null;
}

export const toolCommand: CommandSpec = {
  name: 'tool',
  group: 'connectors',
  summary: 'Show or change what one tool may do: enabled, approval (allow / ask / block), limits.',
  description:
    'Without options, shows the tool with its setting. --approval default makes it follow the connector (see `patchbay policy`). ' +
    'Block and disabled apply to every door; Ask applies to calls a model or another client makes (your own `patchbay call` is its own approval).',
  positionals: [
    { name: 'name', required: true, description: 'Connector name.' },
    { name: 'tool', required: true, description: 'Tool name.' },
  ],
  options: {
    enable: { type: 'boolean', description: 'Enable the tool.' },
    disable: { type: 'boolean', description: 'Disable the tool for everyone and every door.' },
    approval: { type: 'string', value: 'A', description: 'allow, ask, block, or default (follow the connector).' },
    ...LIMIT_OPTIONS,
  },
  examples: ['patchbay tool github delete_repo --approval block', 'patchbay tool github search --approval allow --per-hour 100'],
  async run(ctx, { values, positionals }) {
    const [name, toolName] = positionals;
    if (flagOption(values, 'enable') && flagOption(values, 'disable')) throw new PatchbayError('INVALID_ARGUMENTS', 'Use --enable or --disable, not both.');
    const approval = choiceOption(values, 'approval', 'tool', [...APPROVALS, 'default'] as const);
    const patchbay = await ctx.open();
    const actor = patchbay.actor('cli');
    const { tools } = await ctx.remote(`Reading ${name}`, () => patchbay.hub.toolPolicies(actor, name));
    const current = tools.find((t) => t.tool.name === toolName);
    if (!current) throw new PatchbayError('TOOL_NOT_FOUND', `Connector "${name}" has no tool "${toolName}". Run \`patchbay tools ${name}\`.`);
    const limits = readLimits(values, 'tool', current.setting.limits as Record<string, number> | null);
    const enabled = flagOption(values, 'enable') ? true : flagOption(values, 'disable') ? false : undefined;
    const changing = enabled !== undefined || approval !== undefined || limits !== undefined;
    const setting = changing ? await patchbay.hub.updateToolSetting(actor, name, toolName, { enabled, approval, limits }) : current.setting;
    const effective = setting.approval === 'default' ? (await patchbay.hub.getConnector(actor, name)).policy.defaultApproval : setting.approval;
    return {
      json: { connector: name, tool: toolName, setting, effective, hidden: current.hidden },
      print(out) {
        out.line(`${name} ${toolName}: ${setting.enabled ? 'enabled' : 'DISABLED'}, approval ${setting.approval === 'default' ? `${effective} (connector default)` : effective}`);
        if (setting.limits) out.line(`limits: ${Object.entries(setting.limits).map(([k, v]) => `${k} ${v}`).join(', ')}`);
        if (setting.reviewState === 'changed') out.line(`The server changed this tool since you reviewed it: it is suspended. Run \`patchbay review ${name} ${toolName}\`.`);
        if (setting.reviewState === 'new') out.line('This tool appeared after you first reviewed the connector.');
        if (current.tool.annotations?.readOnlyHint) out.line('The server says this tool only reads (its claim, not verified).');
        if (current.hidden) {
          out.line('WARNING: its text contains hidden characters (removed from what models see):');
          for (const f of current.hidden.findings.slice(0, 10)) out.line(`  ${f.path}: ${f.description}`);
          if (current.hidden.visibleDescription) out.line(`  description as sent: ${current.hidden.visibleDescription}`);
        }
      },
    };
  },
};

export const policyCommand: CommandSpec = {
  name: 'policy',
  group: 'connectors',
  summary: "Show or change a connector's defaults: the approval of its tools, read-only claims, connector-wide limits.",
  positionals: [{ name: 'name', required: true, description: 'Connector name.' }],
  options: {
    default: { type: 'string', value: 'A', description: 'The approval of tools without their own: allow, ask or block.' },
    'allow-read-only': { type: 'boolean', description: 'Let tools the server marks read-only run without asking (the server’s claim).' },
    'no-allow-read-only': { type: 'boolean', description: 'Ask for read-only tools too.' },
    ...LIMIT_OPTIONS,
  },
  async run(ctx, { values, positionals }) {
    const [name] = positionals;
    const patchbay = await ctx.open();
    const actor = patchbay.actor('cli');
    const connector = await patchbay.hub.getConnector(actor, name);
    const defaultApproval = choiceOption(values, 'default', 'policy', APPROVALS);
    const allowReadOnly = flagOption(values, 'allow-read-only') ? true : flagOption(values, 'no-allow-read-only') ? false : undefined;
    const limits = readLimits(values, 'policy', connector.policy.limits as Record<string, number> | null);
    const changing = defaultApproval !== undefined || allowReadOnly !== undefined || limits !== undefined;
    const updated = changing
      ? await patchbay.hub.setConnectorPolicy(actor, name, {
          ...(defaultApproval ? { defaultApproval } : {}),
          ...(allowReadOnly !== undefined ? { allowReadOnly } : {}),
          ...(limits !== undefined ? { limits } : {}),
        })
      : connector;
    return {
      json: { connector: name, policy: updated.policy },
      print(out) {
        const p = updated.policy;
        out.line(`${name}: tools without their own approval ${p.defaultApproval}; read-only claims ${p.allowReadOnly ? 'run without asking' : 'still ask'}`);
        out.line(p.limits ? `limits: ${Object.entries(p.limits).map(([k, v]) => `${k} ${v}`).join(', ')}` : 'no connector-wide limits');
      },
    };
  },
};

export const reviewCommand: CommandSpec = {
  name: 'review',
  group: 'connectors',
  summary: 'See how a tool changed since you reviewed it (old and new side by side), and approve it again.',
  positionals: [
    { name: 'name', required: true, description: 'Connector name.' },
    { name: 'tool', required: true, description: 'Tool name.' },
  ],
  options: { approve: { type: 'boolean', description: 'Accept the tool as the server offers it now.' } },
  async run(ctx, { values, positionals }) {
    const [name, toolName] = positionals;
    const patchbay = await ctx.open();
    const actor = patchbay.actor('cli');
    const review = await ctx.remote(`Reading ${toolName}`, () => patchbay.hub.toolReview(actor, name, toolName));
    const approved = flagOption(values, 'approve') ? await patchbay.hub.approveToolDefinition(actor, name, toolName) : undefined;
    return {
      json: { ...review, approved: approved !== undefined },
      print(out) {
        if (review.reviewState !== 'changed' && !approved) {
          out.line(`${toolName} is as you reviewed it.`);
          return;
        }
        const pinned = (review.pinned ?? {}) as Record<string, unknown>;
        const current = review.current as Record<string, unknown>;
        for (const field of Object.keys({ ...pinned, ...current })) {
          const before = JSON.stringify(pinned[field] ?? null, null, 2);
          const after = JSON.stringify(current[field] ?? null, null, 2);
          if (before === after) continue;
          out.line(`${field}:`);
          out.line(`  before: ${before.replace(/\n/g, '\n          ')}`);
          out.line(`  now:    ${after.replace(/\n/g, '\n          ')}`);
        }
        out.line(approved ? `Approved: ${toolName} can be called again.` : `Approve it with \`patchbay review ${name} ${toolName} --approve\`.`);
      },
    };
  },
};

export const approvalsCommand: CommandSpec = {
  name: 'approvals',
  group: 'connectors',
  summary: 'List tool calls waiting for your approval.',
  async run(ctx) {
    const patchbay = await ctx.open();
    const pending = await patchbay.hub.pendingApprovals(patchbay.actor('cli'));
    const connectors = new Map((await patchbay.hub.listConnectors(patchbay.actor('cli'))).map((c) => [c.id, c.name]));
    return {
      json: pending,
      print(out, err) {
        if (pending.length === 0) {
          err.line('Nothing is waiting for your approval.');
          return;
        }
        for (const p of pending) {
          out.line(`${p.id}  ${connectors.get(p.connectorId) ?? '?'} ${p.toolName}  (from ${p.door}, until ${p.expiresAt})`);
          out.line(`  ${firstLine(p.description)}`);
          out.line(`  arguments: ${JSON.stringify(p.arguments)}`);
        }
        out.line('Answer with `patchbay approve <id>` (add --always to allow this tool from now on) or `patchbay deny <id>`.');
      },
    };
  },
};

function answerCommand(name: 'approve' | 'deny'): CommandSpec {
  return {
    name,
    group: 'connectors',
    summary: name === 'approve' ? 'Allow a waiting tool call once (or always, with --always).' : 'Refuse a waiting tool call.',
    positionals: [{ name: 'id', required: true, description: 'The approval request (see `patchbay approvals`).' }],
    options: name === 'approve' ? { always: { type: 'boolean', description: 'Always allow this tool from now on.' } } : {},
    async run(ctx, { values, positionals }) {
      const patchbay = await ctx.open();
      const answer = name === 'deny' ? 'deny' : flagOption(values, 'always') ? 'always' : 'once';
      const approval = await patchbay.hub.answerApproval(patchbay.actor('cli'), positionals[0], answer);
      return {
        json: approval,
        print: (out) => out.line(answer === 'deny' ? `Denied ${approval.toolName}.` : `Allowed ${approval.toolName}${answer === 'always' ? ' from now on' : ' once'}.`),
      };
    },
  };
}

export const approveCommand = answerCommand('approve');
export const denyCommand = answerCommand('deny');

export const auditCommand: CommandSpec = {
  name: 'audit',
  group: 'connectors',
  summary: 'Show the record of tool calls: who, which door, the decision, how long, how big.',
  options: {
    connector: { type: 'string', value: 'N', description: 'Only this connector.' },
    since: { type: 'string', value: 'TIME', description: 'Only events at or after this ISO time, e.g. 2026-11-24T08:00:00Z.' },
    limit: { type: 'string', value: 'N', description: 'At most N events (default 50).' },
    jsonl: { type: 'boolean', description: 'Export as JSON lines.' },
  },
  async run(ctx, { values }) {
    const since = stringOption(values, 'since');
    if (since !== undefined && Number.isNaN(Date.parse(since))) throw new PatchbayError('INVALID_ARGUMENTS', `--since needs an ISO time, like 2026-11-24T08:00:00Z, not "${since.slice(0, 40)}".`);
    const patchbay = await ctx.open();
    await patchbay.hub.auditIdle();
    const connector = stringOption(values, 'connector');
    const events = await patchbay.hub.auditEvents(patchbay.actor('cli'), {
      connector,
      since: since === undefined ? undefined : new Date(since).toISOString(),
      limit: integerOption(values, 'limit', 'audit', { min: 1, max: 10_000 }) ?? 50,
    });
    // The record outlives removed connectors, so an unknown name is not an error; it is worth saying, though (looked up only when nothing was found).
    const known = connector === undefined || events.length > 0 || (await patchbay.hub.listConnectors(patchbay.actor('cli'))).some((c) => c.name === connector);
    if (flagOption(values, 'jsonl')) {
      return {
        json: events,
        print(out) {
          for (const e of events) out.line(JSON.stringify(e));
        },
      };
    }
    return {
      json: events,
      print(out, err) {
        if (events.length === 0) {
          err.line(connector === undefined ? 'No tool calls recorded.' : `No tool calls recorded for a connector named "${connector.slice(0, 80)}".${known ? '' : ' You have no connector of that name now: `patchbay list` shows them.'}`);
          return;
        }
        out.table(
          ['TIME', 'DOOR', 'CONNECTOR', 'TOOL', 'DECISION', 'MS', 'ERROR'],
          events.map((e) => [e.at, e.door, e.connectorName, e.toolName, e.decision, e.latencyMs === null ? '' : String(e.latencyMs), e.errorCode ?? '']),
        );
      },
    };
  },
};
