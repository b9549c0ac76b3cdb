/**
 * Reading what a server answers the connection doctor, without trusting it: bodies are
 * read only up to a cap (or until what is needed has arrived), event streams are
 * parsed as far as they got, and JSON-RPC answers are checked field by field.
 */
import { PatchbayError } from '../core/errors.ts';
import { formatBytes } from './doctor-text.ts';

/** What came back for one request, as far as it was read. */
export interface HttpAnswer {
  status: number;
  /** The Content-Type header, '' when there is none. */
  contentType: string;
  headers: Headers;
  /** The body as read so far (UTF-8), at most the cap. */
  body: string;
  /** Bytes read. */
  bytes: number;
  /** The body ended normally. */
  ended: boolean;
  /** Reading stopped because the body passed the cap. */
  cutOff: boolean;
  /** Reading stopped because what was needed had arrived (an open event stream). */
  satisfied: boolean;
  /** Why the body broke off (the connection closed or failed mid-way). */
  broken?: string;
}

export interface ReadOptions {
  /** Largest body read, in bytes; the rest is not fetched. */
  maxBytes: number;
  /** Stop reading (and close the stream) once this says the needed part has arrived. */
  enough?: (body: string) => boolean;
  /** Told about every chunk, so a step that times out can say how far the answer got. */
  onProgress?: (answer: HttpAnswer) => void;
}

/** The response's head, and its body read as far as `options` allow. Rethrows an abort. */
export async function readAnswer(response: Response, options: ReadOptions): Promise<HttpAnswer> {
  const answer: HttpAnswer = {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    headers: response.headers,
    body: '',
    bytes: 0,
    ended: false,
    cutOff: false,
    satisfied: false,
  };
  options.onProgress?.(answer);
  if (!response.body) {
    answer.ended = true;
    return answer;
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        answer.body += decoder.decode();
        answer.ended = true;
        break;
      }
      const room = options.maxBytes - answer.bytes;
      const chunk = value.byteLength > room ? value.subarray(0, room) : value;
      answer.bytes += chunk.byteLength;
      answer.body += decoder.decode(chunk, { stream: true });
      options.onProgress?.(answer);
      if (value.byteLength > room) {
        answer.cutOff = true;
        break;
      }
      if (options.enough?.(answer.body)) {
        answer.satisfied = true;
        break;
      }
    }
  } catch (error) {
    if (isAbortLike(error)) throw error;
    answer.broken = describeRootCause(error);
  } finally {
    if (!answer.ended) await reader.cancel().catch(() => {});
  }
  return answer;
}

/** The media type of a Content-Type value, lower-cased, without parameters. */
export function mediaType(contentType: string): string {
  return contentType.split(';')[0].trim().toLowerCase();
}

/** "HTTP 200 text/event-stream" */
export function describeHead(answer: HttpAnswer): string {
  return `HTTP ${answer.status}${answer.contentType ? ` ${answer.contentType.slice(0, 80)}` : ' (no content type)'}`;
}

/** How the body reading ended, when that matters: "cut off after 1 MiB", "the connection closed after 42 bytes". */
export function describeBodyEnd(answer: HttpAnswer, maxBytes: number): string | undefined {
  if (answer.cutOff) return `the body passed ${formatBytes(maxBytes)} and was cut off there`;
  if (answer.broken) return `the body broke off after ${answer.bytes} bytes (${answer.broken})`;
  return undefined;
}

export interface SseEvent {
  event: string;
  data: string;
  id?: string;
}

/**
 * The complete events of an event stream read so far (an event is complete once a
 * blank line ends it).
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
export function parseSseEvents(text: string): SseEvent[] {
  const events: SseEvent[] = [];
  let data: string[] = [];
  let event = '';
  let id: string | undefined;
  const lines = text.split(/\r\n|\r|\n/);
  // The last piece has no line ending yet: it is not a line.
  lines.pop();
  for (const line of lines) {
    if (line === '') {
      if (data.length > 0) events.push({ event: event || 'message', data: data.join('\n'), ...(id !== undefined ? { id } : {}) });
      data = [];
      event = '';
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id') id = value;
  }
  return events;
}

/** A JSON-RPC response found in an answer, or why there is none. */
export type RpcReading = { ok: true; message: RpcResponse } | { ok: false; problem: string };

export interface RpcResponse {
  id: unknown;
  result?: Record<string, unknown>;
  error?: { code?: unknown; message?: unknown; data?: unknown };
}

