import type { CommandSpec } from '../command.ts';
import { countCatalog, describeCounts, describeServer } from './shared.ts';

export const testCommand: CommandSpec = {
  name: 'test',
  group: 'connectors',
  summary: 'Connect to a connector again and refresh what it offers.',
  positionals: [{ name: 'name', required: true, description: 'Connector name.' }],
  async run(ctx, { positionals }) {
    const patchbay = await ctx.open();
    const { connector, catalog } = await ctx.remote(`Testing ${positionals[0]}`, (control) =>
      patchbay.hub.testConnector(patchbay.actor('cli'), positionals[0], control),
    );
    const counts = countCatalog(catalog);
    return {
      json: { connector, counts },
      print(out) {
        const server = connector.server;
        out.line(`Connected to "${connector.name}": ${describeServer(connector) ?? 'unknown server'}.`);
        if (server) out.line(`  transport ${server.transport}, protocol ${server.protocolVersion ?? 'unknown'}${server.era ? ` (${server.era} era)` : ''}`);
        out.line(`  ${describeCounts(counts)}`);
      },
    };
  },
};
