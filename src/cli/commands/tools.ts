import type { CommandSpec } from '../command.ts';
import { flagOption } from '../option-values.ts';
import { firstLine } from '../sanitize.ts';

export const toolsCommand: CommandSpec = {
  name: 'tools',
  group: 'use',
  summary: 'List the tools a connector offers.',
  positionals: [{ name: 'name', required: true, description: 'Connector name.' }],
  options: { refresh: { type: 'boolean', description: 'Ask the server again instead of using the list Patchbay keeps.' } },
  async run(ctx, { values, positionals }) {
    const patchbay = await ctx.open();
    const refresh = flagOption(values, 'refresh');
    const catalog = await ctx.remote(`Listing tools of ${positionals[0]}`, (control) =>
      patchbay.hub.catalog(patchbay.actor('cli'), positionals[0], { ...control, refresh }),
    );
    const policies = new Map((await patchbay.hub.toolPolicies(patchbay.actor('cli'), positionals[0])).tools.map((t) => [t.tool.name, t]));
    const stateOf = (name: string) => {
      const p = policies.get(name);
      if (!p) return ['', ''];
      const state = !p.setting.enabled ? 'disabled' : p.setting.reviewState === 'changed' ? 'CHANGED' : p.setting.reviewState === 'new' ? 'new' : '';
      return [p.effective, [state, p.hidden ? 'HIDDEN-TEXT' : ''].filter(Boolean).join(' ')];
    };
    return {
      json: catalog.tools,
      print(out, err) {
        if (catalog.tools.length === 0) {
          err.line(`Connector "${positionals[0]}" offers no tools.`);
          return;
        }
        out.table(
          ['NAME', 'APPROVAL', 'STATE', 'DESCRIPTION'],
          catalog.tools.map((tool) => [tool.name, ...stateOf(tool.name), firstLine(tool.description) || firstLine(tool.title)]),
        );
      },
    };
  },
};
