import { randomBytes } from 'node:crypto';
import {
  type ClientCapabilities,
  type CreateMessageRequest,
  type CreateMessageResult,
  type CreateMessageResultWithTools,
  type ElicitRequest,
  type ElicitResult,
  type InputRequest,
  type InputRequiredResult,
  inputRequired,
  inputResponse,
} from '@modelcontextprotocol/server';
import { PatchbayError } from '../../core/errors.ts';
import type { CallContext } from '../../hub/index.ts';

/** A 2026-07-28 request that may start a call, or answer one the gateway holds. */
export interface HeldCallRequest {
  /** Whose call: the token and the endpoint it came to. A retry from anyone else does not find it. */
  owner: string;
  /** The request itself (method, name, arguments): a retry must repeat it. */
  request: string;
  /** What the client declared it can answer (the request's `_meta` client capabilities). */
  capabilities: ClientCapabilities | undefined;
  /** The `requestState` the client echoed, if any. */
  state: string | undefined;
  responses: Record<string, unknown> | undefined;
  /** The request's own signal: the client cancelled it or went away. */
  signal: AbortSignal | undefined;
  onProgress?: CallContext['onProgress'];
}

/** What a call runs with: its own signal (it outlives the request that started it) and the handlers that hold it. */
export type HeldCallControl = Pick<CallContext, 'signal' | 'onElicitation' | 'onSampling' | 'onProgress'>;

/** A server's request put to the client, and how its answer gets back to the server. */
interface Question {
  key: string;
  request: InputRequest;
  /** Delivers the client's response; false when it is not an answer of the right kind. */
  answer(response: unknown): boolean;
  /** Ends the question unanswered: the server sees a cancelled elicitation or a refused sampling request. */
  cancel(): void;
}

type Step = { kind: 'done'; value: unknown } | { kind: 'failed'; error: unknown } | { kind: 'question'; question: Question };

const STATE_PREFIX = 'pbheld_';
/** Calls one token (and endpoint) may have waiting for its client's answers at once. */
const DEFAULT_MAX_HELD_PER_OWNER = 32;

/**
 * Upstream calls kept running while a 2026-07-28 client answers a server's question.
 *
 * A stateless client cannot receive the elicitation or sampling request a server sends
 * during a call, so the gateway answers the client's request with an input-required
 * result carrying the server's request, keeps the call running here under a fresh
 * unguessable id (the `requestState`), and delivers the answer when the client retries.
 * A held call lives in this process only: with several replicas, a retry must reach the
 * replica that holds it (sticky routing); elsewhere it is told the call has ended.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/patterns/mrtr
 */
export class HeldCalls {
  readonly #holdMs: number;
  readonly #maxPerOwner: number;
  readonly #calls = new Map<string, HeldCall>();
  /** Calls held per owner now: each holds an upstream call open, so one token may hold only so many. */
  readonly #heldBy = new Map<string, number>();

  constructor(options: { holdMs: number; maxPerOwner?: number }) {
    this.#holdMs = options.holdMs;
    this.#maxPerOwner = options.maxPerOwner ?? DEFAULT_MAX_HELD_PER_OWNER;
  }

