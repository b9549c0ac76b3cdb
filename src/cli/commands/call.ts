import type { CommandSpec } from '../command.ts';
import { readStdin } from '../io.ts';
import { formatToolResult } from '../format-content.ts';
import { integerOption, listOption, parseJsonObject, parseKeyValues } from '../option-values.ts';

export const callCommand: CommandSpec = {
  name: 'call',
  group: 'use',
  summary: 'Call a tool.',
  description:
    'Call a tool. Arguments come from --arg key=value (a value that parses as JSON — a number, true/false, null, an object — is sent as that, anything else as a string; ' +
    'quote a JSON string to force a string: --arg \'id="007"\') and from a JSON object given as the last argument ("-" reads it from stdin); --arg wins over the object. ' +
    'Progress is shown while it runs and Ctrl-C cancels it. A result the tool marks as an error is printed on stderr and exits 1.',
  positionals: [
    { name: 'name', required: true, description: 'Connector name.' },
    { name: 'tool', required: true, description: 'Tool name (see `patchbay tools <name>`).' },
    { name: 'json', description: 'Arguments as a JSON object, or - to read them from stdin.' },
  ],
  options: {
    arg: { type: 'string', multiple: true, value: 'k=v', description: 'An argument; repeat for several.' },
    timeout: { type: 'string', value: 'ms', description: 'Give up after this many milliseconds (progress from the server extends it).' },
  },
  examples: ['patchbay call example echo --arg message=hello', 'patchbay call example add --arg a=2 --arg b=3', 'patchbay call example add \'{"a": 2, "b": 3}\''],
  async run(ctx, { values, positionals }) {
    const [name, tool, jsonText] = positionals;
    const timeoutMs = integerOption(values, 'timeout', 'call', { min: 1, max: 24 * 60 * 60 * 1000 });
    let args: Record<string, unknown> = {};
    if (jsonText !== undefined) {
      const text = jsonText === '-' ? await readStdin(ctx.io.stdin, '"-" reads the arguments from stdin, but stdin is a terminal. Pipe the JSON in, e.g. echo \'{"a":1}\' | patchbay call ...') : jsonText;
      args = parseJsonObject(text, 'The JSON arguments');
    }
    args = { ...args, ...parseKeyValues(listOption(values, 'arg'), { parseJson: true }) };
    const patchbay = await ctx.open();
    const result = await ctx.remote(`Calling ${tool}`, (control) => patchbay.hub.callTool(patchbay.actor('cli'), name, tool, args, control), { timeoutMs });
    const failed = result.isError === true;
    return {
      json: result,
      exitCode: failed ? 1 : 0,
      print(out, err) {
        const lines = formatToolResult(result);
        const target = failed ? err : out;
        if (failed && lines.length === 0) lines.push(`The tool "${tool}" reported an error without a message.`);
        for (const line of lines) target.line(line.replace(/\n$/, ''));
      },
    };
  },
};
