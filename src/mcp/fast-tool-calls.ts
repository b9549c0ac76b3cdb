import {
  type CallToolResult,
  isCallToolResult,
  type JSONRPCMessage,
  type Progress,
  ProtocolError,
  ProtocolErrorCode,
  parseJSONRPCMessage,
  SdkError,
  SdkErrorCode,
  SdkHttpError,
  type StreamableHTTPClientTransport,
  type Tool,
} from '@modelcontextprotocol/client';
import { sleep } from '../core/clock.ts';
import { PatchbayError } from '../core/errors.ts';
import type { FetchLike } from './http-fetch.ts';
import { type SseEvent, SseLineParser } from './sse-lines.ts';
import { sharedSchemas } from './validate-arguments.ts';

/** What one fast call may be given: the SDK request options McpSession uses. */
export interface FastCallControl {
  signal?: AbortSignal;
  /** Milliseconds without an answer (or progress, when `onProgress` is given) before the call fails. */
  timeoutMs: number;
  onProgress?: (progress: Progress) => void;
  /** Upper bound however much progress arrives. */
  maxTotalTimeoutMs?: number;
}

export interface FastToolCallsOptions {
  transport: StreamableHTTPClientTransport;
  url: URL;
  fetch: FetchLike;
  /** The connector's extra and credential headers, sent on every POST as the SDK transport sends them. */
  headers: Record<string, string>;
  /**
   * Runs the handing of a message that arrived on one call's own stream to the SDK client
   * (a server's question during that call) with that call's `context`, so the answer
   * comes from the caller who is waiting on it.
   */
  within?: (context: unknown, deliver: () => void) => void;
}

/** The server redirected the POST: it did not run the call, and the SDK's path (which follows same-origin redirects) should send it. */
export const REDIRECTED = Symbol('redirected');

const DEFAULT_RESUME_DELAY_MS = 500;
const ID_PREFIX = 'patchbay-';

/**
 * `tools/call` on a 2025-11-25 Streamable HTTP session without the SDK client's
 * per-message work: one POST through the session's own fetch, the JSON or SSE answer
 * parsed here, and the result checked by hand (falling back to the SDK's schema for
 * anything but plain text content) instead of by zod on every message. Everything the
 * call does not own — a server's elicitation or sampling request, list_changed, a log
 * line — is handed to the SDK client exactly as its transport would, so it is answered
 * as before. A stream that ends after a priming event is resumed through the SDK
 * transport (`Last-Event-ID`), whose answers come back here by request id.
 *
 * Not used for 2026-07-28 sessions: their request envelope, header mirroring and
 * input-required rounds are the SDK's to keep right.
 */
export class FastToolCalls {
  readonly #options: FastToolCallsOptions;
  readonly #pending = new Map<string, PendingCall>();
  readonly #deliver: StreamableHTTPClientTransport['onmessage'];
  #next = 0;

