import { randomUUID } from 'node:crypto';
import type { Logger } from '../core/log.ts';
import type { AuditEvent, Store } from '../store/index.ts';

/**
 * The record of every tool call at every door. Writes leave the call's critical path:
 * the caller gets its result while the event is stored; `idle()` waits for the writes
 * in flight (shutdown, tests). A failed write is logged, never turned into a failed call.
 */
export class AuditLog {
  readonly #store: Store;
  readonly #log: Logger;
  readonly #pending = new Set<Promise<void>>();

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#log = logger;
  }

  record(event: Omit<AuditEvent, 'id' | 'at'> & { at?: string }): void {
    const write = this.#store.audit
      .record({ id: randomUUID(), at: event.at ?? new Date().toISOString(), ...event })
      .catch((error) => this.#log.error('could not write an audit event', { tool: event.toolName, connector: event.connectorName, error }))
      .finally(() => this.#pending.delete(write));
    this.#pending.add(write);
  }

  async idle(): Promise<void> {
    while (this.#pending.size > 0) await Promise.allSettled([...this.#pending]);
  }

  list(filter: { userId: string; connectorName?: string; since?: string; limit?: number }): Promise<AuditEvent[]> {
    return this.#store.audit.list(filter);
  }

  prune(before: string): Promise<number> {
    return this.#store.audit.prune(before);
  }
}
