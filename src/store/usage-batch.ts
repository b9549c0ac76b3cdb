import type { UsageScope, UsageWindow } from './types.ts';

/** The counter row one limit of one call touches. */
export interface CounterKey {
  user_id: string;
  connector_id: string;
  scope: UsageScope;
  tool_name: string;
  window_kind: UsageWindow;
  window_key: string;
}

/** One limit of a queued reservation: its counter row, when that window resets, and its maximum. */
export interface QueuedLimit {
  key: CounterKey;
  resetsAt: string | null;
  max: number;
}

/** A reservation waiting for the next batch; its limits in the order they are checked. */
export interface QueuedReservation {
  id: string;
  /** ISO time of the call: live slots are those expiring after it. */
  now: string;
  /** ISO expiry of the concurrent slots it takes. */
  slotExpiresAt: string;
  limits: QueuedLimit[];
}

/** What the store did with one reservation: granted, or refused by `limits[index]` with `used` taken. */
export type BatchOutcome = { index: number; used: number } | undefined;

/** Releases and reservations gathered in one turn of the event loop, applied in one transaction, releases first. */
export interface UsageBatch {
  releases: string[];
  reservations: QueuedReservation[];
}

/** Applies one batch; returns one outcome per reservation, in order. */
export type ApplyUsageBatch = (batch: UsageBatch) => Promise<BatchOutcome[]>;

interface Waiter<T> {
  resolve(value: T): void;
  reject(error: unknown): void;
}

/**
 * Gathers reservations and releases and hands them to the store together: the first
 * one queued waits for the end of the current turn of the event loop, and while a
 * batch is being applied the next one gathers. One transaction and one commit then
 * serve many calls: calls of one limited tool no longer each hold its counter rows
 * through a commit of their own.
 *
 * Order is kept: a batch applies its releases before its reservations, and a release
 * queued before a reservation lands in the same batch or an earlier one, so a
 * reservation never counts a slot this process released before asking.
 */
export class UsageBatcher {
  readonly #apply: ApplyUsageBatch;
  #reservations: QueuedReservation[] = [];
  #reservationWaiters: Waiter<BatchOutcome>[] = [];
  #releases: string[] = [];
  #releaseWaiters: Waiter<void>[] = [];
  #flushing: Promise<void> | undefined;

  constructor(apply: ApplyUsageBatch) {
    this.#apply = apply;
  }

  reserve(reservation: QueuedReservation): Promise<BatchOutcome> {
    return new Promise((resolve, reject) => {
      this.#reservations.push(reservation);
      this.#reservationWaiters.push({ resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves once the release is committed. */
  release(reservationId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#releases.push(reservationId);
      this.#releaseWaiters.push({ resolve, reject });
      this.#schedule();
    });
  }

  /** Waits until everything queued so far is applied (or failed). */
  async idle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  #schedule(): void {
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush());
  }

  async #flush(): Promise<void> {
    while (this.#reservations.length > 0 || this.#releases.length > 0) {
      const batch: UsageBatch = { releases: this.#releases, reservations: this.#reservations };
      const releaseWaiters = this.#releaseWaiters;
      const reservationWaiters = this.#reservationWaiters;
      this.#releases = [];
      this.#releaseWaiters = [];
      this.#reservations = [];
      this.#reservationWaiters = [];
      try {
        const outcomes = await this.#apply(batch);
        for (const waiter of releaseWaiters) waiter.resolve();
        for (const [i, waiter] of reservationWaiters.entries()) waiter.resolve(outcomes[i]);
      } catch (error) {
        for (const waiter of [...releaseWaiters, ...reservationWaiters]) waiter.reject(error);
      }
    }
    this.#flushing = undefined;
  }
}
