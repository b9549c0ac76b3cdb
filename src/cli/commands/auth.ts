import type { CommandSpec } from '../command.ts';
import { CREDENTIAL_OPTIONS, readCredentialOptions } from '../credential-options.ts';
import { flagOption } from '../option-values.ts';

export const authCommand: CommandSpec = {
  name: 'auth',
  group: 'connectors',
  summary: "Set, show or clear a connector's sign-in (API key, headers, or user name and password).",
  description:
    'Stores your own credentials for a connector, encrypted, and reconnects with them. Without options it shows what is stored, values masked. ' +
    'Secrets given on a command line can end up in shell history: prefer --basic (asked at the terminal) or --password-stdin.',
  positionals: [{ name: 'name', required: true, description: 'The connector.' }],
  options: {
    ...CREDENTIAL_OPTIONS,
    clear: { type: 'boolean', description: 'Remove the stored credentials.' },
  },
  examples: ['patchbay auth github --header "Authorization: Bearer ghp_…"', 'patchbay auth wiki --basic ada', 'patchbay auth wiki --clear'],
  async run(ctx, { values, positionals }) {
    const [name] = positionals;
    const patchbay = await ctx.open();
    const actor = patchbay.actor('cli');
    if (flagOption(values, 'clear')) {
      await patchbay.hub.clearCredentials(actor, name);
      return { json: { connector: name, credentials: null }, print: (out) => out.line(`Removed the credentials of "${name}".`) };
    }
    const input = await readCredentialOptions(ctx, values);
    const credentials = input ? await patchbay.hub.setCredentials(actor, name, input) : await patchbay.hub.showCredentials(actor, name);
    return {
      json: { connector: name, credentials },
      print(out) {
        if (!credentials) {
          out.line(`"${name}" has no stored credentials. Add some with --header or --basic.`);
          return;
        }
        if (input) out.line(`Saved the credentials of "${name}".`);
        if (credentials.kind === 'basic') out.line(`user ${credentials.username}, password ${credentials.password}`);
        else for (const [header, value] of Object.entries(credentials.headers)) out.line(`${header}: ${value}`);
      },
    };
  },
};
