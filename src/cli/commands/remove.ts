import type { CommandSpec } from '../command.ts';

export const removeCommand: CommandSpec = {
  name: 'remove',
  aliases: ['rm'],
  group: 'connectors',
  summary: 'Remove a connector with its settings and credentials.',
  positionals: [{ name: 'name', required: true, description: 'Connector name.' }],
  async run(ctx, { positionals }) {
    const patchbay = await ctx.open();
    const connector = await patchbay.hub.removeConnector(patchbay.actor('cli'), positionals[0]);
    return {
      json: { removed: connector },
      print(out) {
        out.line(`Removed connector "${connector.name}".`);
      },
    };
  },
};
