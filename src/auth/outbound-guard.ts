import { isIP, type LookupFunction } from 'node:net';
import { Agent, buildConnector, fetch as undiciFetch } from 'undici';
import { PatchbayError } from '../core/errors.ts';
import type { AddressPolicy } from './address-policy.ts';
import { type AddressCheck, addressCheckFor, checkOutboundUrl, createCheckedLookup, describeUrl, metadataCheck, unbracket } from './outbound-url.ts';

// The guard's whole surface in one place: address policy, URL check, fetch.
export { type AddressClass, type AddressPolicy, classifyAddress, isAddressAllowed } from './address-policy.ts';
export { checkOutboundUrl, resolveOutboundUrl } from './outbound-url.ts';

export interface GuardedFetchOptions {
  /** Resolves host names (default `dns.lookup`); every address it returns is checked. */
  lookup?: LookupFunction;
  /** Redirects followed before giving up (default 5). */
  maxRedirects?: number;
  /** Deadline for the whole exchange, redirects and reading the body included (default 10 s). */
  timeoutMs?: number;
  /** Largest response body accepted, in bytes (default 1 MiB: metadata and token responses are small). */
  maxBodyBytes?: number;
}

/** A `fetch` that only reaches what the policy allows. `close()` ends its connections. */
export type GuardedFetch = ((input: string | URL | Request, init?: RequestInit) => Promise<Response>) & {
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
};

const DEFAULT_MAX_REDIRECTS = 5;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
/** Dropped when a redirect leaves the origin: they would hand our credentials to whoever the server names. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'proxy-authorization'];
/** Dropped when a redirect turns the request into a GET. @see https://fetch.spec.whatwg.org/#request-body-header-name */
const BODY_HEADERS = ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location'];

/**
 * A `fetch` for URLs that untrusted parties name (OAuth discovery, token endpoints,
 * client metadata documents). Every URL, the first and each redirect, goes through
 * {@link checkOutboundUrl}; every connection resolves its host once, checks every
 * address against `policy`, and connects to those same addresses. Redirects are
 * followed by hand: credentials (`Authorization`, `Cookie`, `Proxy-Authorization`)
 * are dropped when one leaves the origin, and a request body is never sent to
 * another origin. Bodies over `maxBodyBytes` fail with `RESPONSE_TOO_LARGE`; an
 * exchange past `timeoutMs` fails with `TIMEOUT`; refusals are `SSRF_BLOCKED`.
 *
 * @see https://fetch.spec.whatwg.org/#http-redirect-fetch
 */
export function createGuardedFetch(policy: AddressPolicy, options: GuardedFetchOptions = {}): GuardedFetch {
  const maxRedirects = options.maxRedirects ?? DEFAULT_MAX_REDIRECTS;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const agent = new Agent({ connect: createAddressGuardConnector(policy, { lookup: options.lookup, timeoutMs }) });

  const guardedFetch = async (input: string | URL | Request, init: RequestInit = {}): Promise<Response> => {
    const request = await readRequest(input, init);
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), timeoutMs);
    timer.unref();
    const signal = request.signal ? AbortSignal.any([request.signal, deadline.signal]) : deadline.signal;
    let url: URL | undefined;
    const explain = (error: unknown) => explainFailure(error, { url, deadline: deadline.signal, callerSignal: request.signal, timeoutMs });
    try {
      url = checkOutboundUrl(request.url, policy);
      let { method, body } = request;
      const headers = request.headers;
      for (let redirects = 0; ; redirects++) {
        const response = await sendOnce(url, method, headers, body, signal, agent);
        const location = REDIRECT_STATUSES.has(response.status) ? response.headers.get('location') : null;
        if (location === null || request.redirect === 'manual') {
          return await limitResponse(response, { url, redirected: redirects > 0, maxBodyBytes, done: () => clearTimeout(timer), explain });
        }
        await response.body?.cancel().catch(() => {});
        if (request.redirect === 'error') {
          throw new PatchbayError('PROTOCOL_ERROR', `${describeUrl(url)} answered with a ${response.status} redirect, and this request does not follow redirects.`, {
            details: { reason: 'redirect-refused', status: response.status },
          });
        }
        if (redirects >= maxRedirects) {
          throw new PatchbayError('PROTOCOL_ERROR', `${describeUrl(url)} redirected more than ${maxRedirects} times; stopped following. The server's redirects may loop.`, {
            details: { reason: 'too-many-redirects', maxRedirects },
          });
        }
        const next = resolveLocation(location, url, policy);
        const crossOrigin = next.origin !== url.origin;
        const status = response.status;
        if ((status === 303 && method !== 'GET' && method !== 'HEAD') || ((status === 301 || status === 302) && method === 'POST')) {
          method = 'GET';
          body = undefined;
          for (const name of BODY_HEADERS) headers.delete(name);
        } else if (body !== undefined && crossOrigin) {
          throw new PatchbayError('SSRF_BLOCKED', `Refused to follow a ${status} redirect from ${describeUrl(url)} to ${describeUrl(next)}: it would resend the request body to another origin.`, {
            details: { reason: 'cross-origin-body', from: url.origin, to: next.origin, status },
          });
        }
        if (crossOrigin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
        url = next;
      }
    } catch (error) {
      clearTimeout(timer);
      throw explain(error);
    }
  };

  const close = () => agent.close();
  return Object.assign(guardedFetch, { close, [Symbol.asyncDispose]: close });
}

