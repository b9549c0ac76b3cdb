/**
 * `--verbose`: prints each HTTP exchange with an MCP server to stderr — method, URL,
 * request headers, the JSON request body, status and response content type. Values
 * of credential headers (Authorization, cookies, API keys) and secret-looking query
 * parameters are never printed.
 */
import type { FetchLike } from '../mcp/index.ts';
import { sanitizeLine } from './sanitize.ts';

const SECRET_NAME = /(authorization|cookie|token|secret|password|api[-_]?key|session|credential|signature|auth)/i;
const MAX_BODY_CHARS = 4000;

/** The URL with the values of secret-looking query parameters replaced. */
export function redactUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  if (url.username || url.password) {
    url.username = url.username ? 'hidden' : '';
    url.password = '';
  }
  for (const key of [...url.searchParams.keys()]) {
    if (SECRET_NAME.test(key)) url.searchParams.set(key, 'hidden');
  }
  return url.toString();
}

function describeHeaders(init: RequestInit | undefined): string {
  const headers = new Headers(init?.headers);
  const parts: string[] = [];
  headers.forEach((value, name) => {
    parts.push(`${name}: ${SECRET_NAME.test(name) ? '[hidden]' : value}`);
  });
  return parts.join('; ');
}

function describeBody(body: RequestInit['body'] | undefined): string | undefined {
  if (body === undefined || body === null) return undefined;
  if (typeof body !== 'string') return `[${(body as object).constructor?.name ?? 'binary'} body]`;
  return body.length > MAX_BODY_CHARS ? `${body.slice(0, MAX_BODY_CHARS)}… (${body.length - MAX_BODY_CHARS} more characters)` : body;
}

/** Wraps the MCP fetch so every exchange is written, one line each way, with `write`. */
export function createVerboseFetch(write: (line: string) => void): (fetch: FetchLike) => FetchLike {
  let counter = 0;
  return (inner) => async (input, init) => {
    const id = ++counter;
    const method = (init?.method ?? 'GET').toUpperCase();
    const url = redactUrl(String(input));
    const started = performance.now();
    write(`> [${id}] ${method} ${url}`);
    const headers = describeHeaders(init);
    if (headers) write(`> [${id}] ${headers}`);
    const body = describeBody(init?.body);
    if (body !== undefined) write(`> [${id}] ${body}`);
    try {
      const response = await inner(input, init);
      const type = response.headers.get('content-type') ?? 'no content type';
      write(`< [${id}] ${response.status} ${type} (${Math.round(performance.now() - started)} ms)`);
      return response;
    } catch (error) {
      const code = (error as { code?: unknown; cause?: { code?: unknown } }).cause?.code ?? (error as { code?: unknown }).code;
      write(`< [${id}] failed: ${(error as Error).message}${typeof code === 'string' ? ` (${code})` : ''}`);
      throw error;
    }
  };
}

/** A writer for `createVerboseFetch` that keeps each line safe for a terminal. */
export function verboseWriter(stream: { write(chunk: string): unknown }): (line: string) => void {
  return (line) => stream.write(`${sanitizeLine(line)}\n`);
}
