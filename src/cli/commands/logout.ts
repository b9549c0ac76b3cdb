import type { CommandSpec } from '../command.ts';

export const logoutCommand: CommandSpec = {
  name: 'logout',
  group: 'connectors',
  summary: 'Sign out of a connector: revoke its OAuth tokens at the server and forget them.',
  description: 'The connector stays, waiting for `patchbay login`. For an API key or a password, use `patchbay auth <name> --clear`.',
  positionals: [{ name: 'name', required: true, description: 'The connector.' }],
  async run(ctx, { positionals }) {
    const patchbay = await ctx.open();
    const connector = await ctx.remote(`Signing out of ${positionals[0]}`, () => patchbay.hub.signOut(patchbay.actor('cli'), positionals[0]));
    return {
      json: { connector: connector.name, status: connector.status },
      print: (out) => out.line(`Signed out of "${connector.name}". Sign in again with \`patchbay login ${connector.name}\`.`),
    };
  },
};
