/**
 * Gathers items pushed during one turn of the event loop and hands them on together:
 * the first push waits for the end of the current turn (`setImmediate`), and while one
 * batch is being applied the next one gathers. One write then serves many callers — the
 * audit log's INSERT, the usage store's transaction.
 *
 * With a gather window (`gatherMs`), batches start at least that far apart, the first
 * as well as those gathered while a batch was being applied: under steady load each
 * write then carries a window's worth of items rather than only what arrived during
 * the previous write.
 *
 * Order is kept: items are applied in the order pushed, batch after batch. `apply` owns
 * its failures (a rejection is not caught here): each caller's promise is settled by it.
 */
export class BurstQueue<T> {
  readonly #apply: (batch: T[]) => Promise<void>;
  readonly #gatherMs: number;
  #items: T[] = [];
  #flushing: Promise<void> | undefined;

  /**
   * `gatherMs`: how long the first item of a batch waits for others, and the least time
   * between the starts of two batches (0: to the end of the current turn, and batches
   * back to back). Longer means fewer, larger writes, each item written that much later.
   */
  constructor(apply: (batch: T[]) => Promise<void>, options: { gatherMs?: number } = {}) {
    this.#apply = apply;
    this.#gatherMs = options.gatherMs ?? 0;
  }

  push(item: T): void {
    this.#items.push(item);
    this.#flushing ??= new Promise<void>((resolve) => (this.#gatherMs > 0 ? setTimeout(resolve, this.#gatherMs) : setImmediate(resolve))).then(() => this.#flush());
  }

  /** Waits until everything pushed so far has been applied. */
  async idle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    try {
      while (this.#items.length > 0) {
        const batch = this.#items;
        this.#items = [];
        const started = performance.now();
        await this.#apply(batch);
        const wait = started + this.#gatherMs - performance.now();
        if (wait >= 1 && this.#items.length > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      }
    } finally {
      this.#flushing = undefined;
    }
  }
}