  constructor(options: FastToolCallsOptions) {
    this.#options = options;
    const { transport } = options;
    this.#deliver = transport.onmessage;
    // Answers to our calls can also arrive on streams the SDK transport owns (a resumed stream).
    transport.onmessage = (message: JSONRPCMessage) => {
      if (!this.#claim(message)) this.#deliver?.(message);
    };
  }

  call(name: string, args: Record<string, unknown>, control: FastCallControl, definition?: Tool, context?: unknown): Promise<CallToolResult | typeof REDIRECTED> {
    const id = `${ID_PREFIX}${++this.#next}`;
    const params: Record<string, unknown> = { name, arguments: args };
    if (control.onProgress) params._meta = { progressToken: id };
    const call = new PendingCall(id, control, (reason) => this.#cancel(id, reason), context);
    this.#pending.set(id, call);
    this.#exchange({ jsonrpc: '2.0', id, method: 'tools/call', params }, call).catch((error) => call.fail(error));
    return call.promise.then(
      (answer) => (answer === REDIRECTED ? REDIRECTED : checkResult(answer, name, definition)),
    ).finally(() => {
      this.#pending.delete(id);
      call.dispose();
    });
  }

  /** The session is closing: calls still waiting end now, as the SDK client ends its own. */
  close(): void {
    const closed = new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed');
    for (const call of this.#pending.values()) call.fail(closed);
  }

  async #exchange(message: Record<string, unknown>, call: PendingCall): Promise<void> {
    const { transport, url, fetch, headers } = this.#options;
    const sessionId = transport.sessionId;
    const version = transport.protocolVersion;
    const response = await fetch(url, {
      method: 'POST',
      redirect: 'manual',
      headers: {
        ...headers,
        ...(sessionId ? { 'mcp-session-id': sessionId } : {}),
        ...(version ? { 'mcp-protocol-version': version } : {}),
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify(message),
      signal: call.signal,
    });
    if (response.status >= 300 && response.status < 400) {
      await response.body?.cancel().catch(() => {});
      call.settle(REDIRECTED);
      return;
    }
    if (!response.ok) {
      const text = await response.text().catch(() => null);
      throw new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, { status: response.status, statusText: response.statusText, text });
    }
    if (response.status === 202) {
      // Taken, answer to follow on another stream (the session's GET stream): it is claimed there, by id, as the SDK client would take it.
      await response.body?.cancel().catch(() => {});
      return;
    }
    const type = (response.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'application/json') {
      const data: unknown = JSON.parse(await response.text());
      for (const item of Array.isArray(data) ? data : [data]) this.#receive(item, call);
      if (!call.settled) throw new SdkError(SdkErrorCode.InvalidResult, 'The server answered the POST without a response to the call.');
      return;
    }
    if (type !== 'text/event-stream') {
      await response.body?.cancel().catch(() => {});
      throw new SdkError(SdkErrorCode.ClientHttpUnexpectedContent, `Unexpected content type: ${response.headers.get('content-type')}`, { contentType: response.headers.get('content-type') });
    }
    await this.#readStream(response, call);
  }

  async #readStream(response: Response, call: PendingCall): Promise<void> {
    let retryMs = DEFAULT_RESUME_DELAY_MS;
    const parser = new SseLineParser(
      (event) => this.#receiveEvent(event, call),
      (ms) => {
        retryMs = ms;
      },
    );
    const decoder = new TextDecoder();
    try {
      const reader = (response.body as ReadableStream<Uint8Array>).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        parser.push(decoder.decode(value, { stream: true }));
      }
      parser.push(decoder.decode());
    } catch (error) {
      // A broken stream that was primed is resumed; an answer over the size cap (our own error) is not asked for again.
      if (call.settled || parser.lastEventId === undefined || call.signal.aborted || error instanceof PatchbayError) throw error;
    }
    if (call.settled) return;
    const resumeFrom = parser.lastEventId;
    if (resumeFrom === undefined) throw new SdkError(SdkErrorCode.ConnectionClosed, 'The server closed the stream before answering the call.');
    // The server may close a stream it primed (SEP-1699 polling): ask for the rest, as the SDK transport would.
    await sleep(retryMs, call.signal);
    if (!call.settled) await this.#options.transport.resumeStream(resumeFrom);
  }

  #receiveEvent(event: SseEvent, call: PendingCall): void {
    if (event.event !== 'message' || event.data === '') return;
    let value: unknown;
    try {
      value = JSON.parse(event.data);
    } catch (error) {
      this.#options.transport.onerror?.(error as Error);
      return;
    }
    this.#receive(value, call);
  }

  /** One message read from the call's own POST: its answer, its progress, or the client's business. */
  #receive(value: unknown, call: PendingCall): void {
    if (this.#claim(value)) return;
    let message: JSONRPCMessage;
    try {
      message = parseJSONRPCMessage(value);
    } catch (error) {
      if (isObject(value) && value.id === call.id) call.fail(new SdkError(SdkErrorCode.InvalidResult, `The server's answer to the call is not a JSON-RPC response: ${String((error as Error).message).slice(0, 200)}`));
      else this.#options.transport.onerror?.(error as Error);
      return;
    }
    const { within } = this.#options;
    if (within) within(call.context, () => this.#deliver?.(message));
    else this.#deliver?.(message);
  }

  /** Settles a call this lane owns from its answer or progress; false for anything else. */
  #claim(value: unknown): boolean {
    if (!isObject(value)) return false;
    if (typeof value.id === 'string' && !('method' in value)) {
      const call = this.#pending.get(value.id);
      if (!call) return false;
      call.answer(value);
      return true;
    }
    if (value.method === 'notifications/progress' && isObject(value.params)) {
      const token = value.params.progressToken;
      const call = typeof token === 'string' ? this.#pending.get(token) : undefined;
      if (!call) return false;
      call.progress(value.params as unknown as Progress);
      return true;
    }
    return false;
  }

  #cancel(id: string, reason: string): void {
    this.#options.transport
      .send({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } })
      .catch((error) => this.#options.transport.onerror?.(error as Error));
  }
}

/** One call waiting for its answer: its timer, its abort, its progress. */
class PendingCall {
  readonly id: string;
  /** Whatever the caller attached: who answers a server's questions during this call. */
  readonly context: unknown;
  readonly promise: Promise<unknown>;
  readonly #abort = new AbortController();
  readonly #control: FastCallControl;
  readonly #cancel: (reason: string) => void;
  readonly #started = Date.now();
  #resolve!: (value: unknown) => void;
  #reject!: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #onCallerAbort: (() => void) | undefined;
  settled = false;

