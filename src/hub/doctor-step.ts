/**
 * One step of a diagnosis: what it reports, and how it is run — with its own time
 * limit, so one server that never answers cannot hold the whole diagnosis.
 */
import { PatchbayError } from '../core/errors.ts';
import { describeFailure, isAbortLike, StepTimeout } from './doctor-http.ts';
import { quoteServerText } from './doctor-text.ts';

export type StepStatus = 'ok' | 'warn' | 'fail' | 'skipped';

export type StepId = 'url' | 'dns' | 'connect' | 'initialize' | 'fallback' | 'resource-metadata' | 'authorization-server' | 'registration' | 'token' | 'tools';

/** One step of a diagnosis, as people and programs see it. */
export interface DoctorStep {
  id: StepId;
  title: string;
  status: StepStatus;
  /** How long the step took, in milliseconds (0 when skipped). */
  ms: number;
  /** What was tried and what came back, in one or a few sentences. Never a credential. */
  detail: string;
  /** The first bytes of the raw answer (at most 500 characters, controls shown as escapes, credentials removed). */
  excerpt?: string;
}

/** What a step function returns: the report fields, advice for the person, and a value later steps use. */
export interface StepResult<T = undefined> {
  status: Exclude<StepStatus, 'skipped'>;
  detail: string;
  excerpt?: string;
  /** What to do about a failure (or a warning), for the report's advice. */
  advice?: string;
  value?: T;
}

export interface StepContext {
  /** Aborted when the step's time is up or the diagnosis is cancelled. */
  signal: AbortSignal;
  timeoutMs: number;
  /** Records how far the step got, for the report when it times out. */
  progress(detail: string, excerpt?: string): void;
}

export interface RecordedStep extends DoctorStep {
  advice?: string;
}

/** Runs steps in order, each under its time limit, and keeps what each reported. */
export class StepRunner {
  readonly steps: RecordedStep[] = [];
  readonly #signal: AbortSignal | undefined;
  readonly #timeoutMs: number;
  readonly #secrets: readonly string[];
  readonly #onStep: ((step: DoctorStep) => void) | undefined;

  constructor(options: { signal?: AbortSignal; timeoutMs: number; secrets: readonly string[]; onStep?: (step: DoctorStep) => void }) {
    this.#signal = options.signal;
    this.#timeoutMs = options.timeoutMs;
    this.#secrets = options.secrets;
    this.#onStep = options.onStep;
  }

  async run<T>(id: StepId, title: string, fn: (ctx: StepContext) => Promise<StepResult<T>>, timeoutAdvice?: string): Promise<StepResult<T>> {
    this.#throwIfCancelled();
    const started = performance.now();
    const timeoutMs = this.#timeoutMs;
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new StepTimeout(timeoutMs)), timeoutMs);
    const onCancel = () => controller.abort(this.#signal?.reason);
    this.#signal?.addEventListener('abort', onCancel, { once: true });
    let partial: { detail: string; excerpt?: string } | undefined;
    const ctx: StepContext = {
      signal: controller.signal,
      timeoutMs,
      progress: (detail, excerpt) => {
        partial = { detail, excerpt };
      },
    };
    // A step that ignores its signal still ends when its time is up.
    const stopped = new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true }));
    stopped.catch(() => {});
    let result: StepResult<T>;
    try {
      const running = fn(ctx);
      running.catch(() => {});
      result = await Promise.race([running, stopped]);
    } catch (error) {
      this.#throwIfCancelled();
      const timedOut = controller.signal.reason instanceof StepTimeout || (error instanceof PatchbayError && error.code === 'TIMEOUT') || (isAbortLike(error) && controller.signal.aborted);
      result = timedOut
        ? {
            status: 'fail',
            detail: partial ? `${partial.detail}; then nothing more within ${timeoutMs} ms` : `No answer within ${timeoutMs} ms.`,
            excerpt: partial?.excerpt,
            advice: timeoutAdvice ?? 'The server did not answer in time: it may be down, overloaded or stuck. Try again later, or ask its operator.',
          }
        : { status: 'fail', detail: `The check itself failed: ${quoteServerText(describeFailure(error), this.#secrets, 300)}` };
    } finally {
      clearTimeout(timer);
      this.#signal?.removeEventListener('abort', onCancel);
    }
    this.#record({ id, title, status: result.status, ms: Math.round(performance.now() - started), detail: result.detail, excerpt: result.excerpt, advice: result.advice });
    return result;
  }

  skip(id: StepId, title: string, reason: string): void {
    this.#record({ id, title, status: 'skipped', ms: 0, detail: reason });
  }

  #record(step: RecordedStep): void {
    const clean: RecordedStep = { ...step };
    if (clean.excerpt === undefined) delete clean.excerpt;
    if (clean.advice === undefined) delete clean.advice;
    this.steps.push(clean);
    const { advice: _advice, ...shown } = clean;
    this.#onStep?.(shown);
  }

  #throwIfCancelled(): void {
    if (this.#signal?.aborted) throw new PatchbayError('CANCELLED', 'The diagnosis was cancelled.', { cause: this.#signal.reason });
  }
}
