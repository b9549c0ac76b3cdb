/**
 * `patchbay example-server [--port N] [--host H] [--auth] [--interactive]`: runs the
 * example server in the foreground until SIGINT or SIGTERM. `--auth` puts the MCP
 * endpoint behind the built-in OAuth authorization server, which approves every sign-in
 * at once; `--interactive` (implies `--auth`) shows a consent page in the browser instead.
 */

import { parseArgs } from 'node:util';
import { PatchbayError } from '../core/errors.ts';
import { createLogger } from '../core/log.ts';
import { startExampleServer } from './example-server.ts';

export const DEFAULT_EXAMPLE_PORT = 7411;
export const DEFAULT_EXAMPLE_HOST = '127.0.0.1';

export interface ExampleServerCliOptions {
  host: string;
  port: number;
  /** Protect the MCP endpoint with the built-in authorization server. */
  auth: boolean;
  /** Ask for consent in the browser instead of approving at once (implies `auth`). */
  interactive: boolean;
}

const USAGE = 'Usage: patchbay example-server [--port N] [--host H] [--auth] [--interactive]';

export function parseExampleServerArgs(argv: string[]): ExampleServerCliOptions {
  let values: { port?: string; host?: string; auth?: boolean; interactive?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { port: { type: 'string' }, host: { type: 'string' }, auth: { type: 'boolean' }, interactive: { type: 'boolean' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new PatchbayError('INVALID_ARGUMENTS', `${(error as Error).message}. ${USAGE}`, { cause: error });
  }
  const port = values.port === undefined ? DEFAULT_EXAMPLE_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new PatchbayError('INVALID_ARGUMENTS', `--port must be a whole number from 0 to 65535, not "${values.port}".`);
  }
  const host = values.host ?? DEFAULT_EXAMPLE_HOST;
  if (host === '') throw new PatchbayError('INVALID_ARGUMENTS', '--host needs a value, e.g. --host 127.0.0.1.');
  const interactive = values.interactive ?? false;
  return { host, port, auth: (values.auth ?? false) || interactive, interactive };
}

/** Starts the example server, prints its URL and resolves once a signal has stopped it. */
export async function runExampleServerCli(argv: string[]): Promise<void> {
  const { host, port, auth, interactive } = parseExampleServerArgs(argv);
  const server = await startExampleServer({ host, port, logger: createLogger('warn'), ...(auth ? { auth: { interactive } } : {}) });
  process.stdout.write(`Example MCP server listening on ${server.url}\n`);
  if (server.auth !== undefined) {
    const approval = interactive ? 'asks for consent in the browser' : 'approves every sign-in at once; --interactive asks in the browser';
    process.stdout.write(`Sign-in required: OAuth authorization server at ${server.auth.issuer} (${approval})\n`);
  }
  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    const stop = (received: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(received);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await server.close();
  process.stderr.write(`Example MCP server stopped (${signal}).\n`);
}