/** Finds the JSON-RPC response to request `id` in a JSON body or an event stream. */
export function findRpcResponse(answer: HttpAnswer, id: number): RpcReading {
  const type = mediaType(answer.contentType);
  if (type === 'application/json') {
    if (!answer.ended) return { ok: false, problem: 'the JSON body did not arrive whole' };
    let parsed: unknown;
    try {
      parsed = JSON.parse(answer.body);
    } catch (error) {
      return { ok: false, problem: `the body is not valid JSON (${(error as Error).message.slice(0, 120)})` };
    }
    return pickResponse(Array.isArray(parsed) ? parsed : [parsed], id);
  }
  if (type === 'text/event-stream') {
    const messages: unknown[] = [];
    for (const event of parseSseEvents(answer.body)) {
      if (event.event !== 'message' || event.data.trim() === '') continue;
      try {
        messages.push(JSON.parse(event.data));
      } catch (error) {
        return { ok: false, problem: `an event's data is not valid JSON (${(error as Error).message.slice(0, 120)})` };
      }
    }
    const found = pickResponse(messages.flat(), id);
    if (found.ok || messages.length > 0) return found;
    return { ok: false, problem: answer.ended ? 'the event stream ended without an answer' : 'the event stream stopped before the answer arrived' };
  }
  return {
    ok: false,
    problem: answer.contentType ? `the content type is ${answer.contentType.slice(0, 80)}, not application/json or text/event-stream` : 'the answer has no content type',
  };
}

function pickResponse(messages: unknown[], id: number): RpcReading {
  const objects = messages.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null && !Array.isArray(m));
  const responses = objects.filter((m) => 'result' in m || 'error' in m);
  const mine = responses.find((m) => m.id === id);
  if (mine) {
    if (mine.jsonrpc !== '2.0') return { ok: false, problem: 'the answer is not JSON-RPC 2.0 (no "jsonrpc": "2.0")' };
    if ('error' in mine && mine.error !== undefined) return { ok: true, message: { id, error: (mine.error ?? {}) as RpcResponse['error'] } };
    if (typeof mine.result !== 'object' || mine.result === null || Array.isArray(mine.result)) return { ok: false, problem: 'the JSON-RPC result is not an object' };
    return { ok: true, message: { id, result: mine.result as Record<string, unknown> } };
  }
  if (responses.length > 0) {
    return { ok: false, problem: `the JSON-RPC answer is for another request (id ${JSON.stringify(responses[0].id)?.slice(0, 40)}, expected ${id})` };
  }
  if (objects.length > 0) return { ok: false, problem: 'the JSON is not a JSON-RPC response (no "result" or "error")' };
  return { ok: false, problem: 'the body holds no JSON-RPC response' };
}

/** A JSON object from a complete body, or why not. */
export function parseJsonObject(answer: HttpAnswer): { ok: true; value: Record<string, unknown> } | { ok: false; problem: string } {
  if (!answer.ended) return { ok: false, problem: answer.cutOff ? 'the body is too large' : 'the body did not arrive whole' };
  try {
    const value = JSON.parse(answer.body) as unknown;
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return { ok: false, problem: 'the body is JSON but not an object' };
    return { ok: true, value: value as Record<string, unknown> };
  } catch (error) {
    return { ok: false, problem: `the body is not valid JSON (${(error as Error).message.slice(0, 120)})` };
  }
}

export function isAbortLike(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === 'AbortError' || name === 'TimeoutError' || error instanceof StepTimeout;
}

/** The reason a step's signal carries when the step ran out of time. */
export class StepTimeout extends Error {
  constructor(ms: number) {
    super(`no answer within ${ms} ms`);
    this.name = 'StepTimeout';
  }
}

/** One line saying why a request failed: our refusal's message, or the network error's code and text. */
export function describeFailure(error: unknown): string {
  if (error instanceof PatchbayError) return error.message;
  const codes: string[] = [];
  let message = '';
  for (let current = error, depth = 0; current && depth < 6; current = (current as { cause?: unknown }).cause, depth++) {
    if (current instanceof PatchbayError) return current.message;
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && !codes.includes(code)) codes.push(code);
    const text = (current as { message?: unknown }).message;
    if (typeof text === 'string' && text && text !== 'fetch failed' && text !== 'terminated') message = text;
  }
  const text = message || String((error as Error)?.message ?? error);
  return codes.length > 0 && !text.includes(codes[0]) ? `${codes[0]}: ${text}` : text;
}

/** The innermost reason in a cause chain, with its code: "other side closed (UND_ERR_SOCKET)". */
export function describeRootCause(error: unknown): string {
  let message = '';
  let code: string | undefined;
  for (let current = error, depth = 0; current && depth < 6; current = (current as { cause?: unknown }).cause, depth++) {
    const text = (current as { message?: unknown }).message;
    if (typeof text === 'string' && text && text !== 'fetch failed' && text !== 'terminated') message = text;
    const c = (current as { code?: unknown }).code;
    if (typeof c === 'string') code = c;
  }
  const text = message || String((error as Error)?.message ?? error);
  return code && !text.includes(code) ? `${text} (${code})` : text;
}

/** The network error code (ECONNREFUSED, ENOTFOUND, …) anywhere in the cause chain. */
export function networkCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 6; current = (current as { cause?: unknown }).cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$|^UND_ERR/.test(code)) return code;
  }
  return undefined;
}
