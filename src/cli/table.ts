/**
 * Aligned text tables for people, sized in terminal columns (wide characters count
 * two, combining marks none), shrunk with "…" to fit the terminal when there is one.
 */
import { sanitizeLine } from './sanitize.ts';

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}]$/u;

function isWide(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

function charWidth(char: string): number {
  if (ZERO_WIDTH.test(char)) return 0;
  return isWide(char.codePointAt(0) ?? 0) ? 2 : 1;
}

/** How many terminal columns `text` takes. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

/** Cuts `text` to at most `width` columns, ending with "…" when something was cut. */
export function truncateToWidth(text: string, width: number): string {
  if (displayWidth(text) <= width) return text;
  if (width <= 0) return '';
  let out = '';
  let used = 0;
  for (const char of text) {
    const w = charWidth(char);
    if (used + w > width - 1) break;
    out += char;
    used += w;
  }
  return `${out}…`;
}

function padToWidth(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

const GAP = 2;
const MIN_SHRUNK = 6;
const MIN_LAST = 16;

/**
 * Column widths: each column's widest cell; when `maxWidth` is given and the table is
 * wider, the last column (a URL or a description) gives up space first, then the
 * widest columns, down to a few characters each.
 */
export function fitColumns(natural: number[], maxWidth?: number): number[] {
  const widths = [...natural];
  if (maxWidth === undefined || widths.length === 0) return widths;
  const total = () => widths.reduce((a, b) => a + b, 0) + GAP * (widths.length - 1);
  const last = widths.length - 1;
  widths[last] = Math.max(Math.min(widths[last], MIN_LAST), widths[last] - Math.max(0, total() - maxWidth));
  const shrinkWidest = (floor: (i: number) => number) => {
    while (total() > maxWidth) {
      let widest = -1;
      for (let i = 0; i < widths.length; i++) {
        if (widths[i] > floor(i) && (widest === -1 || widths[i] > widths[widest])) widest = i;
      }
      if (widest === -1) return;
      widths[widest]--;
    }
  };
  shrinkWidest((i) => (i === last ? MIN_LAST : MIN_SHRUNK));
  shrinkWidest(() => MIN_SHRUNK);
  return widths;
}

/** Renders rows under a header; every cell is sanitized and kept on one line. */
export function renderTable(headers: string[], rows: string[][], options: { maxWidth?: number } = {}): string[] {
  const clean = rows.map((row) => headers.map((_, i) => sanitizeLine(row[i] ?? '')));
  const natural = headers.map((h, i) => Math.max(displayWidth(h), ...clean.map((row) => displayWidth(row[i]))));
  const widths = fitColumns(natural, options.maxWidth);
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const cut = truncateToWidth(cell, widths[i]);
        return i === cells.length - 1 ? cut : padToWidth(cut, widths[i]);
      })
      .join(' '.repeat(GAP))
      .trimEnd();
  return [line(headers), ...clean.map(line)];
}
