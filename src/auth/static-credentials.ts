import { PatchbayError } from '../core/errors.ts';

/**
 * Sign-in that is not OAuth: an API key or any custom headers, or a user name and
 * password sent as HTTP Basic. Choosing one of these means OAuth is never started.
 */
export type StaticCredentials = { kind: 'headers'; headers: Record<string, string> } | { kind: 'basic'; username: string; password: string };

/** What may be shown of stored credentials: names, never values. */
export type MaskedCredentials = { kind: 'headers'; headers: Record<string, string> } | { kind: 'basic'; username: string; password: string };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the transport manages itself; letting a person set them would break the protocol or the connection. */
const RESERVED = new Set([
  'host',
  'content-length',
  'content-type',
  'accept',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
  'proxy-authorization',
  'mcp-session-id',
  'mcp-protocol-version',
  'mcp-method',
  'mcp-name',
  'last-event-id',
]);
const MAX_HEADERS = 20;
const MAX_VALUE = 8192;

/** Checks credentials a person typed (untrusted input) and returns a clean copy. */
export function validateStaticCredentials(input: StaticCredentials): StaticCredentials {
  if (input.kind === 'basic') {
    const username = String(input.username ?? '');
    const password = String(input.password ?? '');
    if (!username) throw invalid('a user name is required for password sign-in');
    if (username.includes(':')) throw invalid('the user name cannot contain ":" (HTTP Basic separates it from the password with one)');
    if (/[\r\n\0]/.test(username + password)) throw invalid('the user name and password cannot contain line breaks');
    if (username.length > 1024 || password.length > MAX_VALUE) throw invalid('the user name or password is too long');
    return { kind: 'basic', username, password };
  }
  const entries = Object.entries(input.headers ?? {});
  if (entries.length === 0) throw invalid('give at least one header, for example "X-Api-Key: <key>" or "Authorization: Bearer <token>"');
  if (entries.length > MAX_HEADERS) throw invalid(`at most ${MAX_HEADERS} headers`);
  const headers: Record<string, string> = {};
  const seen = new Set<string>();
  for (const [name, rawValue] of entries) {
    const value = String(rawValue ?? '').trim();
    if (!TOKEN.test(name)) throw invalid(`"${name.slice(0, 60)}" is not a valid header name`);
    const lower = name.toLowerCase();
    if (RESERVED.has(lower)) throw invalid(`the header "${name}" is set by Patchbay itself and cannot be overridden`);
    if (seen.has(lower)) throw invalid(`the header "${name}" is given twice`);
    seen.add(lower);
    if (!value) throw invalid(`the header "${name}" has no value`);
    if (/[\r\n\0]/.test(value)) throw invalid(`the value of "${name}" cannot contain line breaks`);
    if (value.length > MAX_VALUE) throw invalid(`the value of "${name}" is longer than ${MAX_VALUE} characters`);
    headers[name] = value;
  }
  return { kind: 'headers', headers };
}

/** The HTTP headers sent on every request to the server. */
export function headersFor(credentials: StaticCredentials): Record<string, string> {
  if (credentials.kind === 'basic') {
    return { Authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`, 'utf8').toString('base64')}` };
  }
  return { ...credentials.headers };
}

/** Values hidden; a long value keeps its last four characters so a person can tell keys apart. */
export function maskCredentials(credentials: StaticCredentials): MaskedCredentials {
  if (credentials.kind === 'basic') return { kind: 'basic', username: credentials.username, password: '••••••••' };
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(credentials.headers)) headers[name] = maskValue(value);
  return { kind: 'headers', headers };
}

export function maskValue(value: string): string {
  return value.length >= 16 ? `••••${value.slice(-4)}` : '••••';
}

/** Parses `Name: value` as typed on a command line. */
export function parseHeaderLine(line: string): [string, string] {
  const i = line.indexOf(':');
  // Never echo the line: without a colon it is most likely the secret itself.
  if (i <= 0) throw invalid('a header must be written as "Name: value"');
  return [line.slice(0, i).trim(), line.slice(i + 1).trim()];
}

function invalid(why: string): PatchbayError {
  return new PatchbayError('VALIDATION_FAILED', `Cannot use these credentials: ${why}.`);
}
