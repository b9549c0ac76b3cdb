/**
 * Everything a remote server sends is untrusted: a tool description must not be able
 * to clear the screen, retitle the window, hide text or fake a prompt. These functions
 * make text safe to print to a terminal.
 */

// CSI (ESC [ … final), OSC (ESC ] … BEL/ST), DCS/SOS/PM/APC strings, other two-byte ESC
// sequences, and their 8-bit C1 forms.
const ESCAPE_SEQUENCE =
  /\u001b\[[0-?]*[ -/]*[@-~]?|\u001b[\]PX^_][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?|\u001b[ -/]*[0-~]?|\u009b[0-?]*[ -/]*[@-~]?|[\u0090\u0098\u009d\u009e\u009f][^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)?/g;
// C0 controls except tab and newline, DEL, C1 controls.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;
// Bidirectional overrides and isolates reorder what is shown ("Trojan Source").
const BIDI = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Multi-line text made safe for a terminal: escape sequences and control characters removed; newlines and tabs kept. */
export function sanitizeText(text: string): string {
  return String(text)
    .replace(/\r\n?/g, '\n')
    .replace(/[\u2028\u2029]/g, '\n')
    .replace(ESCAPE_SEQUENCE, '')
    .replace(CONTROL, '')
    .replace(BIDI, '');
}

/** One line of text made safe for a terminal: as `sanitizeText`, with line breaks and tabs turned into spaces. */
export function sanitizeLine(text: string): string {
  return sanitizeText(text).replace(/[\n\t]+/g, ' ');
}

/** The first line of a (possibly long) description, safe for a table cell. */
export function firstLine(text: string | undefined): string {
  if (!text) return '';
  const clean = sanitizeText(text).trim();
  const end = clean.indexOf('\n');
  return (end === -1 ? clean : clean.slice(0, end)).replace(/\t+/g, ' ').trim();
}

/**
 * JSON for stdout. `JSON.stringify` escapes C0 controls but leaves C1 controls, line
 * separators and bidi overrides raw; they are escaped too, so the output stays valid
 * JSON and harmless when it reaches a terminal.
 */
export function stringifyJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, null, indent).replace(/[\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
