import { createHash } from 'node:crypto';
import { PatchbayError } from '../core/errors.ts';
import { newId, randomToken } from '../core/ids.ts';
import type { Logger } from '../core/log.ts';
import type { AccessToken, Store } from '../store/index.ts';
import { NAME_PATTERN } from './connector-rules.ts';
import type { Actor } from './hub.ts';
import { LookupCache } from './lookup-cache.ts';

/** What every personal access token starts with, so scanners and people recognise one. */
export const ACCESS_TOKEN_PREFIX = 'pbt_';
/** `pbt_` and 43 base64url characters (32 random bytes). */
const TOKEN_PATTERN = /^pbt_[A-Za-z0-9_-]{43}$/;
/** Uses are recorded at most this often per token. */
const TOUCH_INTERVAL_MS = 60_000;
/** Uses noted meanwhile are written together this long after the first one, off every request's path. */
const TOUCH_FLUSH_MS = 1_000;

/** Who a verified token speaks for, and what it may see. */
export interface TokenGrant {
  token: AccessToken;
  userId: string;
  /** Project names the token is limited to; null for every project. */
  projects: string[] | null;
}

/** The SHA-256 of a token, hex: what the store keeps. */
export function hashAccessToken(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/**
 * Personal access tokens: created with a secret shown once, kept as a hash, limited
 * to projects when asked, revoked for good.
 */
export class AccessTokens {
  readonly #store: Store;
  readonly #log: Logger;
  /**
   * Tokens looked up by hash, kept while the store's change feed reports no write (a
   * revocation here or in another process empties it), like the door's lookups.
   */
  readonly #lookups: LookupCache;
  readonly #touched = new Map<string, number>();
  /** Uses not yet written: token id → when. */
  readonly #pending = new Map<string, string>();
  #flushing: NodeJS.Timeout | undefined;
  #writing: Promise<void> | undefined;

  constructor(store: Store, logger: Logger) {
    this.#store = store;
    this.#log = logger;
    this.#lookups = new LookupCache(store.changes);
  }

  /** Creates a token; `secret` is the only time its plaintext exists outside the caller. */
  async create(actor: Actor, input: { name: string; projects?: string[] | null }): Promise<{ token: AccessToken; secret: string }> {
    const name = String(input.name ?? '');
    if (!NAME_PATTERN.test(name)) {
      throw new PatchbayError(
        'INVALID_NAME',
        `"${name.slice(0, 80)}" is not a valid token name: use 1–64 lowercase letters, digits and hyphens (for example "claude-desktop" or "laptop").`,
      );
    }
    const projects = normalizeProjects(input.projects);
    const secret = `${ACCESS_TOKEN_PREFIX}${randomToken(32)}`;
    const token = await this.#store.accessTokens.create({
      id: newId(),
      userId: actor.userId,
      name,
      tokenHash: hashAccessToken(secret),
      prefix: secret.slice(0, ACCESS_TOKEN_PREFIX.length + 4),
      projects,
      createdAt: new Date().toISOString(),
    });
    return { token, secret };
  }

  /** The person's tokens, after writing the uses this process still holds: a token just used shows it. */
  async list(actor: Actor): Promise<AccessToken[]> {
    await this.flushUses();
    return this.#store.accessTokens.list(actor.userId);
  }

  /** Revokes one of the person's live tokens, named by its id or its name. */
  async revoke(actor: Actor, idOrName: string): Promise<AccessToken> {
    const live = (await this.#store.accessTokens.list(actor.userId)).filter((t) => t.revokedAt === null);
    const target = live.find((t) => t.id === idOrName) ?? live.find((t) => t.name === idOrName);
    const revoked = target ? await this.#store.accessTokens.revoke(actor.userId, target.id, new Date().toISOString()) : undefined;
    if (!revoked) {
      throw new PatchbayError('NOT_FOUND', `You have no live token "${String(idOrName).slice(0, 80)}". Run \`patchbay token list\` to see them.`);
    }
    // The write announced itself on the change feed; this also covers a feed that cannot see other processes.
    this.#lookups.clear();
    return revoked;
  }

  /**
   * The grant of a live token, or `UNAUTHENTICATED` (missing, malformed, unknown or
   * revoked). The comparison is of hashes looked up by equality: no timing leak of the token.
   */
  async verify(secret: string | undefined): Promise<TokenGrant> {
    if (!secret) {
      throw new PatchbayError('UNAUTHENTICATED', 'Missing access token: send `Authorization: Bearer <token>` with a token from `patchbay token create`.');
    }
    const hash = TOKEN_PATTERN.test(secret) ? hashAccessToken(secret) : undefined;
    const found = hash === undefined ? undefined : await this.#lookups.get(hash, () => this.#find(hash));
    const token = found?.token;
    if (!found || !token || token.revokedAt !== null) {
      throw new PatchbayError(
        'UNAUTHENTICATED',
        token ? 'This access token was revoked. Create a new one with `patchbay token create <name>`.' : 'The access token is not valid. Create one with `patchbay token create <name>`.',
      );
    }
    this.#touch(token.id);
    return found.grant;
  }

  /** Writes the uses noted so far (also called by the timer). */
  async flushUses(): Promise<void> {
    clearTimeout(this.#flushing);
    this.#flushing = undefined;
    const uses = [...this.#pending];
    this.#pending.clear();
    // After any write already under way, so a caller that waits here sees every use noted before it.
    const previous = this.#writing;
    const writing = (async () => {
      await previous;
      for (const [id, at] of uses) {
        await this.#store.accessTokens.touch(id, at).catch((error) => this.#log.debug('could not record a token use', { error }));
      }
    })();
    this.#writing = writing;
    await writing;
  }

  async #find(hash: string): Promise<{ token: AccessToken; grant: TokenGrant } | { token: undefined; grant: undefined }> {
    const token = await this.#store.accessTokens.findByHash(hash);
    return token ? { token, grant: { token, userId: token.userId, projects: token.projects } } : { token: undefined, grant: undefined };
  }

  /** Notes a use; written in a batch shortly after, at most once a minute per token. */
  #touch(id: string): void {
    const now = Date.now();
    if ((this.#touched.get(id) ?? Number.NEGATIVE_INFINITY) + TOUCH_INTERVAL_MS > now) return;
    if (this.#touched.size > 10_000) this.#touched.clear();
    this.#touched.set(id, now);
    this.#pending.set(id, new Date(now).toISOString());
    if (this.#flushing === undefined) {
      this.#flushing = setTimeout(() => void this.flushUses(), TOUCH_FLUSH_MS);
      this.#flushing.unref();
    }
  }
}

function normalizeProjects(projects: string[] | null | undefined): string[] | null {
  if (projects === undefined || projects === null) return null;
  if (!Array.isArray(projects) || projects.length === 0) {
    throw new PatchbayError('VALIDATION_FAILED', 'Projects must be a non-empty list of project names (leave them out for a token that reaches every project).');
  }
  const out = new Set<string>();
  for (const p of projects) {
    const name = typeof p === 'string' ? p.trim() : '';
    if (name.length === 0 || name.length > 100) throw new PatchbayError('VALIDATION_FAILED', 'A project name must be 1–100 characters.');
    out.add(name);
  }
  return [...out].sort();
}
