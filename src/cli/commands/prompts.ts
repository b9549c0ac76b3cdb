import type { CommandSpec } from '../command.ts';
import { formatPromptMessages } from '../format-content.ts';
import { listOption, parseKeyValues } from '../option-values.ts';
import { firstLine } from '../sanitize.ts';

export const promptsCommand: CommandSpec = {
  name: 'prompts',
  group: 'use',
  summary: 'List the prompts a connector offers.',
  positionals: [{ name: 'name', required: true, description: 'Connector name.' }],
  options: { refresh: { type: 'boolean', description: 'Ask the server again instead of using the list Patchbay keeps.' } },
  async run(ctx, { values, positionals }) {
    const patchbay = await ctx.open();
    const { prompts } = await ctx.remote(`Listing prompts of ${positionals[0]}`, (control) =>
      patchbay.hub.catalog(patchbay.actor('cli'), positionals[0], { ...control, refresh: values.refresh === true }),
    );
    return {
      json: prompts,
      print(out, err) {
        if (prompts.length === 0) {
          err.line(`Connector "${positionals[0]}" offers no prompts.`);
          return;
        }
        out.table(
          ['NAME', 'ARGUMENTS', 'DESCRIPTION'],
          prompts.map((p) => [p.name, (p.arguments ?? []).map((a) => `${a.name}${a.required ? '*' : ''}`).join(', '), firstLine(p.description) || firstLine(p.title)]),
        );
      },
    };
  },
};

export const promptCommand: CommandSpec = {
  name: 'prompt',
  group: 'use',
  summary: 'Get a prompt with its arguments and print its messages.',
  description: 'Get a prompt and print its messages. Prompt arguments are always strings (--arg name=value). Arguments marked * in `patchbay prompts` are required.',
  positionals: [
    { name: 'name', required: true, description: 'Connector name.' },
    { name: 'prompt', required: true, description: 'Prompt name (see `patchbay prompts <name>`).' },
  ],
  options: { arg: { type: 'string', multiple: true, value: 'k=v', description: 'An argument; repeat for several.' } },
  examples: ['patchbay prompt example greeting --arg name=Ada --arg style=pirate'],
  async run(ctx, { values, positionals }) {
    const [name, prompt] = positionals;
    const args = parseKeyValues(listOption(values, 'arg'), { parseJson: false }) as Record<string, string>;
    const patchbay = await ctx.open();
    const result = await ctx.remote(`Getting prompt ${prompt}`, (control) => patchbay.hub.getPrompt(patchbay.actor('cli'), name, prompt, args, control));
    return {
      json: result,
      print(out) {
        for (const line of formatPromptMessages(result)) out.line(line.replace(/\n$/, ''));
      },
    };
  },
};
