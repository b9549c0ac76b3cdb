import type { ChangeFeed } from '../store/index.ts';

/**
 * How often, while anyone waits, the change feed is asked whether another process (the
 * CLI's `patchbay approve`, another replica) asked for or answered an approval. Reading
 * the feed costs no query on PostgreSQL and one PRAGMA on SQLite. On SQLite the feed
 * moves with any commit of another process (a busy `patchbay gateway --stdio` writes its
 * audit every 50 ms), and each move has every waiter read again: at most this often.
 */
const CHECK_MS = 100;

/** Why `next` returned. */
export type ApprovalWake = 'changed' | 'timeout' | 'aborted';

/** Where approvals stood at one moment (`mark`): a wait given it returns at once if anything changed since. */
export interface ApprovalMark {
  readonly here: number;
  readonly feed: number | null;
}

/**
 * Wakes whoever waits on approval requests (a gateway call held until the person answers)
 * when one may have been asked for or answered: at once for this process's own answers,
 * within `CHECK_MS` for another process's, through the store's change feed. A waiter then
 * reads the request again; a wake-up is a hint, never the answer itself. While the feed
 * cannot see other processes (PostgreSQL's listening connection is down), only the
 * waiter's own time limit wakes it, so it should not wait long at a time.
 */
export class ApprovalWatch {
  readonly #changes: ChangeFeed;
  readonly #waiters = new Set<(why: ApprovalWake) => void>();
  #timer: NodeJS.Timeout | undefined;
  #seen: number | null = null;
  /** Changes made in this process. */
  #here = 0;

  constructor(changes: ChangeFeed) {
    this.#changes = changes;
  }

  /** This process asked for or answered an approval: wake the waiters here, and tell the other processes (a failure to tell them only leaves their waiters to their own time limits). */
  async changed(): Promise<void> {
    this.#here++;
    this.#wake();
    await this.#changes.changed('approvals').catch(() => {});
  }

  /**
   * Take before reading approvals, and hand to `next` after: a change that lands between the
   * read and the wait then ends the wait at once instead of going unnoticed.
   */
  mark(): ApprovalMark {
    return { here: this.#here, feed: this.#changes.version('approvals') };
  }

  /**
   * Resolves at the next change to approvals seen here or in another process (at once if
   * there was one since `since`), after `ms` at the latest, or when `signal` aborts.
   */
  next(ms: number, signal?: AbortSignal, since?: ApprovalMark): Promise<ApprovalWake> {
    if (signal?.aborted) return Promise.resolve('aborted');
    // Read once: compared with the mark, and where the watch starts from (a second read could take in a commit the comparison missed).
    const feed = this.#changes.version('approvals');
    // A blind feed (null) tells nothing: waiting out `ms` is then the only way to look again without spinning.
    if (since && (this.#here !== since.here || (feed !== null && feed !== since.feed))) return Promise.resolve('changed');
    return new Promise((resolve) => {
      const done = (why: ApprovalWake) => {
        clearTimeout(timeout);
        signal?.removeEventListener('abort', aborted);
        this.#waiters.delete(done);
        if (this.#waiters.size === 0) this.#stop();
        resolve(why);
      };
      const aborted = () => done('aborted');
      const timeout = setTimeout(() => done('timeout'), ms);
      signal?.addEventListener('abort', aborted, { once: true });
      this.#waiters.add(done);
      this.#start(feed);
    });
  }

  #start(from: number | null): void {
    if (this.#timer) return;
    this.#seen = from;
    this.#timer = setInterval(() => {
      const version = this.#changes.version('approvals');
      if (version === this.#seen) return;
      this.#seen = version;
      // null: the feed went blind; whatever happened meanwhile is unknown, so look.
      this.#wake();
    }, CHECK_MS);
    this.#timer.unref();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #wake(): void {
    for (const waiter of [...this.#waiters]) waiter('changed');
  }
}