  /**
   * Starts a call. What the server asks during it goes to the client (when it declared
   * it can answer), and the call is held until the client's retry; else the result.
   */
  start<T>(request: HeldCallRequest, run: (control: HeldCallControl) => Promise<T>): Promise<T | InputRequiredResult> {
    const call = new HeldCall(request.owner, request.request, () => (this.#heldBy.get(request.owner) ?? 0) >= this.#maxPerOwner);
    const { capabilities } = request;
    // Without the capability the server's request is answered as for any client that cannot be asked
    // (an elicitation declined, sampling refused), as a 2025 session without it would see.
    const control: HeldCallControl = {
      signal: call.controller.signal,
      onElicitation: capabilities?.elicitation
        ? (params) => call.ask((key, done) => elicitationQuestion(key, params, done), capabilities, { action: 'decline' as const })
        : undefined,
      onSampling: capabilities?.sampling ? (params) => call.ask<CreateMessageResult | CreateMessageResultWithTools>((key, done) => samplingQuestion(key, params, done), capabilities, undefined) : undefined,
      onProgress: request.onProgress ? (progress) => call.progress?.(progress) : undefined,
    };
    run(control).then(
      (value) => call.push({ kind: 'done', value }),
      (error: unknown) => call.push({ kind: 'failed', error }),
    );
    return this.#advance(call, request) as Promise<T | InputRequiredResult>;
  }

  /** A retry: the client's answer goes to the held call's server, then its next step comes back. */
  async resume(request: HeldCallRequest): Promise<unknown> {
    const call = request.state === undefined ? undefined : this.#calls.get(request.state);
    // Another owner's call, or one for another request, is not theirs to see: it "has ended" for them.
    if (!call || call.owner !== request.owner || call.request !== request.request) throw callEnded();
    const question = call.asked!;
    const response = request.responses?.[question.key];
    if (response !== undefined && !question.answer(response)) {
      throw new PatchbayError('VALIDATION_FAILED', `The answer "${question.key}" in inputResponses is not a ${question.request.method} result. Answer the request as it was asked.`);
    }
    this.#release(call, request.state!);
    // spec (mrtr): an answer left out is asked for again rather than failed.
    if (response === undefined) return this.#hold(call, question);
    call.asked = undefined;
    return this.#advance(call, request);
  }

  /** Ends every held call (shutdown). */
  close(): void {
    for (const [id, call] of this.#calls) {
      this.#release(call, id);
      call.end();
    }
  }

  async #advance(call: HeldCall, request: HeldCallRequest): Promise<unknown> {
    // The request waiting now is the one whose cancellation ends the call, and which hears its progress.
    const cancel = () => call.end();
    if (request.signal?.aborted) cancel();
    request.signal?.addEventListener('abort', cancel, { once: true });
    call.progress = request.onProgress;
    let step: Step;
    try {
      step = await call.next();
    } finally {
      request.signal?.removeEventListener('abort', cancel);
      call.progress = undefined;
    }
    if (step.kind === 'done') return step.value;
    if (step.kind === 'failed') throw step.error;
    return this.#hold(call, step.question);
  }

  /** Keeps the call under a fresh id until the client answers `question`, or the time runs out. */
  #hold(call: HeldCall, question: Question): InputRequiredResult {
    const id = STATE_PREFIX + randomBytes(24).toString('base64url');
    call.asked = question;
    call.timer = setTimeout(() => {
      this.#release(call, id);
      call.end();
    }, this.#holdMs);
    call.timer.unref();
    this.#calls.set(id, call);
    this.#heldBy.set(call.owner, (this.#heldBy.get(call.owner) ?? 0) + 1);
    return inputRequired({ inputRequests: { [question.key]: question.request }, requestState: id });
  }

  #release(call: HeldCall, id: string): void {
    clearTimeout(call.timer);
    if (!this.#calls.delete(id)) return;
    const held = (this.#heldBy.get(call.owner) ?? 1) - 1;
    if (held > 0) this.#heldBy.set(call.owner, held);
    else this.#heldBy.delete(call.owner);
  }
}

/** One call and what it has said since the client last heard from it. */
class HeldCall {
  readonly owner: string;
  readonly request: string;
  readonly controller = new AbortController();
  /** The question the client was last given, awaiting its answer. */
  asked: Question | undefined;
  progress: CallContext['onProgress'];
  timer: NodeJS.Timeout | undefined;
  readonly #steps: Step[] = [];
  readonly #open = new Set<Question>();
  #waiter: ((step: Step) => void) | undefined;
  #asked = 0;

  readonly #ownerIsFull: () => boolean;

  constructor(owner: string, request: string, ownerIsFull: () => boolean) {
    this.owner = owner;
    this.request = request;
    this.#ownerIsFull = ownerIsFull;
  }

  /** A server's request during the call: it waits until the client answers (or the call ends). */
  ask<R>(make: (key: string, done: Done<R>) => Question, capabilities: ClientCapabilities, otherwise: R | undefined): Promise<R> {
    if (this.controller.signal.aborted) return Promise.reject(callEnded());
    const { promise, resolve, reject } = Promise.withResolvers<R>();
    // Numbered, so an answer to an earlier question cannot be taken for the answer to a later one.
    const question = make(`upstream_${++this.#asked}`, {
      resolve: (value) => {
        this.#open.delete(question);
        resolve(value);
      },
      reject: (error) => {
        this.#open.delete(question);
        reject(error);
      },
    });
    if (!declares(capabilities, question.request)) {
      if (otherwise !== undefined) return Promise.resolve(otherwise);
      return Promise.reject(new PatchbayError('CAPABILITY_NOT_SUPPORTED', `The client cannot answer this ${question.request.method} request: it did not declare the capability it needs.`));
    }
    // Answered as for a client that cannot be asked: the server hears a decline (or a refusal), not silence.
    if (this.#ownerIsFull()) {
      if (otherwise !== undefined) return Promise.resolve(otherwise);
      return Promise.reject(
        new PatchbayError('USAGE_LIMIT_EXCEEDED', 'Too many calls through this token are already waiting for the client’s answers. Answer or abandon some of them, then try again.'),
      );
    }
    this.#open.add(question);
    this.push({ kind: 'question', question });
    return promise;
  }

  push(step: Step): void {
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (waiter) waiter(step);
    else this.#steps.push(step);
  }

  next(): Promise<Step> {
    const step = this.#steps.shift();
    if (step) return Promise.resolve(step);
    return new Promise((resolve) => {
      this.#waiter = resolve;
    });
  }

  /** Cancels the call: its open questions are answered "cancel" (or refused), then the server is told to stop. */
  end(): void {
    for (const question of [...this.#open]) question.cancel();
    this.controller.abort();
  }
}

type Done<R> = { resolve(value: R): void; reject(error: unknown): void };

function elicitationQuestion(key: string, params: ElicitRequest['params'], done: Done<ElicitResult>): Question {
  const url = params.mode === 'url';
  return {
    key,
    // The 2026-07-28 URL mode has no elicitationId: the held call itself is what the answer belongs to.
    request: url ? inputRequired.elicitUrl({ message: params.message, url: params.url }) : inputRequired.elicit(params),
    answer(response) {
      const view = inputResponse({ [key]: response }, key);
      if (view.kind !== 'elicit') return false;
      done.resolve(view.action === 'accept' && !url ? { action: 'accept', content: (view.content ?? {}) as ElicitResult['content'] } : { action: view.action });
      return true;
    },
    cancel: () => done.resolve({ action: 'cancel' }),
  };
}

function samplingQuestion(key: string, params: CreateMessageRequest['params'], done: Done<CreateMessageResult | CreateMessageResultWithTools>): Question {
  return {
    key,
    request: inputRequired.createMessage(params),
    answer(response) {
      const view = inputResponse({ [key]: response }, key);
      if (view.kind !== 'sampling') return false;
      done.resolve(view.result);
      return true;
    },
    cancel: () => done.reject(new PatchbayError('CANCELLED', 'The client did not answer the sampling request: the call ended first.')),
  };
}

/**
 * Whether the client declared what `request` needs (spec (mrtr): a server MUST NOT send an input
 * request the client has not declared). As the SDK reads it: a bare `elicitation: {}` means form.
 */
function declares(capabilities: ClientCapabilities | undefined, request: InputRequest): boolean {
  if (request.method === 'elicitation/create') {
    const elicitation = capabilities?.elicitation as { form?: unknown; url?: unknown } | undefined;
    if (!elicitation) return false;
    if ((request.params as { mode?: string }).mode === 'url') return elicitation.url !== undefined;
    return elicitation.form !== undefined || elicitation.url === undefined;
  }
  if (request.method === 'sampling/createMessage') {
    const sampling = capabilities?.sampling as { tools?: unknown } | undefined;
    if (!sampling) return false;
    const params = request.params as { tools?: unknown; toolChoice?: unknown };
    return (params.tools === undefined && params.toolChoice === undefined) || sampling.tools !== undefined;
  }
  return false;
}

function callEnded(): PatchbayError {
  return new PatchbayError(
    'CALL_ENDED',
    'The call this answer is for has ended: it was not answered in time, was already answered, or is held by another Patchbay replica. ' +
      'Call the tool again (or get the prompt or read the resource again) without requestState.',
  );
}
