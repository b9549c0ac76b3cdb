import { BurstQueue } from '../core/burst-queue.ts';
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

/** One queued request and whoever waits on it. */
type Queued =
  | { kind: 'release'; reservationId: string; resolve(): void; reject(error: unknown): void }
  | { kind: 'reserve'; reservation: QueuedReservation; resolve(outcome: BatchOutcome): void; reject(error: unknown): void };

/**
 * Gathers reservations and releases and hands them to the store together (a
 * `BurstQueue`): one transaction and one commit then serve many calls, so calls of one
 * limited tool no longer each hold its counter rows through a commit of their own.
 *
 * Order is kept: a batch applies its releases before its reservations, and a release
 * queued before a reservation lands in the same batch or an earlier one, so a
 * reservation never counts a slot this process released before asking.
 */
export class UsageBatcher {
  readonly #queue: BurstQueue<Queued>;

  constructor(apply: ApplyUsageBatch) {
    this.#queue = new BurstQueue((batch) => applyQueued(apply, batch));
  }

  reserve(reservation: QueuedReservation): Promise<BatchOutcome> {
    return new Promise((resolve, reject) => this.#queue.push({ kind: 'reserve', reservation, resolve, reject }));
  }

  /** Resolves once the release is committed. */
  release(reservationId: string): Promise<void> {
    return new Promise((resolve, reject) => this.#queue.push({ kind: 'release', reservationId, resolve, reject }));
  }

  /** Waits until everything queued so far is applied (or failed). */
  idle(): Promise<void> {
    return this.#queue.idle();
  }
}

async function applyQueued(apply: ApplyUsageBatch, queued: Queued[]): Promise<void> {
  const releases = queued.filter((q) => q.kind === 'release');
  const reservations = queued.filter((q) => q.kind === 'reserve');
  try {
    const outcomes = await apply({ releases: releases.map((q) => q.reservationId), reservations: reservations.map((q) => q.reservation) });
    for (const q of releases) q.resolve();
    for (const [i, q] of reservations.entries()) q.resolve(outcomes[i]);
  } catch (error) {
    for (const q of queued) q.reject(error);
  }
}
