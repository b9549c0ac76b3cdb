import type { ChangeFeed } from '../store/index.ts';

/** A backstop: even with a working change feed, nothing read is used for longer than this. */
const MAX_AGE_MS = 5_000;
const MAX_ENTRIES = 10_000;

/**
 * What the door reads on every tool call (the connector, the tool's setting, the stored
 * tool list), kept in memory for as long as the store's change feed says nothing changed.
 * Any change — through this process or another one on the same database — empties it,
 * so a Block set from the CLI or another replica holds from the next call on (on
 * PostgreSQL, from the moment its notification arrives). When the feed cannot see other
 * processes' changes, every lookup goes to the database.
 *
 * Values are shared between callers: treat them as read-only.
 */
export class LookupCache {
  readonly #changes: ChangeFeed;
  readonly #now: () => number;
  readonly #entries = new Map<string, { value: unknown; at: number }>();
  #version: number | null = null;

  constructor(changes: ChangeFeed, now: () => number = Date.now) {
    this.#changes = changes;
    this.#now = now;
  }

  /** The cached value for `key`, or what `load` reads (kept only if nothing changed while it read). */
  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const version = this.#current();
    if (version === null) return load();
    const hit = this.#entries.get(key);
    const now = this.#now();
    if (hit && now - hit.at < MAX_AGE_MS) return hit.value as T;
    const value = await load();
    // A change that landed while this read was in flight may or may not be in `value`.
    if (this.#current() === version) {
      if (this.#entries.size >= MAX_ENTRIES) this.#entries.clear();
      this.#entries.set(key, { value, at: now });
    }
    return value;
  }

  /** Forgets one key (the next `get` reads it afresh). */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Forgets everything (this process changed something the feed does not cover). */
  clear(): void {
    this.#entries.clear();
  }

  #current(): number | null {
    const version = this.#changes.version();
    if (version !== this.#version) {
      this.#entries.clear();
      this.#version = version;
    }
    return version;
  }
}
