/**
 * The streams the CLI talks through, and a printer for people that sanitizes
 * everything it writes and fits tables to the terminal.
 */
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
