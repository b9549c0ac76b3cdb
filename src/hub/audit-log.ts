import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/log.ts';
import type { AuditEvent, AuditFilter, Store } from '../store/index.ts';

/**
 * The record of every tool call at every door. Writes leave the call's critical path:
 * events are queued and written together once the current burst of work is done (one
 * INSERT and one commit for many calls), so the caller has its result before the event
 * is stored; `idle()` waits for everything queued (shutdown, tests). A failed write is
 * logged, never turned into a failed call.
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

  record(event: Omit<AuditEvent, 'id' | 'at'> & { at?: string }): void {
    this.#queue.push({ id: randomUUID(), at: event.at ?? new Date().toISOString(), ...event });
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush());
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
