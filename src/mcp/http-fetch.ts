import { pipeline, type Readable } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate, createZstdDecompress } from 'node:zlib';
import { Agent, type Dispatcher, request, fetch as undiciFetch } from 'undici';
import { PatchbayError } from '../core/errors.ts';

/** The `fetch` shape the SDK transports accept. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface McpFetchOptions {
  /** Largest response body accepted for one request, in bytes. */
  maxResponseBytes: number;
  /**
   * Keep-alive connections per origin; unlimited when absent. Each idle session holds
   * one for its GET event stream, so a cap below the number of sessions to one origin
   * leaves their POSTs waiting forever.
   */
  connections?: number;
  /** How connections are opened (an address guard for servers reachable from a shared deployment). */
  connect?: Agent.Options['connect'];
}

/**
 * A fetch for MCP traffic: one keep-alive pool shared by every session, and a hard cap
 * on each response body so a hostile or broken server cannot exhaust memory. A
 * long-lived GET event stream (`text/event-stream`) may run for ever (it is many small
 * events over time), but each of its events (the bytes between blank lines) is capped
 * the same way: a server that sends one endless line would otherwise be buffered until
 * the process dies.
 *
 * The SDK's transports call it with `redirect: 'manual'` and string bodies; those calls
 * go through `undici.request`, which spends about 40% less client CPU per call than
 * undici's WHATWG `fetch` (see `npm run bench`). Any other call uses `fetch`.
 */
export function createMcpFetch(options: McpFetchOptions): { fetch: FetchLike; close(): Promise<void> } {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    ...(options.connections === undefined ? {} : { connections: options.connections }),
    // Our own per-request timeouts govern; undici's 300 s defaults would only hide hangs longer.
    headersTimeout: 0,
    bodyTimeout: 0,
    ...(options.connect ? { connect: options.connect } : {}),
  });
  const limit = options.maxResponseBytes;

  const fetch: FetchLike = async (url, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const viaRequest = init?.redirect === 'manual' && (init.body == null || typeof init.body === 'string');
    const send = viaRequest
      ? () => requestResponse(url, method, init, agent, (type) => (method !== 'POST' && isEventStream(type) ? eventSize(limit) : totalSize(limit)))
      : () => undiciFetch(url as string, { ...(init as object), dispatcher: agent } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>;
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      // A pooled keep-alive connection the server had already closed (it restarted, or its idle
      // timeout won the race) fails before any answer: the request never reached a live server.
      // Resend once on a fresh connection, as browsers do.
      if (!isStaleConnection(error) || init?.signal?.aborted) throw error;
      response = await send();
    }
    if (viaRequest || !response.body) return response;
    if (method !== 'POST' && isEventStream(response.headers.get('content-type'))) {
      return new Response(response.body.pipeThrough(metered(eventSize(limit))), { status: response.status, statusText: response.statusText, headers: response.headers });
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      await response.body.cancel().catch(() => {});
      throw responseTooLarge(limit, declared);
    }
    return new Response(response.body.pipeThrough(metered(totalSize(limit))), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  return { fetch, close: () => agent.close() };
}

const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);

/**
 * One exchange through `undici.request`, answered as a WHATWG Response with the body
 * capped at `limit` bytes. Failures look like fetch's: a network error is a TypeError
 * ("fetch failed") with the cause attached; an abort rejects with the signal's reason.
 */
async function requestResponse(url: string | URL, method: string, init: RequestInit, dispatcher: Dispatcher, meterFor: (contentType: string | null) => SizeMeter): Promise<Response> {
  const headers = requestHeaders(init.headers, url);
  let answer: Dispatcher.ResponseData;
  try {
    answer = await request(url, { method: method as Dispatcher.HttpMethod, headers, body: init.body as string | undefined, signal: init.signal ?? undefined, dispatcher });
  } catch (error) {
    if (init.signal?.aborted) throw init.signal.reason;
    throw new TypeError('fetch failed', { cause: error });
  }
  const contentType = answer.headers['content-type'];
  const meter = meterFor(typeof contentType === 'string' ? contentType : null);
  const declared = Number(answer.headers['content-length'] ?? NaN);
  if (meter.whole && Number.isFinite(declared) && declared > meter.limit) {
    answer.body.destroy();
    throw responseTooLarge(meter.limit, declared);
  }
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    if (Array.isArray(value)) for (const item of value) responseHeaders.append(name, item);
    else if (value !== undefined) responseHeaders.append(name, value);
  }
  const empty = NULL_BODY_STATUSES.has(answer.statusCode) || method === 'HEAD';
  if (empty) answer.body.dump().catch(() => {});
  const body = empty ? null : cappedStream(decoded(answer.body, responseHeaders.get('content-encoding')), meter, init.signal);
  return new Response(body, { status: answer.statusCode, statusText: answer.statusText, headers: responseHeaders });
}

