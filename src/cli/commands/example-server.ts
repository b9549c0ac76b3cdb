import { PatchbayError } from '../../core/errors.ts';
import type { CommandSpec } from '../command.ts';

export const exampleServerCommand: CommandSpec = {
  name: 'example-server',
  group: 'run',
  summary: 'Run an example remote MCP server to try Patchbay with.',
  description:
    'Run an example remote MCP server (tools, resources, prompts, progress, elicitation) in the foreground until Ctrl-C. ' +
    'Then, in another terminal: patchbay add http://127.0.0.1:7411/mcp. With --auth it requires OAuth sign-in through its own small ' +
    'authorization server (dynamic registration, PKCE, refresh with rotation, scopes with step-up, revocation): patchbay login <name>.',
  usage: '[--port N] [--host H] [--auth [--interactive]]',
  options: {
    auth: { type: 'boolean', description: 'Require OAuth sign-in (the authorization server approves at once).' },
    interactive: { type: 'boolean', description: 'With --auth: show a consent page with an Allow button instead of approving at once.' },
    port: { type: 'string', value: 'N', description: 'Port to listen on (default 7411; 0 picks a free one).' },
    host: { type: 'string', value: 'H', description: 'Interface to listen on (default 127.0.0.1).' },
  },
  ownArguments: true,
  runsUntilStopped: true,
  async run(_ctx, { rest }) {
    // Loaded on demand: the CLI must not pay for (or depend on) the server SDK for every command.
    let example: typeof import('../../example-server/index.ts');
    try {
      example = await import('../../example-server/index.ts');
    } catch (error) {
      throw new PatchbayError('INTERNAL', 'The example server is not part of this installation.', { cause: error });
    }
    await example.runExampleServerCli(rest);
    return undefined;
  },
};
