import type { UpdateConnectorInput } from '../../hub/index.ts';
import type { CommandSpec } from '../command.ts';
import { choiceOption, flagOption, listOption, stringOption } from '../option-values.ts';
import { usageError } from '../parse-command-line.ts';
import { TRANSPORT_OPTION, TRANSPORTS } from './shared.ts';

export const updateCommand: CommandSpec = {
  name: 'update',
  group: 'connectors',
  summary: 'Rename a connector or change its URL, project, tags or transport.',
  positionals: [{ name: 'name', required: true, description: 'Connector name.' }],
  options: {
    name: { type: 'string', value: 'N', description: 'New name.' },
    url: { type: 'string', value: 'URL', description: 'New URL (the connector reconnects on next use).' },
    project: { type: 'string', value: 'P', description: 'New project; "" removes it.' },
    tag: { type: 'string', multiple: true, value: 'T', description: 'Replaces the tags; repeat for several, --tag "" removes them all.' },
    transport: TRANSPORT_OPTION,
    'allow-http': { type: 'boolean', description: 'Allow plain http to a host that is not this machine.' },
    'no-allow-http': { type: 'boolean', description: 'Require https again (except for this machine).' },
  },
  examples: ['patchbay update notes --name team-notes --tag work --tag shared', 'patchbay update notes --project ""'],
  async run(ctx, { values, positionals }) {
    const patch: UpdateConnectorInput = {};
    const name = stringOption(values, 'name');
    const url = stringOption(values, 'url');
    const project = stringOption(values, 'project');
    const transport = choiceOption(values, 'transport', 'update', TRANSPORTS);
    if (name !== undefined) patch.name = name;
    if (url !== undefined) patch.url = url;
    if (project !== undefined) patch.project = project === '' ? null : project;
    if (values.tag !== undefined) patch.tags = listOption(values, 'tag');
    if (transport !== undefined) patch.transport = transport;
    if (flagOption(values, 'allow-http') && flagOption(values, 'no-allow-http')) throw usageError('Pass either --allow-http or --no-allow-http, not both', 'update');
    if (flagOption(values, 'allow-http')) patch.allowHttp = true;
    if (flagOption(values, 'no-allow-http')) patch.allowHttp = false;
    if (Object.keys(patch).length === 0) throw usageError('Nothing to change: pass at least one of --name, --url, --project, --tag, --transport, --allow-http', 'update');
    const patchbay = await ctx.open();
    const before = await patchbay.hub.getConnector(patchbay.actor('cli'), positionals[0]);
    const connector = await patchbay.hub.updateConnector(patchbay.actor('cli'), positionals[0], patch);
    return {
      json: connector,
      print(out) {
        out.line(`Updated connector "${connector.name}"${connector.name !== before.name ? ` (was "${before.name}")` : ''}.`);
        if (connector.url !== before.url || connector.transport !== before.transport) {
          out.line(`Its address changed; run \`patchbay test ${connector.name}\` to connect.`);
        }
      },
    };
  },
};
