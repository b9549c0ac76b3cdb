/**
 * Splits the command line into global flags, the command name and its arguments, and
 * parses those against the command's table entry with `node:util` `parseArgs`.
 */
import { parseArgs } from 'node:util';
import { PatchbayError } from '../core/errors.ts';
import type { CommandInput, CommandSpec, OptionSpec, OptionValues } from './command.ts';

export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'Machine output: JSON on stdout only (errors too, as {"error":{"code","message"}}).' },
  verbose: { type: 'boolean', description: 'Debug logs, and the HTTP exchange with MCP servers, on stderr.' },
  help: { type: 'boolean', short: 'h', description: 'Show help for the command.' },
  version: { type: 'boolean', description: 'Print the Patchbay version.' },
};

const GLOBAL_TOKENS = new Map<string, string>([
  ['--json', 'json'],
  ['--verbose', 'verbose'],
  ['--help', 'help'],
  ['-h', 'help'],
  ['--version', 'version'],
]);

export interface GlobalFlags {
  json: boolean;
  verbose: boolean;
  help: boolean;
  version: boolean;
}

export interface SplitCommandLine {
  command: string | undefined;
  /** Arguments after the command name. */
  rest: string[];
  globals: GlobalFlags;
}

/** Global flags may come before the command; the first other word is the command. */
export function splitCommandLine(argv: string[]): SplitCommandLine {
  const globals: GlobalFlags = { json: false, verbose: false, help: false, version: false };
  let i = 0;
  for (; i < argv.length; i++) {
    const name = GLOBAL_TOKENS.get(argv[i]);
    if (!name) break;
    globals[name as keyof GlobalFlags] = true;
  }
  const command = argv[i];
  if (command?.startsWith('-')) {
    throw usageError(`Unknown option "${command}" before the command`, undefined);
  }
  const rest = argv.slice(i + 1);
  // Global flags are honoured after the command too; a command that parses its own arguments never sees them.
  for (const arg of rest) {
    if (arg === '--') break;
    const name = GLOBAL_TOKENS.get(arg);
    if (name) globals[name as keyof GlobalFlags] = true;
  }
  return { command, rest, globals };
}

/** Parses a command's arguments against its table entry; usage errors exit 2. */
export function parseCommandArgs(spec: CommandSpec, rest: string[]): CommandInput {
  if (spec.ownArguments) {
    const stop = rest.indexOf('--');
    const own = rest.filter((arg, i) => (stop !== -1 && i > stop) || !GLOBAL_TOKENS.has(arg));
    return { values: {}, positionals: [], rest: own };
  }
  const options: Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }> = {};
  for (const [name, option] of Object.entries({ ...GLOBAL_OPTIONS, ...spec.options })) {
    options[name] = { type: option.type, ...(option.multiple ? { multiple: true } : {}), ...(option.short ? { short: option.short } : {}) };
  }
  let parsed: { values: OptionValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options, strict: true, allowPositionals: true }) as { values: OptionValues; positionals: string[] };
  } catch (error) {
    throw usageError(cleanParseMessage((error as Error).message), spec.name, error);
  }
  if (parsed.values.help) return { values: parsed.values, positionals: parsed.positionals, rest };
  const positionals = spec.positionals ?? [];
  const required = positionals.filter((p) => p.required);
  if (parsed.positionals.length < required.length) {
    const missing = required.slice(parsed.positionals.length).map((p) => `<${p.name}>`);
    throw usageError(`Missing ${missing.join(' and ')}`, spec.name);
  }
  if (parsed.positionals.length > positionals.length) {
    throw usageError(`Unexpected argument "${parsed.positionals[positionals.length].slice(0, 80)}"`, spec.name);
  }
  return { values: parsed.values, positionals: parsed.positionals, rest };
}

function cleanParseMessage(message: string): string {
  // Node appends a long hint about "--" to unknown options; the help command is the better hint.
  return message.replace(/\. To specify a positional argument.*$/s, '').replace(/\.$/, '');
}

export function usageError(message: string, command: string | undefined, cause?: unknown): PatchbayError {
  const hint = command ? `Run \`patchbay help ${command}\` for usage.` : 'Run `patchbay help` for the list of commands.';
  return new PatchbayError('VALIDATION_FAILED', `${message.replace(/\.$/, '')}. ${hint}`, cause === undefined ? {} : { cause });
}
