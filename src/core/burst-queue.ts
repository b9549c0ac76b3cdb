/**
 * Gathers items pushed during one turn of the event loop and hands them on together:
 * the first push waits for the end of the current turn (`setImmediate`), and while one
 * batch is being applied the next one gathers. One write then serves many callers — the
 * audit log's INSERT, the usage store's transaction.
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
   * `gatherMs`: how long the first item of a batch waits for others (0: to the end of the
   * current turn). Longer means fewer, larger writes, each item written that much later.
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
        await this.#apply(batch);
      }
    } finally {
      this.#flushing = undefined;
    }
  }
}