/**
 * An undici connector that refuses before opening a socket: IP literals are checked
 * here, names by a lookup that checks what it resolves and hands exactly that to the
 * socket (`net.connect` skips its own resolution when given a `lookup`).
 */
/**
 * An undici connector that resolves each name once, refuses it when any address breaks
 * the policy, and connects to the checked address — for clients (such as the MCP
 * sessions) that keep their own fetch but must not reach what the policy forbids.
 */
export function createAddressGuardConnector(policy: AddressPolicy, options: { lookup?: LookupFunction; timeoutMs?: number } = {}): buildConnector.connector {
  const checks: Record<string, AddressCheck> = { 'https:': addressCheckFor('https:', policy), 'http:': addressCheckFor('http:', policy) };
  return createGuardedConnector(checks, (protocol) => addressCheckFor(protocol, policy), options.lookup, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

/** Local mode's guard for MCP connections: everything but cloud metadata endpoints (see {@link metadataCheck}). */
export function createMetadataGuardConnector(options: { lookup?: LookupFunction; timeoutMs?: number } = {}): buildConnector.connector {
  const check = metadataCheck();
  return createGuardedConnector({ 'https:': check, 'http:': check }, (protocol) => addressCheckFor(protocol, { allowLoopback: true, allowPrivate: true }), options.lookup, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
}

function createGuardedConnector(
  checks: Record<string, AddressCheck>,
  otherScheme: (protocol: string) => AddressCheck,
  lookup: LookupFunction | undefined,
  timeoutMs: number,
): buildConnector.connector {
  const connectors: Record<string, buildConnector.connector> = {};
  for (const [protocol, check] of Object.entries(checks)) {
    connectors[protocol] = buildConnector({ timeout: timeoutMs, lookup: createCheckedLookup(check, lookup) });
  }
  return (options, callback) => {
    const connect = connectors[options.protocol];
    const host = unbracket(options.hostname);
    try {
      if (!connect) otherScheme(options.protocol)(host, host);
      else if (isIP(host) !== 0) checks[options.protocol](host, host);
    } catch (refusal) {
      callback(refusal as Error, null);
      return;
    }
    connect(options, callback);
  };
}

type RequestBody = NonNullable<RequestInit['body']>;

interface OutgoingRequest {
  url: string;
  method: string;
  headers: Headers;
  /** Buffered, so a 307/308 to the same origin can send it again. */
  body: Exclude<RequestBody, ReadableStream> | undefined;
  signal: AbortSignal | undefined;
  /** 'follow' (default) follows with checks; 'manual' returns the redirect; 'error' fails on one. */
  redirect: NonNullable<RequestInit['redirect']>;
}

async function readRequest(input: string | URL | Request, init: RequestInit): Promise<OutgoingRequest> {
  const request = input instanceof Request ? input : undefined;
  const method = (init.method ?? request?.method ?? 'GET').toUpperCase();
  const headers = new Headers(init.headers ?? request?.headers);
  let body: RequestBody | undefined = init.body ?? undefined;
  if (body === undefined && request?.body) body = await request.arrayBuffer();
  if (body instanceof ReadableStream) body = await new Response(body).arrayBuffer();
  return { url: request ? request.url : String(input), method, headers, body, signal: init.signal ?? request?.signal ?? undefined, redirect: init.redirect ?? request?.redirect ?? 'follow' };
}

type UndiciInit = NonNullable<Parameters<typeof undiciFetch>[1]>;

async function sendOnce(url: URL, method: string, headers: Headers, body: OutgoingRequest['body'], signal: AbortSignal, agent: Agent) {
  return undiciFetch(url.href, {
    method,
    headers: [...headers],
    body: body as UndiciInit['body'],
    redirect: 'manual',
    signal,
    dispatcher: agent,
  });
}

function resolveLocation(location: string, base: URL, policy: AddressPolicy): URL {
  let target: string;
  try {
    target = new URL(location, base).href;
  } catch (error) {
    throw new PatchbayError('INVALID_URL', `${describeUrl(base)} redirected to "${location.slice(0, 120)}", which is not a valid URL.`, { cause: error, details: { reason: 'bad-location' } });
  }
  return checkOutboundUrl(target, policy);
}

type UndiciResponse = Awaited<ReturnType<typeof undiciFetch>>;

interface LimitOptions {
  url: URL;
  redirected: boolean;
  maxBodyBytes: number;
  /** Called once the body is finished, failed or cancelled: ends the deadline. */
  done(): void;
  explain(error: unknown): unknown;
}

/** The answer as a standard `Response` whose body fails once it passes the cap. */
async function limitResponse(response: UndiciResponse, options: LimitOptions): Promise<Response> {
  const { url, maxBodyBytes } = options;
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBodyBytes) {
    await response.body?.cancel().catch(() => {});
    throw responseTooLarge(url, maxBodyBytes, declared);
  }
  const empty = response.body === null || NULL_BODY_STATUSES.has(response.status);
  if (empty) {
    await response.body?.cancel().catch(() => {});
    options.done();
  }
  const body = empty ? null : capBody(response.body as ReadableStream<Uint8Array>, options);
  const answer = new Response(body, { status: response.status, statusText: response.statusText, headers: [...response.headers] });
  // A constructed Response has no URL; callers resolving relative links need the final one.
  Object.defineProperty(answer, 'url', { value: url.href });
  Object.defineProperty(answer, 'redirected', { value: options.redirected });
  return answer;
}

function capBody(source: ReadableStream<Uint8Array>, options: LimitOptions): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read();
        if (done) {
          options.done();
          controller.close();
          return;
        }
        seen += value.byteLength;
        if (seen > options.maxBodyBytes) {
          options.done();
          await reader.cancel().catch(() => {});
          controller.error(responseTooLarge(options.url, options.maxBodyBytes));
          return;
        }
        controller.enqueue(value);
      } catch (error) {
        options.done();
        controller.error(options.explain(error));
      }
    },
    async cancel(reason) {
      options.done();
      await reader.cancel(reason);
    },
  });
}

