import type { CommandSpec } from '../command.ts';
import { COMMANDS, findCommand } from '../commands.ts';
import { renderCommandHelp, renderGeneralHelp } from '../help.ts';
import { usageError } from '../parse-command-line.ts';

export const helpCommand: CommandSpec = {
  name: 'help',
  group: 'run',
  summary: 'Show help for all commands or for one.',
  positionals: [{ name: 'command', description: 'A command name.' }],
  async run(ctx, { positionals }) {
    const name = positionals[0];
    let text = renderGeneralHelp(COMMANDS);
    if (name !== undefined) {
      const spec = findCommand(name);
      if (!spec) throw usageError(`Unknown command "${name.slice(0, 40)}"`, undefined);
      text = renderCommandHelp(spec);
    }
    ctx.io.stdout.write(text);
    return undefined;
  },
};
