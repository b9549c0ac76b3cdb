import { publicUrlOf } from '../../core/config.ts';
import type { CommandSpec } from '../command.ts';
import { listOption } from '../option-values.ts';
import { usageError } from '../parse-command-line.ts';
import { renderTable } from '../table.ts';

const ACTIONS = ['create', 'list', 'revoke'] as const;

export const tokenCommand: CommandSpec = {
  name: 'token',
  group: 'run',
  summary: 'Personal access tokens for the gateway: create, list, revoke.',
  description:
    'Another MCP client (Claude Desktop, Cursor, an agent) reaches your connectors through the gateway at /mcp with `Authorization: Bearer <token>`. ' +
    '`create` prints the token once (only a hash is kept); --project limits it to connectors of those projects. `revoke` takes the token\'s name or id.',
  usage: 'create <name> [--project P ...] | list | revoke <name|id>',
  positionals: [
    { name: 'action', required: true, description: 'create, list or revoke.' },
    { name: 'name', description: 'The token’s name (create), or its name or id (revoke).' },
  ],
  options: {
    project: { type: 'string', multiple: true, value: 'P', description: 'Limit the token to connectors of this project (repeat for several).' },
  },
  examples: ['patchbay token create claude-desktop', 'patchbay token create work-agent --project work', 'patchbay token revoke claude-desktop'],
  async run(ctx, { values, positionals }) {
    const [action, name] = positionals;
    if (!(ACTIONS as readonly string[]).includes(action)) throw usageError(`Unknown action "${action.slice(0, 40)}": use create, list or revoke.`, 'token');
    if (action !== 'list' && !name) throw usageError(`\`patchbay token ${action}\` needs a token name.`, 'token');
    const projects = listOption(values, 'project');
    if (action !== 'create' && projects.length > 0) throw usageError('--project applies to `token create` only.', 'token');
    const patchbay = await ctx.open();
    const actor = patchbay.actor('cli');
    if (action === 'create') {
      const { token, secret } = await patchbay.tokens.create(actor, { name, projects: projects.length ? projects : null });
      return {
        json: { token, secret },
        print(out, err) {
          out.line(secret);
          err.line(`Token "${token.name}" created${token.projects ? ` for project${token.projects.length > 1 ? 's' : ''} ${token.projects.join(', ')}` : ''}. It is shown only now: copy it into your MCP client.`);
          err.line(`Send it as \`Authorization: Bearer <token>\` to the gateway at ${publicUrlOf(patchbay.config)}/mcp (or set PATCHBAY_GATEWAY_TOKEN for \`patchbay gateway --stdio\`).`);
        },
      };
    }
    if (action === 'revoke') {
      const token = await patchbay.tokens.revoke(actor, name);
      return { json: token, print: (out) => out.line(`Revoked token "${token.name}" (${token.prefix}…). Clients using it are refused from now on.`) };
    }
    const tokens = await patchbay.tokens.list(actor);
    return {
      json: tokens,
      print(out, err) {
        if (tokens.length === 0) {
          err.line('No tokens yet. Create one with `patchbay token create <name>`.');
          return;
        }
        const rows = tokens.map((t) => [t.name, `${t.prefix}…`, t.projects?.join(',') ?? 'all', t.createdAt.slice(0, 16), t.lastUsedAt?.slice(0, 16) ?? 'never', t.revokedAt ? `revoked ${t.revokedAt.slice(0, 16)}` : 'live', t.id]);
        for (const line of renderTable(['NAME', 'TOKEN', 'PROJECTS', 'CREATED', 'LAST USED', 'STATE', 'ID'], rows)) out.line(line);
      },
    };
  },
};

