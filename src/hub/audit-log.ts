import { BurstQueue } from '../core/burst-queue.ts';
import { newTimeOrderedId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import type { AuditEvent, AuditFilter, Store } from '../store/index.ts';

/**
 * How long an audit event waits for others to share its INSERT and commit, and the least
 * time between two writes. Calls finish one or two per turn of the event loop, so
 * without a wait nearly every call paid a commit of its own (on SQLite about a sixth of
 * the gateway's CPU per call); and with the wait on the first write only, a PostgreSQL
 * write under load carried just the events of the previous write's round trip (about
 * 11 at 32 calls in flight, against about 30 with the window on every write).
 */
const AUDIT_GATHER_MS = 10;

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
  readonly #queue: BurstQueue<AuditEvent>;

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#queue = new BurstQueue((batch) => store.audit.recordMany(batch).catch((error) => logger.error('could not write audit events', { count: batch.length, error })), {
      gatherMs: AUDIT_GATHER_MS,
    });
  }

  /** Queues an event; the object becomes the log's (it is completed in place, not copied). */
  record(event: Omit<AuditEvent, 'id' | 'at'> & { at?: string }): void {
    const full = event as AuditEvent;
    full.id = newTimeOrderedId();
    full.at ??= new Date().toISOString();
    this.#queue.push(full);
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
