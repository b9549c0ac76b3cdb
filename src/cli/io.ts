/**
 * The streams the CLI talks through, and a printer for people that sanitizes
 * everything it writes and fits tables to the terminal.
 */
import { PatchbayError } from '../core/errors.ts';
import { sanitizeText } from './sanitize.ts';
import { renderTable } from './table.ts';

export interface OutputStream {
  write(chunk: string | Uint8Array): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface InputStream extends NodeJS.ReadableStream {
  isTTY?: boolean;
}

export interface CliIo {
  stdin: InputStream;
  stdout: OutputStream;
  stderr: OutputStream;
}

export interface Printer {
  /** Writes text (sanitized; newlines and tabs kept) followed by a newline. */
  line(text?: string): void;
  /** Writes an aligned table; cells are sanitized and fitted to the terminal width. */
  table(headers: string[], rows: string[][]): void;
}

/** The terminal width to fit tables to, or undefined when output is not a terminal. */
export function terminalWidth(stream: OutputStream): number | undefined {
  if (!stream.isTTY) return undefined;
  return stream.columns && stream.columns > 20 ? stream.columns : 80;
}

export function createPrinter(stream: OutputStream): Printer {
  return {
    line(text = '') {
      stream.write(`${sanitizeText(text)}\n`);
    },
    table(headers, rows) {
      for (const row of renderTable(headers, rows, { maxWidth: terminalWidth(stream) })) stream.write(`${row}\n`);
    },
  };
}

/** Reads all of stdin as text; `whenTerminal` is the error message when stdin is a terminal, not a pipe. */
export async function readStdin(stdin: InputStream, whenTerminal: string): Promise<string> {
  if (stdin.isTTY) throw new PatchbayError('INVALID_ARGUMENTS', whenTerminal);
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Asks for a secret at the terminal without echoing it. */
export function askHidden(io: CliIo, prompt: string): Promise<string> {
  const stdin = io.stdin as InputStream & { setRawMode?(on: boolean): void; setEncoding(e: BufferEncoding): void; pause(): void; resume(): void };
  io.stderr.write(prompt);
  stdin.setRawMode?.(true);
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      io.stderr.write('\n');
    };
    function onData(chunk: string) {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new PatchbayError('CANCELLED', 'Stopped by Ctrl-C.'));
          return;
        }
        value = ch === '\u007f' || ch === '\b' ? value.slice(0, -1) : value + ch;
      }
    }
    stdin.on('data', onData);
  });
}
