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
  #items: T[] = [];
  #flushing: Promise<void> | undefined;

  constructor(apply: (batch: T[]) => Promise<void>) {
    this.#apply = apply;
  }

  push(item: T): void {
    this.#items.push(item);
    this.#flushing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.#flush());
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