function responseTooLarge(url: URL, limit: number, declared?: number): PatchbayError {
  return new PatchbayError(
    'RESPONSE_TOO_LARGE',
    `${describeUrl(url)} sent a response larger than ${limit} bytes${declared ? ` (${declared} bytes)` : ''}; it was not read. Metadata and token responses are small: check that the URL names the right endpoint.`,
    { details: { limit, origin: url.origin } },
  );
}

interface FailureContext {
  url: URL | undefined;
  deadline: AbortSignal;
  callerSignal: AbortSignal | undefined;
  timeoutMs: number;
}

/** Our refusals as they are; the caller's abort as its reason; a passed deadline as `TIMEOUT`; network failures as `CONNECTOR_UNREACHABLE`. */
function explainFailure(error: unknown, context: FailureContext): unknown {
  const refusal = findPatchbayError(error);
  if (refusal) return refusal;
  if (context.callerSignal?.aborted) return context.callerSignal.reason;
  const where = context.url ? describeUrl(context.url) : 'the server';
  if (context.deadline.aborted) {
    return new PatchbayError('TIMEOUT', `${where} did not answer within ${context.timeoutMs} ms. The server may be down or overloaded; try again later.`, {
      cause: error,
      details: { timeoutMs: context.timeoutMs },
    });
  }
  // undici reports network failures as TypeError('fetch failed') with the cause attached;
  // a TypeError without a cause is a bad request from the caller and stays as it is.
  if (error instanceof TypeError && error.cause !== undefined) {
    const cause = error.cause as { message?: string };
    return new PatchbayError('CONNECTOR_UNREACHABLE', `Could not reach ${where}: ${cause.message ?? error.message}. Check the URL and that the server is up.`, { cause: error });
  }
  return error;
}

/** undici wraps connect failures (our lookup's refusals among them) in `TypeError: fetch failed`. */
function findPatchbayError(error: unknown): PatchbayError | undefined {
  for (let current = error, depth = 0; current && depth < 5; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof PatchbayError) return current;
  }
  return undefined;
}
