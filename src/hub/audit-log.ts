import { newTimeOrderedId } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import type { AuditEvent, AuditFilter, Store } from '../store/index.ts';

/**
 * How long an event may wait for others to share its INSERT. Under load a batch then holds
 * tens of events, so the database parses, plans and commits once for all of them (on
 * PostgreSQL that work runs on the same cores as the calls).
 */
const BATCH_WINDOW_MS = 10;

/**
 * The record of every tool call at every door. Writes leave the call's critical path:
 * events are queued and written together a few milliseconds later (one INSERT and one
 * commit for many calls), so the caller has its result before the event is stored;
 * `idle()` waits for everything queued (shutdown, the audit API, tests). A failed write
 * is logged, never turned into a failed call.
 */
export class AuditLog {
  readonly #store: Store;
  readonly #log: Logger;
  #queue: AuditEvent[] = [];
  #flushing: Promise<void> | undefined;

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#log = logger;
  }

  /** Queues an event; the object becomes the log's (it is completed in place, not copied). */
  record(event: Omit<AuditEvent, 'id' | 'at'> & { at?: string }): void {
    const full = event as AuditEvent;
    full.id = newTimeOrderedId();
    full.at ??= new Date().toISOString();
    this.#queue.push(full);
    this.#flushing ??= new Promise<void>((resolve) => setTimeout(resolve, BATCH_WINDOW_MS)).then(() => this.#flush());
  }

  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue;
      this.#queue = [];
      await this.#store.audit.recordMany(batch).catch((error) => this.#log.error('could not write audit events', { count: batch.length, error }));
    }
    this.#flushing = undefined;
  }

  async idle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  list(filter: AuditFilter): Promise<AuditEvent[]> {
    return this.#store.audit.list(filter);
  }

  prune(before: string): Promise<number> {
    return this.#store.audit.prune(before);
  }
}
