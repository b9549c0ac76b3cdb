/**
 * The sign-in options `add` and `auth` share: headers (an API key or any custom
 * header) or a user name with a password that never goes on the command line.
 */
import { parseHeaderLine } from '../auth/index.ts';
import { PatchbayError } from '../core/errors.ts';
import type { CredentialsInput } from '../hub/index.ts';
import type { CommandContext, OptionSpec, OptionValues } from './command.ts';
import { askHidden, readStdin } from './io.ts';
import { flagOption, listOption, stringOption } from './option-values.ts';

export const CREDENTIAL_OPTIONS: Record<string, OptionSpec> = {
  header: {
    type: 'string',
    multiple: true,
    value: '"NAME: VALUE"',
    description: 'A header sent on every request, e.g. "Authorization: Bearer <token>" or "X-Api-Key: <key>"; repeat for several. Stored encrypted.',
  },
  basic: { type: 'string', value: 'USER', description: 'Sign in with a user name and password (HTTP Basic). The password is asked at the terminal.' },
  'password-stdin': { type: 'boolean', description: 'With --basic: read the password from stdin instead of asking.' },
};

/** The credentials the options describe, or undefined when none were given. */
export async function readCredentialOptions(ctx: CommandContext, values: OptionValues): Promise<CredentialsInput | undefined> {
  const headerLines = listOption(values, 'header');
  const user = stringOption(values, 'basic');
  if (headerLines.length > 0 && user !== undefined) {
    throw new PatchbayError('INVALID_ARGUMENTS', 'Use either --header or --basic, not both.');
  }
  if (headerLines.length > 0) return { kind: 'headers', headers: Object.fromEntries(headerLines.map(parseHeaderLine)) };
  if (user === undefined) return undefined;
  let password: string;
  const fromStdin = flagOption(values, 'password-stdin');
  if (fromStdin || !ctx.io.stdin.isTTY) {
    password = (await readStdin(ctx.io.stdin, '--password-stdin reads the password from stdin, but stdin is a terminal. Pipe it in, or leave the flag out to be asked.')).replace(/\r?\n$/, '');
    // Read only because there is no terminal to ask at: nothing piped in is far likelier a mistake than an empty password.
    if (password === '' && !fromStdin) {
      throw new PatchbayError(
        'INVALID_ARGUMENTS',
        `No password for ${user}: there is no terminal to ask at, and nothing came on stdin. Pipe it in with --password-stdin (an empty password too, if the server wants one), or run this at a terminal.`,
      );
    }
  } else {
    password = await askHidden(ctx.io, `Password for ${user}: `);
  }
  return { kind: 'basic', username: user, password };
}
