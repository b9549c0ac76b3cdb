import { PatchbayError } from '../../core/errors.ts';
import type { CommandSpec } from '../command.ts';
import { CREDENTIAL_OPTIONS, readCredentialOptions } from '../credential-options.ts';
import { choiceOption, flagOption, listOption, stringOption } from '../option-values.ts';
import { countCatalog, describeCounts, describeServer, TRANSPORT_OPTION, TRANSPORTS } from './shared.ts';

export const addCommand: CommandSpec = {
  name: 'add',
  group: 'connectors',
  summary: 'Add a remote MCP server by its URL.',
  description:
    'Add a remote MCP server by its URL. Patchbay connects first (so a typo fails now, not later), learns the server\'s name and lists what it offers. ' +
    'https is required except for servers on this machine.',
  positionals: [{ name: 'url', required: true, description: "The server's MCP endpoint, e.g. https://mcp.example.com/mcp" }],
  options: {
    name: { type: 'string', value: 'N', description: "Connector name (default: derived from the server's name)." },
    project: { type: 'string', value: 'P', description: 'Project the connector belongs to.' },
    tag: { type: 'string', multiple: true, value: 'T', description: 'A tag; repeat for several.' },
    transport: TRANSPORT_OPTION,
    'allow-http': { type: 'boolean', description: 'Allow plain http to a host that is not this machine (e.g. a server on your LAN).' },
    'no-connect': { type: 'boolean', description: 'Store the connector without connecting to it.' },
    ...CREDENTIAL_OPTIONS,
  },
  examples: [
    'patchbay add https://mcp.example.com/mcp --tag work',
    'patchbay add http://127.0.0.1:7411/mcp --name example',
    'patchbay add https://api.example.com/mcp --header "X-Api-Key: <key>"',
  ],
  async run(ctx, { values, positionals }) {
    const transport = choiceOption(values, 'transport', 'add', TRANSPORTS);
    const connect = !flagOption(values, 'no-connect');
    const credentials = await readCredentialOptions(ctx, values);
    const patchbay = await ctx.open();
    const { connector, catalog } = await ctx.remote(connect ? `Connecting to ${positionals[0]}` : 'Saving', () =>
      patchbay.hub.addConnector(patchbay.actor('cli'), {
        url: positionals[0],
        name: stringOption(values, 'name'),
        project: stringOption(values, 'project') || null,
        tags: listOption(values, 'tag'),
        transport,
        allowHttp: flagOption(values, 'allow-http'),
        connect,
        credentials,
      }),
    );
    if (!connector) throw new PatchbayError('INTERNAL', 'The connector was not stored.');
    const counts = catalog ? countCatalog(catalog) : null;
    return {
      json: { connector, counts },
      print(out) {
        const server = describeServer(connector);
        if (connector.status === 'needs-sign-in') {
          out.line(`Added connector "${connector.name}". The server needs you to sign in:`);
          out.line(`  patchbay login ${connector.name}                      (OAuth, in your browser)`);
          out.line(`  patchbay auth ${connector.name} --header "NAME: VALUE"  (an API key or token)`);
          return;
        }
        if (!server) {
          out.line(`Added connector "${connector.name}" without connecting. Run \`patchbay test ${connector.name}\` to connect.`);
          return;
        }
        out.line(`Added connector "${connector.name}": ${server} over ${connector.server?.transport}.`);
        out.line(counts ? `It offers ${describeCounts(counts)}. Try \`patchbay tools ${connector.name}\`.` : `Listing what it offers failed; run \`patchbay test ${connector.name}\`.`);
      },
    };
  },
};
