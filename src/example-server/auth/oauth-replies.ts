/**
 * Reading OAuth requests and writing OAuth answers: form and JSON bodies under a size
 * limit, parameters that must not repeat, JSON documents and error objects.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { readRequestText } from '../http-replies.ts';

const MAX_BODY_BYTES = 64 * 1024;

/** An OAuth error answer (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 7009 §2.2.1). */
export class OAuthFailure extends Error {
  readonly error: string;
  readonly status: number;
  readonly headers: Record<string, string>;

  constructor(error: string, description: string, status = 400, headers: Record<string, string> = {}) {
    super(description);
    this.name = 'OAuthFailure';
    this.error = error;
    this.status = status;
    this.headers = headers;
  }
}

/** Answers with a JSON document that must not be cached (RFC 6749 §5.1 for tokens; harmless elsewhere). */
export function writeJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', pragma: 'no-cache', ...headers });
  res.end(JSON.stringify(body));
}

export function writeOAuthFailure(res: ServerResponse, failure: OAuthFailure): void {
  writeJson(res, failure.status, { error: failure.error, error_description: failure.message }, failure.headers);
}

function mediaTypeOf(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
}

async function readBody(req: IncomingMessage): Promise<string> {
  const text = await readRequestText(req, MAX_BODY_BYTES);
  if (text === 'too-large') throw new OAuthFailure('invalid_request', `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
  return text;
}

/**
 * Reads an `application/x-www-form-urlencoded` body.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  if (mediaTypeOf(req) !== 'application/x-www-form-urlencoded') {
    throw new OAuthFailure('invalid_request', 'Send the parameters as application/x-www-form-urlencoded.');
  }
  return new URLSearchParams(await readBody(req));
}

/** Reads a JSON object body; anything else is `invalid_client_metadata` (RFC 7591 §3.2.2). */
export async function readJsonObject(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (mediaTypeOf(req) !== 'application/json') throw new OAuthFailure('invalid_client_metadata', 'Send the client metadata as application/json.');
  let body: unknown;
  try {
    body = JSON.parse(await readBody(req));
  } catch (error) {
    if (error instanceof OAuthFailure) throw error;
    throw new OAuthFailure('invalid_client_metadata', 'The request body is not valid JSON.');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new OAuthFailure('invalid_client_metadata', 'The client metadata must be a JSON object.');
  return body as Record<string, unknown>;
}

/**
 * Reads parameters that may each appear once.
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1 "parameters MUST NOT be included more than once"
 */
export function singleParams(params: URLSearchParams, except: readonly string[] = []): Map<string, string> {
  const single = new Map<string, string>();
  for (const [name, value] of params) {
    if (except.includes(name)) continue;
    if (single.has(name)) throw new OAuthFailure('invalid_request', `The parameter "${name}" appears more than once.`);
    single.set(name, value);
  }
  return single;
}

/** The value of a required parameter; empty counts as absent (RFC 6749 §3.1). */
export function requireParam(params: Map<string, string>, name: string): string {
  const value = params.get(name);
  if (value === undefined || value === '') throw new OAuthFailure('invalid_request', `The parameter "${name}" is missing.`);
  return value;
}

/** The value of an optional parameter; empty counts as absent. */
export function optionalParam(params: Map<string, string>, name: string): string | undefined {
  const value = params.get(name);
  return value === '' ? undefined : value;
}