/** The body decoded as fetch decodes it: codings undone last to first; an unknown coding leaves it as sent. */
function decoded(body: Readable, contentEncoding: string | null): Readable {
  if (!contentEncoding) return body;
  const codings = contentEncoding.toLowerCase().split(',');
  if (codings.length > 5) throw new TypeError(`The server applied ${codings.length} content codings; at most 5 are accepted.`);
  const decoders = [];
  for (const coding of codings.map((c) => c.trim()).reverse()) {
    // Lenient flushing, as fetch (and curl) do, for servers that end a stream slightly early.
    if (coding === 'gzip' || coding === 'x-gzip') decoders.push(createGunzip({ flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH }));
    else if (coding === 'deflate') decoders.push(createInflate({ flush: constants.Z_SYNC_FLUSH, finishFlush: constants.Z_SYNC_FLUSH }));
    else if (coding === 'br') decoders.push(createBrotliDecompress({ flush: constants.BROTLI_OPERATION_FLUSH, finishFlush: constants.BROTLI_OPERATION_FLUSH }));
    else if (coding === 'zstd') decoders.push(createZstdDecompress({ params: { [constants.ZSTD_d_windowLogMax]: 23 } }));
    else if (coding !== 'identity') return body;
  }
  if (decoders.length === 0) return body;
  // pipeline destroys every stage when any fails, so an error reaches the last one, which the caller reads.
  return pipeline([body, ...decoders], () => {}) as unknown as Readable;
}

/** The headers fetch would send: the caller's, plus fetch's user agent and accepted encodings. */
function requestHeaders(headers: RequestInit['headers'], url: string | URL): Record<string, string> {
  const out: Record<string, string> = {};
  // A plain object (the lean tools/call path's) is copied as it is: no Headers object to build and read back.
  if (isPlainHeaders(headers)) for (const name in headers) out[name.toLowerCase()] = headers[name];
  else for (const [name, value] of new Headers(headers)) out[name] = value;
  out['user-agent'] ??= 'undici';
  out['accept-encoding'] ??= String(url).startsWith('https:') ? 'br, gzip, deflate, zstd' : 'gzip, deflate';
  return out;
}

/** Headers given as a plain `{ name: value }` object (not a Headers instance, not a list of pairs). */
export function isPlainHeaders(headers: RequestInit['headers']): headers is Record<string, string> {
  return headers !== null && typeof headers === 'object' && !Array.isArray(headers) && !(headers instanceof Headers);
}

/**
 * Counts what a body has sent so far against its cap: `add` answers whether the body
 * went over. `whole`: the cap is on the whole body (else on each event of a stream).
 */
interface SizeMeter {
  readonly limit: number;
  readonly whole: boolean;
  add(chunk: Uint8Array): boolean;
}

/** A long-lived event stream, capped per event; anything else is capped whole. */
function isEventStream(contentType: string | null): boolean {
  return (contentType ?? '').split(';')[0].trim().toLowerCase() === 'text/event-stream';
}

/** A cap on the whole body. */
function totalSize(limit: number): SizeMeter {
  let seen = 0;
  return {
    limit,
    whole: true,
    add(chunk) {
      seen += chunk.byteLength;
      return seen > limit;
    },
  };
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * A cap on each event of an event stream: the bytes since the last blank line (a line
 * end right after a line end; CRLF, LF or CR), which is what an SSE reader holds until
 * the event is complete.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export function eventSize(limit: number): SizeMeter {
  let size = 0;
  let atLineStart = true;
  let afterCR = false;
  return {
    limit,
    whole: false,
    add(chunk) {
      for (let i = 0; i < chunk.length; i++) {
        const byte = chunk[i];
        if (byte === LF && afterCR) {
          afterCR = false;
          continue;
        }
        afterCR = byte === CR;
        if (byte === LF || byte === CR) {
          if (atLineStart) size = 0;
          atLineStart = true;
          continue;
        }
        atLineStart = false;
        if (++size > limit) return true;
      }
      return false;
    },
  };
}

/** A web stream over a Node body that errors once the meter says it is over its cap. */
function cappedStream(body: Readable, meter: SizeMeter, signal: AbortSignal | null | undefined): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      const fail = (error: unknown) => {
        if (settled) return;
        settled = true;
        controller.error(error);
      };
      body.on('data', (chunk: Uint8Array) => {
        if (settled) return;
        if (meter.add(chunk)) {
          body.destroy();
          return fail(responseTooLarge(meter.limit, undefined, meter.whole));
        }
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 1) <= 0) body.pause();
      });
      body.once('end', () => {
        if (settled) return;
        settled = true;
        controller.close();
      });
      body.once('error', (error) => fail(signal?.aborted ? signal.reason : new TypeError('terminated', { cause: error })));
    },
    pull() {
      body.resume();
    },
    cancel() {
      settled = true;
      body.destroy();
    },
  });
}

function isStaleConnection(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}

/**
 * How `responseTooLarge`'s message begins. The legacy transport's event source keeps only
 * the message of what failed its stream, so this is how that failure is known again.
 */
export const RESPONSE_TOO_LARGE_OPENING = /^(SSE error: )?(The server sent (a response|an event on its stream) larger than .*)$/s;

export function responseTooLarge(limit: number, size?: number, whole = true): PatchbayError {
  return new PatchbayError(
    'RESPONSE_TOO_LARGE',
    `The server sent ${whole ? 'a response' : 'an event on its stream'} larger than ${formatBytes(limit)}${size ? ` (${formatBytes(size)})` : ''}; it was cut off. Ask the server for less (a narrower query or smaller page), or raise PATCHBAY_MAX_RESPONSE_BYTES.`,
    { details: { limit } },
  );
}

/** A web stream stage that errors once the meter says the body is over its cap. */
function metered(meter: SizeMeter): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      if (meter.add(chunk)) {
        controller.error(responseTooLarge(meter.limit, undefined, meter.whole));
        return;
      }
      controller.enqueue(chunk);
    },
  });
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
