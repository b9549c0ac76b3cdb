/**
 * Runs one command line: finds the command in the table, parses its arguments, opens
 * Patchbay in this process when the command needs it, prints the result for people
 * or as JSON, and turns every failure into one error line and an exit code.
 */
import { openPatchbay, type Patchbay, VERSION } from '../app.ts';
import { type Config, loadConfig } from '../core/config.ts';
import { PatchbayError, toPatchbayError } from '../core/errors.ts';
import { createLogger, type LogLevel } from '../core/log.ts';
import type { CallContext } from '../hub/index.ts';
import type { CommandContext, CommandResult } from './command.ts';
import { COMMANDS, findCommand } from './commands.ts';
import { answerAtTerminal } from './elicit-at-terminal.ts';
import { renderCommandHelp, renderGeneralHelp } from './help.ts';
import { type CliIo, createPrinter } from './io.ts';
import { parseCommandArgs, splitCommandLine, usageError } from './parse-command-line.ts';
import { firstLine, sanitizeText, stringifyJson } from './sanitize.ts';
import { startSpinner } from './spinner.ts';
import { createVerboseFetch, verboseWriter } from './verbose-fetch.ts';

export interface RunCliOptions {
  io?: CliIo;
  /** Environment to read the configuration from (default: the process's). */
  env?: NodeJS.ProcessEnv;
}

/** After Ctrl-C, how long a command may take to wind down (say, tell the server to cancel) before it is abandoned. */
const CANCEL_GRACE_MS = 3000;
const ABANDONED = new PatchbayError('CANCELLED', `Cancelled. The operation did not stop within ${CANCEL_GRACE_MS / 1000} seconds, so Patchbay stopped waiting for it.`);

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/** Runs the CLI and resolves with the exit code. */
export async function runCli(argv: string[], options: RunCliOptions = {}): Promise<number> {
  const io = options.io ?? processIo();
  const out = createPrinter(io.stdout);
  const err = createPrinter(io.stderr);
  let json = argv.includes('--json');
  let verbose = argv.includes('--verbose');
  let patchbay: Promise<Patchbay> | undefined;
  const controller = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    // A second Ctrl-C means "stop now", whatever is still winding down.
    if (signals > 1) process.exit(130);
    controller.abort(new PatchbayError('CANCELLED', `Stopped by ${signal}.`));
  };

  try {
    const { command, rest, globals } = splitCommandLine(argv);
    json = globals.json;
    verbose = globals.verbose;
    if (command === undefined) {
      io.stdout.write(globals.version ? `${VERSION}\n` : renderGeneralHelp(COMMANDS));
      return 0;
    }
    const spec = findCommand(command);
    if (!spec) throw unknownCommand(command);
    const input = parseCommandArgs(spec, rest);
    if (globals.help || input.values.help) {
      io.stdout.write(renderCommandHelp(spec));
      return 0;
    }
    if (globals.version) {
      io.stdout.write(`${VERSION}\n`);
      return 0;
    }

    let config: Config | undefined;
    const ctx: CommandContext = {
      io,
      json,
      verbose,
      signal: controller.signal,
      out,
      err,
      config: () => {
        config ??= loadConfig(options.env);
        return config;
      },
      open: (openOptions = {}) => {
        patchbay ??= openForCli(ctx.config(), io, verbose, openOptions.logLevel);
        return patchbay;
      },
      remote: (label, operation, remoteOptions = {}) => runRemote(ctx, controller, label, operation, remoteOptions.timeoutMs),
    };

    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const result = spec.runsUntilStopped ? await spec.run(ctx, input) : await settleOrCancel(spec.run(ctx, input), controller.signal);
    if (result) printResult(result, io, json);
    return result?.exitCode ?? 0;
  } catch (error) {
    const code = reportError(error, io, json, verbose);
    if (error === ABANDONED) {
      // The command ignored the cancellation (a connection attempt runs until its own timeout):
      // leave without waiting for it, closing the store first if that is quick.
      await Promise.race([patchbay?.then((p) => p.close()).catch(() => {}), delay(1000)]);
      process.exit(code);
    }
    return code;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    if (patchbay) await (await patchbay.catch(() => undefined))?.close().catch(() => {});
  }
}

