import type { CommandSpec } from '../command.ts';
import { stringOption } from '../option-values.ts';
import { describeTransport } from './shared.ts';

export const listCommand: CommandSpec = {
  name: 'list',
  aliases: ['ls'],
  group: 'connectors',
  summary: 'List your connectors.',
  options: {
    project: { type: 'string', value: 'P', description: 'Only connectors of this project.' },
    tag: { type: 'string', value: 'T', description: 'Only connectors with this tag.' },
  },
  async run(ctx, { values }) {
    const patchbay = await ctx.open();
    const connectors = await patchbay.hub.listConnectors(patchbay.actor('cli'), {
      project: stringOption(values, 'project'),
      tag: stringOption(values, 'tag')?.toLowerCase(),
    });
    return {
      json: connectors,
      print(out, err) {
        if (connectors.length === 0) {
          err.line(values.project || values.tag ? 'No connectors match.' : 'No connectors yet. Add one with `patchbay add <url>`.');
          return;
        }
        out.table(
          ['NAME', 'STATUS', 'TRANSPORT', 'PROJECT', 'TAGS', 'URL'],
          connectors.map((c) => [c.name, c.status, describeTransport(c), c.project ?? '', c.tags.join(','), c.url]),
        );
      },
    };
  },
};
