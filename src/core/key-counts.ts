/** How many of something each key holds (streams per person, holders per resource); a key at zero is forgotten. */
export class KeyCounts<K> {
  readonly #counts = new Map<K, number>();

  get(key: K): number {
    return this.#counts.get(key) ?? 0;
  }

  /** One more for `key`; returns its count. */
  add(key: K): number {
    const count = this.get(key) + 1;
    this.#counts.set(key, count);
    return count;
  }

  /** One fewer for `key` (never below zero); returns what is left. */
  remove(key: K): number {
    const count = Math.max(this.get(key) - 1, 0);
    if (count > 0) this.#counts.set(key, count);
    else this.#counts.delete(key);
    return count;
  }

  clear(): void {
    this.#counts.clear();
  }
}
