import { BurstQueue } from '../core/burst-queue.ts';
import { newTimeOrderedId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import type { AuditEvent, AuditFilter, Store } from '../store/index.ts';
import { auditArguments } from './tool-policy.ts';

/**
 * How long an audit event waits for others to share its INSERT and commit, and the least
 * time between two writes. Calls finish one or two per turn of the event loop, so
 * without a wait nearly every call paid a commit of its own (on SQLite about a sixth of
 * the gateway's CPU per call); and with the wait on the first write only, a PostgreSQL
 * write under load carried just the events of the previous write's round trip.
 * A write costs PostgreSQL about 130 µs of CPU plus about 9 µs per row, so a window of
 * 10 ms still left it about 35 µs per call at 32 in flight, in bursts every 10 ms that
 * took a core from the calls (the door's p50 1.2× the bare session's where PostgreSQL
 * shares the machine's cores); at 50 ms it is about 25 µs and the p50 about 1.05×.
 * Nothing waits for the write: the cost of a longer window is that another process
 * (`patchbay audit` beside a running server) sees an event up to 50 ms later, and that
 * a process killed without shutting down loses up to 50 ms of events, not 10.
 */
const AUDIT_GATHER_MS = 50;

/**
 * The record of every tool call at every door. Writes leave the call's critical path:
 * events are queued and written together, at most one write per `AUDIT_GATHER_MS` (one
 * INSERT and one commit for many calls; while one is being written the next batch
 * gathers), so the caller has its result before the event is stored;
 * `idle()` waits for everything queued (shutdown, the audit API, tests). A failed write
 * is logged, never turned into a failed call.
 */
export class AuditLog {
  readonly #store: Store;
  readonly #queue: BurstQueue<AuditEntry>;

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#queue = new BurstQueue(
      (batch) => store.audit.recordMany(batch.map(eventOf)).catch((error) => logger.error('could not write audit events', { count: batch.length, error })),
      { gatherMs: AUDIT_GATHER_MS },
    );
  }

  /**
   * Queues a call's event. The entry becomes the log's: its arguments and result are kept
   * as given (not copied) until the write, where they become the stored text and size.
   */
  record(entry: AuditEntry): void {
    entry.id = newTimeOrderedId();
    entry.at ??= new Date().toISOString();
    this.#queue.push(entry);
  }

  idle(): Promise<void> {
    return this.#queue.idle();
  }

  /** Lists events, after writing what this process still holds: a call that returned is in the list. */
  async list(filter: AuditFilter): Promise<AuditEvent[]> {
    await this.idle();
    return this.#store.audit.list(filter);
  }

  prune(before: string): Promise<number> {
    return this.#store.audit.prune(before);
  }
}

/**
 * A call's event as the door hands it over: the arguments and the result as values. They
 * are serialized when the batch is written, off the call's path: a large result was
 * serialized once more only to be measured before the caller had it.
 */
export type AuditEntry = Omit<AuditEvent, 'id' | 'at' | 'arguments' | 'resultBytes'> & {
  id?: string;
  at?: string;
  args: unknown;
  /** What the server answered; its size in bytes of UTF-8 JSON is recorded. Absent when the call failed or was refused. */
  result?: unknown;
};

function eventOf({ args, result, ...event }: AuditEntry): AuditEvent {
  return { ...event, id: event.id!, at: event.at!, arguments: serialized(() => auditArguments(args)), resultBytes: result === undefined ? null : sizeOf(result) };
}

function serialized(text: () => string): string {
  try {
    return text();
  } catch {
    return '[not serializable]';
  }
}

function sizeOf(result: unknown): number | null {
  try {
    return Buffer.byteLength(JSON.stringify(result) ?? '');
  } catch {
    return null;
  }
}