async function openForCli(config: Config, io: CliIo, verbose: boolean, logLevel?: LogLevel): Promise<Patchbay> {
  // `info` is the configured default, and chatty for a command line: a CLI shows warnings unless asked.
  const level: LogLevel = verbose ? 'debug' : (logLevel ?? (config.logLevel === 'info' ? 'warn' : config.logLevel));
  const logger = createLogger(level, {}, (line) => io.stderr.write(line.replace(/[\u007f-\u009f]/g, '')));
  return openPatchbay(config, { logger, ...(verbose ? { wrapFetch: createVerboseFetch(verboseWriter(io.stderr)) } : {}) });
}

/**
 * Waits for the command; once Ctrl-C aborted it, gives it a grace period to finish
 * (a cancelled call tells the server) and then gives up on it.
 */
async function settleOrCancel<T>(running: Promise<T>, signal: AbortSignal): Promise<T> {
  running.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const abandoned = new Promise<never>((_, reject) => {
    onAbort = () => {
      timer = setTimeout(() => reject(ABANDONED), CANCEL_GRACE_MS);
      timer.unref();
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  abandoned.catch(() => {});
  try {
    return await Promise.race([running, abandoned]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

async function runRemote<T>(ctx: CommandContext, controller: AbortController, label: string, operation: (control: CallContext) => Promise<T>, timeoutMs?: number): Promise<T> {
  const spinner = startSpinner(ctx.io.stderr, `${label}…`);
  const control: CallContext = {
    signal: ctx.signal,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    onProgress: (progress) => {
      const step = progress.total !== undefined ? `step ${progress.progress}/${progress.total}` : `step ${progress.progress}`;
      spinner.update(`${label}… ${step}${progress.message ? ` — ${progress.message}` : ''}`);
    },
    onElicitation: async (request, { connector }) => {
      if (!ctx.io.stdin.isTTY) {
        ctx.err.line(
          `note: connector "${connector}" asked for input ("${firstLine(request.message).slice(0, 200)}"), which cannot be given without a terminal; declined.`,
        );
        return { action: 'decline' };
      }
      spinner.pause();
      try {
        return await answerAtTerminal(request, connector, {
          input: ctx.io.stdin,
          output: ctx.io.stderr as NodeJS.WritableStream,
          terminal: true,
          signal: ctx.signal,
          onInterrupt: () => controller.abort(new PatchbayError('CANCELLED', 'Stopped by Ctrl-C.')),
        });
      } finally {
        spinner.resume();
      }
    },
  };
  try {
    return await operation(control);
  } finally {
    spinner.stop();
  }
}

function printResult(result: CommandResult, io: CliIo, json: boolean): void {
  if (json) {
    io.stdout.write(`${stringifyJson(result.json)}\n`);
    return;
  }
  result.print?.(createPrinter(io.stdout), createPrinter(io.stderr));
}

function reportError(error: unknown, io: CliIo, json: boolean, verbose: boolean): number {
  const err = toPatchbayError(error);
  if (json) {
    io.stdout.write(`${stringifyJson({ error: { code: err.code, message: err.message } })}\n`);
  } else {
    io.stderr.write(`error: ${sanitizeText(err.message)}\n`);
  }
  if (verbose && err.code === 'INTERNAL') {
    const cause = (err.cause ?? err) as Error;
    io.stderr.write(`${sanitizeText(cause?.stack ?? String(cause))}\n`);
  }
  return err.exitCode;
}

function unknownCommand(name: string): PatchbayError {
  const near = COMMANDS.flatMap((c) => [c.name, ...(c.aliases ?? [])]).find((candidate) => editDistance(candidate, name) <= 2);
  return usageError(`Unknown command "${name.slice(0, 40)}"${near ? ` (did you mean "${near}"?)` : ''}`, undefined);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function processIo(): CliIo {
  // A closed pipe (`patchbay list | head -1`) is not an error worth a stack trace.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
      throw error;
    });
  }
  return { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr };
}
