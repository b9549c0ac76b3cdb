import type { CommandSpec } from '../command.ts';
import { describeCounts, describeServer } from './shared.ts';

export const showCommand: CommandSpec = {
  name: 'show',
  group: 'connectors',
  summary: 'Show a connector: its server, protocol, capabilities and what it offers.',
  description: 'Show a connector: its server, protocol, capabilities, instructions and how many tools, resources and prompts it offered when last listed. Does not contact the server (use `patchbay test`).',
  positionals: [{ name: 'name', required: true, description: 'Connector name.' }],
  async run(ctx, { positionals }) {
    const patchbay = await ctx.open();
    const connector = await patchbay.hub.getConnector(patchbay.actor('cli'), positionals[0]);
    const counts = await patchbay.hub.cachedCatalogCounts(patchbay.actor('cli'), connector.name);
    return {
      json: { connector, counts },
      print(out) {
        const server = connector.server;
        const rows: Array<[string, string]> = [
          ['Name', connector.name],
          ['URL', connector.url],
          ['Status', connector.status],
          ['Project', connector.project ?? '-'],
          ['Tags', connector.tags.join(', ') || '-'],
          ['Transport', server ? `${server.transport} (preference: ${connector.transport})` : connector.transport],
          ['Plain http', connector.allowHttp ? 'allowed' : 'only to this machine'],
          ['Server', describeServer(connector) ?? 'not connected yet'],
        ];
        if (server) {
          rows.push(['Protocol', `${server.protocolVersion ?? 'unknown'}${server.era ? ` (${server.era} era)` : ''}`]);
          rows.push(['Capabilities', Object.keys(server.capabilities).sort().join(', ') || 'none']);
          rows.push(['Connected', server.connectedAt]);
        }
        rows.push(['Offers', counts ? describeCounts(counts) : `not listed yet (run \`patchbay test ${connector.name}\`)`]);
        if (connector.lastError) rows.push(['Last error', `${connector.lastError.code}: ${connector.lastError.message} (${connector.lastError.at})`]);
        rows.push(['Created', connector.createdAt], ['Updated', connector.updatedAt]);
        const width = Math.max(...rows.map(([k]) => k.length)) + 1;
        for (const [key, value] of rows) out.line(`${`${key}:`.padEnd(width)} ${value.replace(/\s*\n\s*/g, ' ')}`);
        if (server?.instructions) {
          out.line('Instructions:');
          out.line(server.instructions.replace(/^/gm, '  '));
        }
      },
    };
  },
};
