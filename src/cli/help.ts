/**
 * Help text, generated from the command table, and the exit codes (generated from the
 * error table, so the documentation cannot drift from what the CLI does).
 */
import { VERSION } from '../app.ts';
import { ERROR_CODES } from '../core/errors.ts';
import type { CommandGroup, CommandSpec, OptionSpec } from './command.ts';
import { GLOBAL_OPTIONS } from './parse-command-line.ts';

const GROUP_TITLES: Record<CommandGroup, string> = {
  connectors: 'Manage connectors',
  use: 'Use a connector',
  run: 'Run',
};

const EXIT_MEANINGS: Array<[number, string]> = [
  [0, 'success'],
  [1, 'the tool reported an error (isError), or an internal or configuration error'],
  [2, 'usage error or invalid input'],
  [3, 'not found'],
  [4, 'authentication needed or refused'],
  [5, 'the remote server failed'],
  [6, 'refused by your settings or the state of things: a tool disabled, blocked, suspended after a change, waiting for approval or over a limit; a chat busy or at its step limit'],
  [130, 'cancelled (Ctrl-C)'],
];

/** Exit codes with their meaning and the error codes that map to each. */
export function describeExitCodes(): Array<{ exit: number; meaning: string; codes: string[] }> {
  return EXIT_MEANINGS.map(([exit, meaning]) => ({
    exit,
    meaning,
    codes: Object.entries(ERROR_CODES)
      .filter(([, v]) => v.exit === exit)
      .map(([code]) => code),
  }));
}

export function usageLine(spec: CommandSpec): string {
  const args = (spec.positionals ?? []).map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`));
  const options = spec.usage ?? (Object.keys(spec.options ?? {}).length > 0 ? '[options]' : '');
  return ['patchbay', spec.name, ...args, options].filter(Boolean).join(' ');
}

function optionLabel(name: string, option: OptionSpec): string {
  const flag = `${option.short ? `-${option.short}, ` : ''}--${name}`;
  if (option.type === 'boolean') return flag;
  return `${flag} ${option.value ?? 'VALUE'}${option.multiple ? ' ...' : ''}`;
}

function columns(rows: Array<[string, string]>, indent = '  '): string[] {
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `${indent}${left.padEnd(width)}  ${right}`.trimEnd());
}

export function renderGeneralHelp(commands: CommandSpec[]): string {
  const lines = [
    `Patchbay ${VERSION} — a hub for remote MCP connectors: add a server by URL, then use its tools, resources and prompts.`,
    '',
    'Usage: patchbay <command> [arguments] [--json] [--verbose]',
  ];
  for (const group of Object.keys(GROUP_TITLES) as CommandGroup[]) {
    lines.push('', `${GROUP_TITLES[group]}:`);
    const rows: Array<[string, string]> = commands
      .filter((c) => c.group === group)
      .map((c) => [[c.name, ...(c.aliases ?? [])].join(', '), c.summary]);
    lines.push(...columns(rows));
  }
  lines.push('', 'Global flags:');
  lines.push(...columns(Object.entries(GLOBAL_OPTIONS).map(([name, option]) => [optionLabel(name, option), option.description])));
  lines.push('', 'Exit codes:');
  lines.push(...columns(describeExitCodes().map(({ exit, meaning, codes }) => [String(exit), codes.length > 0 ? `${meaning} (${codes.join(', ')})` : meaning])));
  lines.push(
    '',
    'The CLI opens your Patchbay data directly (PATCHBAY_DATA_DIR, or PATCHBAY_DATABASE_URL for PostgreSQL); no server needs to run.',
    'Run `patchbay help <command>` for a command\'s options.',
  );
  return `${lines.join('\n')}\n`;
}

export function renderCommandHelp(spec: CommandSpec): string {
  const lines = [`Usage: ${usageLine(spec)}`, '', spec.description ?? spec.summary];
  if (spec.aliases?.length) lines.push('', `Alias: ${spec.aliases.join(', ')}`);
  const positionals = (spec.positionals ?? []).filter((p) => p.description);
  if (positionals.length > 0) {
    lines.push('', 'Arguments:');
    lines.push(...columns(positionals.map((p) => [p.required ? `<${p.name}>` : `[${p.name}]`, p.description ?? ''])));
  }
  const options = Object.entries(spec.options ?? {});
  if (options.length > 0) {
    lines.push('', 'Options:');
    lines.push(...columns(options.map(([name, option]) => [optionLabel(name, option), option.description])));
  }
  if (!spec.ownArguments) lines.push('', 'Global flags: --json, --verbose, --help');
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  lines.push('', 'Exit codes: 0 ok, 1 tool error, 2 usage, 3 not found, 4 auth, 5 remote server, 130 cancelled (see `patchbay help`).');
  return `${lines.join('\n')}\n`;
}
