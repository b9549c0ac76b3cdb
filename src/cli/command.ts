/**
 * What a command is: its name, help text, options and positionals (the command table
 * drives parsing and help), and a `run` that returns what to print.
 */
import type { Patchbay } from '../app.ts';
import type { Config } from '../core/config.ts';
import type { LogLevel } from '../core/log.ts';
import type { CallContext } from '../hub/index.ts';
import type { CliIo, Printer } from './io.ts';

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  short?: string;
  /** Placeholder shown in help for a string option, e.g. "N". */
  value?: string;
  description: string;
}

export interface PositionalSpec {
  name: string;
  required?: boolean;
  description?: string;
}

export type OptionValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface CommandInput {
  values: OptionValues;
  positionals: string[];
  /** The arguments after the command name, global flags removed (for commands that parse their own). */
  rest: string[];
}

export interface CommandResult {
  /** What `--json` prints on stdout. */
  json: unknown;
  /** People output. */
  print?(out: Printer, err: Printer): void;
  /** Exit code when not 0 (a tool that reported an error exits 1). */
  exitCode?: number;
}

export interface CommandContext {
  io: CliIo;
  json: boolean;
  verbose: boolean;
  /** Aborted by Ctrl-C (SIGINT) or SIGTERM. */
  signal: AbortSignal;
  out: Printer;
  err: Printer;
  /** The configuration from the environment (parsed once; CONFIG_INVALID when it is wrong). */
  config(): Config;
  /** Opens Patchbay in this process once; the runner closes it. Logs go to stderr at `logLevel` (default: warnings). */
  open(options?: { logLevel?: LogLevel }): Promise<Patchbay>;
  /**
   * Runs a remote operation with a spinner, Ctrl-C cancellation, progress shown as
   * "step n/total" and elicitation answered at the terminal.
   */
  remote<T>(label: string, operation: (control: CallContext) => Promise<T>, options?: { timeoutMs?: number }): Promise<T>;
}

export type CommandGroup = 'connectors' | 'use' | 'run';

export interface CommandSpec {
  name: string;
  group: CommandGroup;
  aliases?: string[];
  /** One line for the command list. */
  summary: string;
  /** Longer help shown by `patchbay help <command>`. */
  description?: string;
  positionals?: PositionalSpec[];
  options?: Record<string, OptionSpec>;
  /** The command parses its own arguments (only global flags are taken out). */
  ownArguments?: boolean;
  /** The command runs until SIGINT/SIGTERM and stops itself cleanly (it watches `ctx.signal`). */
  runsUntilStopped?: boolean;
  /** Extra usage text after the name when positionals and options do not say it all. */
  usage?: string;
  examples?: string[];
  run(ctx: CommandContext, input: CommandInput): Promise<CommandResult | undefined>;
}
