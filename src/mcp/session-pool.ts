import { McpSession, type SessionHooks, type SessionSettings, type SessionTarget } from './session.ts';

export interface SessionPoolOptions extends SessionSettings {
  /** A session unused this long is closed (it reopens on next use). */
  idleMs: number;
}

/**
 * One pooled session per (user, connector). Sessions open lazily, close when idle
 * and on shutdown, and are replaced when the connector's URL, transport or
 * credentials change.
 */
export class SessionPool {
  readonly #sessions = new Map<string, { session: McpSession; fingerprint: string }>();
  readonly #options: SessionPoolOptions;
  readonly #hooksFor: (target: SessionTarget) => SessionHooks;
  readonly #sweeper: NodeJS.Timeout;

  constructor(options: SessionPoolOptions, hooksFor: (target: SessionTarget) => SessionHooks = () => ({})) {
    this.#options = options;
    this.#hooksFor = hooksFor;
    this.#sweeper = setInterval(() => void this.#sweep(), Math.max(1000, Math.floor(options.idleMs / 4)));
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#sessions.size;
  }

  /** The session for this target, created (not yet connected) when missing or stale. */
  get(target: SessionTarget): McpSession {
    const key = keyOf(target.userId, target.connectorId);
    const fingerprint = fingerprintOf(target);
    const existing = this.#sessions.get(key);
    if (existing && existing.fingerprint === fingerprint) return existing.session;
    if (existing) void existing.session.close();
    const session = new McpSession(target, this.#options, this.#hooksFor(target));
    this.#sessions.set(key, { session, fingerprint });
    return session;
  }

  /**
   * The pooled session of a connector whose address is still `url` and `transport`, with no
   * fixed headers; undefined when `get` would make a new one. Spares a caller on the hot path
   * from building a whole target for a session that exists.
   */
  find(userId: string, connectorId: string, url: string, transport: SessionTarget['transport']): McpSession | undefined {
    const existing = this.#sessions.get(keyOf(userId, connectorId));
    return existing && existing.fingerprint === fingerprintOf({ url, transport }) ? existing.session : undefined;
  }

  peek(userId: string, connectorId: string): McpSession | undefined {
    return this.#sessions.get(keyOf(userId, connectorId))?.session;
  }

  /** Closes the sessions of one connector (every user's, or one user's). */
  async closeConnector(connectorId: string, userId?: string): Promise<void> {
    const closing: Promise<void>[] = [];
    for (const [key, { session }] of this.#sessions) {
      if (session.target.connectorId === connectorId && (userId === undefined || session.target.userId === userId)) {
        this.#sessions.delete(key);
        closing.push(session.close());
      }
    }
    await Promise.allSettled(closing);
  }

  async closeAll(): Promise<void> {
    clearInterval(this.#sweeper);
    const sessions = [...this.#sessions.values()].map((s) => s.session);
    this.#sessions.clear();
    await Promise.allSettled(sessions.map((s) => s.close()));
  }

  async #sweep(): Promise<void> {
    const cutoff = Date.now() - this.#options.idleMs;
    for (const [key, { session }] of this.#sessions) {
      if (!session.busy && session.lastUsed < cutoff) {
        this.#sessions.delete(key);
        await session.close().catch(() => {});
      }
    }
  }
}

function keyOf(userId: string, connectorId: string): string {
  return `${userId}\u0000${connectorId}`;
}

/** What makes a pooled session stale when it changes. */
function fingerprintOf(target: Pick<SessionTarget, 'url' | 'transport' | 'headers'>): string {
  return JSON.stringify([target.url, target.transport, target.headers ?? null]);
}