  constructor(id: string, control: FastCallControl, cancel: (reason: string) => void, context: unknown) {
    this.id = id;
    this.context = context;
    this.#control = control;
    this.#cancel = cancel;
    this.promise = new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
    const { signal } = control;
    if (signal?.aborted) this.fail(signal.reason);
    else if (signal) {
      this.#onCallerAbort = () => this.#stop(signal.reason, String(signal.reason ?? 'cancelled'));
      signal.addEventListener('abort', this.#onCallerAbort, { once: true });
    }
    this.#arm();
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  answer(response: Record<string, unknown>): void {
    const error = isObject(response.error) ? response.error : undefined;
    if ('result' in response) this.settle(response.result);
    else if (error && typeof error.code === 'number' && typeof error.message === 'string') this.fail(ProtocolError.fromError(error.code, error.message, error.data));
    else this.fail(new SdkError(SdkErrorCode.InvalidResult, 'The server answered the call with neither a result nor a well-formed error.'));
  }

  progress(progress: Progress): void {
    if (this.settled || !this.#control.onProgress) return;
    this.#control.onProgress(progress);
    this.#arm();
  }

  settle(value: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.#resolve(value);
  }

  fail(error: unknown): void {
    if (this.settled) return;
    this.settled = true;
    this.#abort.abort(error);
    this.#reject(error);
  }

  dispose(): void {
    clearTimeout(this.#timer);
    if (this.#onCallerAbort) this.#control.signal?.removeEventListener('abort', this.#onCallerAbort);
  }

  /** (Re)starts the timeout: progress resets it, never past the total bound. */
  #arm(): void {
    clearTimeout(this.#timer);
    const { timeoutMs, maxTotalTimeoutMs } = this.#control;
    const left = maxTotalTimeoutMs === undefined ? timeoutMs : Math.min(timeoutMs, this.#started + maxTotalTimeoutMs - Date.now());
    this.#timer = setTimeout(() => {
      this.#stop(new SdkError(SdkErrorCode.RequestTimeout, 'Request timed out', { timeout: timeoutMs }), `Request timed out after ${timeoutMs} ms`);
    }, Math.max(1, left));
    // Not unref'd: with nothing else pending (a server that closed a primed stream and
    // cannot resume it), the call's own time limit is what ends it, as the SDK's do.
  }

  #stop(error: unknown, reason: string): void {
    if (this.settled) return;
    this.#cancel(reason);
    this.fail(error);
  }
}

/**
 * The checks the SDK client makes on a `tools/call` result: a plain-text result is
 * checked here; any other shape goes through the SDK's own schema. Structured content
 * is checked against the tool's output schema, compiled once per schema.
 */
function checkResult(result: unknown, name: string, definition: Tool | undefined): CallToolResult {
  if (!isPlainTextResult(result) && !isCallToolResult(result)) {
    throw new SdkError(SdkErrorCode.InvalidResult, `Invalid result for tools/call: not a CallToolResult (${describeShape(result)}).`);
  }
  const toolResult = result as CallToolResult;
  const outputSchema = definition?.outputSchema;
  if (!outputSchema || toolResult.isError) return toolResult;
  const check = sharedSchemas.check(outputSchema);
  if (!check) return toolResult;
  if (toolResult.structuredContent === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidRequest, `Tool ${name} has an output schema but did not return structured content`);
  const verdict = check(toolResult.structuredContent);
  if (!verdict.valid) throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Structured content does not match the tool's output schema: ${verdict.errorMessage}`);
  return toolResult;
}

const TEXT_BLOCK_KEYS = new Set(['type', 'text', '_meta']);

/** Content made of text blocks only, with the optional fields in their right types: the common answer, checked without zod. */
function isPlainTextResult(value: unknown): boolean {
  if (!isObject(value) || !Array.isArray(value.content)) return false;
  if (value.isError !== undefined && typeof value.isError !== 'boolean') return false;
  if (value.structuredContent !== undefined && !isObject(value.structuredContent)) return false;
  if (value._meta !== undefined && !isObject(value._meta)) return false;
  for (const block of value.content) {
    if (!isObject(block) || block.type !== 'text' || typeof block.text !== 'string') return false;
    if (block._meta !== undefined && !isObject(block._meta)) return false;
    for (const key in block) if (!TEXT_BLOCK_KEYS.has(key)) return false;
  }
  return true;
}

function describeShape(value: unknown): string {
  if (!isObject(value)) return value === null ? 'null' : typeof value;
  return `keys ${Object.keys(value).slice(0, 8).join(', ') || 'none'}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
