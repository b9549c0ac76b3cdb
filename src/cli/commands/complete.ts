import type { CompleteRequest } from '@modelcontextprotocol/client';
import type { CommandSpec } from '../command.ts';
import { listOption, parseKeyValues, stringOption } from '../option-values.ts';
import { usageError } from '../parse-command-line.ts';

export const completeCommand: CommandSpec = {
  name: 'complete',
  group: 'use',
  summary: 'Ask for completions of a prompt argument or a resource template variable.',
  positionals: [{ name: 'name', required: true, description: 'Connector name.' }],
  usage: '(--prompt P | --template URI) --argument NAME [--value V]',
  options: {
    prompt: { type: 'string', value: 'P', description: 'Complete an argument of this prompt.' },
    template: { type: 'string', value: 'URI', description: 'Complete a variable of this resource template, e.g. example://notes/{id}.' },
    argument: { type: 'string', value: 'NAME', description: 'The argument or variable to complete.' },
    value: { type: 'string', value: 'V', description: 'What is typed so far (default: empty).' },
    context: { type: 'string', multiple: true, value: 'k=v', description: 'Values of other arguments already chosen; repeat for several.' },
  },
  examples: ['patchbay complete example --prompt greeting --argument style --value p', "patchbay complete example --template 'example://notes/{id}' --argument id"],
  async run(ctx, { values, positionals }) {
    const prompt = stringOption(values, 'prompt');
    const template = stringOption(values, 'template');
    const argument = stringOption(values, 'argument');
    if ((prompt === undefined) === (template === undefined)) throw usageError('Pass exactly one of --prompt and --template', 'complete');
    if (!argument) throw usageError('Pass --argument with the name to complete', 'complete');
    const context = parseKeyValues(listOption(values, 'context'), { parseJson: false }) as Record<string, string>;
    const params: CompleteRequest['params'] = {
      ref: prompt !== undefined ? { type: 'ref/prompt', name: prompt } : { type: 'ref/resource', uri: template as string },
      argument: { name: argument, value: stringOption(values, 'value') ?? '' },
      ...(Object.keys(context).length > 0 ? { context: { arguments: context } } : {}),
    };
    const patchbay = await ctx.open();
    const { completion } = await ctx.remote('Completing', (control) => patchbay.hub.complete(patchbay.actor('cli'), positionals[0], params, control));
    return {
      json: completion,
      print(out, err) {
        if (completion.values.length === 0) err.line('No suggestions.');
        for (const value of completion.values) out.line(value.replace(/\n/g, ' '));
        const more = completion.total !== undefined ? completion.total - completion.values.length : 0;
        if (more > 0) err.line(`… and ${more} more.`);
        else if (completion.hasMore) err.line('… and more.');
      },
    };
  },
};
