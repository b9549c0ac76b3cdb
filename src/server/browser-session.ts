import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { PatchbayError } from '../core/errors.ts';
import { accessTokenGuard } from './guards.ts';

/** The HttpOnly cookie carrying a signed session (never the access token itself). */
export const SESSION_COOKIE = 'pb_session';
/** The cookie the web app reads and echoes in `x-csrf-token` (double submit). */
export const CSRF_COOKIE = 'pb_csrf';
export const CSRF_HEADER = 'x-csrf-token';

const DEFAULT_MAX_AGE_SECONDS = 30 * 24 * 3600;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export interface BrowserSessionOptions {
  /** The install's access token: what the login link carries, and the root of the signing key. */
  accessToken: string;
  /** The user a new browser session belongs to (local mode: the local user). */
  userId: string;
  /** Browser origins allowed to send state-changing requests with the cookie. */
  allowedOrigins: string[];
  /** Adds `Secure` to the cookies (Patchbay reached over https). */
  secureCookies?: boolean;
  maxAgeSeconds?: number;
  /** Seconds since the epoch; tests pass a controlled clock. */
  now?: () => number;
}

export interface BrowserSession {
  userId: string;
  /** Random per session; the CSRF token is derived from it. */
  nonce: string;
  expiresAt: number;
}

/**
 * Browser sessions signed with a key derived from the access token: nothing is kept in
 * memory, so any replica with the same token accepts them, and changing the token ends
 * every session. Value: `<user>.<expires>.<nonce>.<signature>`, all base64url.
 */
export class BrowserSessions {
  readonly #key: Buffer;
  readonly #options: BrowserSessionOptions;

  constructor(options: BrowserSessionOptions) {
    this.#options = options;
    this.#key = createHmac('sha256', options.accessToken).update('patchbay browser session v1').digest();
  }

  get options(): BrowserSessionOptions {
    return this.#options;
  }

  /** A new session for the configured user: the cookie value and its CSRF token. */
  issue(): { session: BrowserSession; value: string; csrf: string; maxAgeSeconds: number } {
    const maxAgeSeconds = this.#options.maxAgeSeconds ?? DEFAULT_MAX_AGE_SECONDS;
    const session: BrowserSession = { userId: this.#options.userId, nonce: randomBytes(18).toString('base64url'), expiresAt: this.#now() + maxAgeSeconds };
    const payload = `${Buffer.from(session.userId).toString('base64url')}.${session.expiresAt}.${session.nonce}`;
    return { session, value: `${payload}.${this.#sign(`session|${payload}`)}`, csrf: this.csrfFor(session), maxAgeSeconds };
  }

  /** The session a cookie value names, or undefined when it is forged, malformed or expired. */
  verify(value: string | undefined): BrowserSession | undefined {
    if (!value || value.length > 512) return undefined;
    const parts = value.split('.');
    if (parts.length !== 4) return undefined;
    const [user, expires, nonce, signature] = parts;
    if (!safeEqual(signature, this.#sign(`session|${user}.${expires}.${nonce}`))) return undefined;
    const expiresAt = Number(expires);
    if (!Number.isSafeInteger(expiresAt) || expiresAt <= this.#now()) return undefined;
    return { userId: Buffer.from(user, 'base64url').toString('utf8'), nonce, expiresAt };
  }

  /** The CSRF token bound to a session: a cookie planted by a sibling site cannot match it. */
  csrfFor(session: BrowserSession): string {
    return this.#sign(`csrf|${session.nonce}`);
  }

  /** True when `given` is the install's access token (compared in constant time). */
  isAccessToken(given: string): boolean {
    return safeEqual(given, this.#options.accessToken);
  }

  #sign(text: string): string {
    return createHmac('sha256', this.#key).update(text).digest('base64url');
  }

  #now(): number {
    return this.#options.now?.() ?? Math.floor(Date.now() / 1000);
  }
}

/** Constant-time equality of two strings of any length (hashing first hides the length). */
function safeEqual(a: string, b: string): boolean {
  const left = createHash('sha256').update(a).digest();
  const right = createHash('sha256').update(b).digest();
  return timingSafeEqual(left, right);
}

function setSessionCookies(c: Context, sessions: BrowserSessions): void {
  const { value, csrf, maxAgeSeconds: maxAge } = sessions.issue();
  const secure = sessions.options.secureCookies === true;
  setCookie(c, SESSION_COOKIE, value, { path: '/', httpOnly: true, sameSite: 'Strict', secure, maxAge });
  // Readable by the page on purpose: it echoes the value in the x-csrf-token header.
  setCookie(c, CSRF_COOKIE, csrf, { path: '/', httpOnly: false, sameSite: 'Strict', secure, maxAge });
}

/**
 * `GET /login?token=<access token>`: the link `patchbay serve` prints. A right token
 * sets the session cookies; either way the browser is sent on with the token gone from
 * the address bar (a 303, so the link is not kept as the current page).
 */
export function browserLoginRoutes(sessions: BrowserSessions): Hono {
  const app = new Hono();
  app.get('/login', (c) => {
    c.header('cache-control', 'no-store');
    const token = c.req.query('token');
    if (token === undefined || !sessions.isAccessToken(token)) return c.redirect('/connectors?login=invalid', 303);
    setSessionCookies(c, sessions);
    return c.redirect('/connectors', 303);
  });
  return app;
}

/**
 * Lets in API callers with `Authorization: Bearer <access token>` (CLI, scripts) or the
 * browser session cookie. A read with neither answers 401; a change with neither, 403. With the cookie, a state-changing request must also come from
 * an allowed Origin, echo the CSRF cookie in `x-csrf-token`, and send JSON: a page on
 * another site can make the browser attach the cookie, but cannot do any of these.
 */
export function apiCallerGuard(sessions: BrowserSessions): MiddlewareHandler {
  const bearer = accessTokenGuard(sessions.options.accessToken);
  const origins = new Set(sessions.options.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  return async (c, next) => {
    if (c.req.header('authorization') !== undefined) return bearer(c, next);
    const session = sessions.verify(getCookie(c, SESSION_COOKIE));
    if (!session && !SAFE_METHODS.has(c.req.method)) {
      // A change with neither the access token nor a session is refused outright (403), as a foreign page's request is.
      throw new PatchbayError(
        'FORBIDDEN',
        'A change needs the browser session or the access token: open the link `patchbay serve` prints, or send `Authorization: Bearer <token>`.',
        { details: { session: 'missing' } },
      );
    }
    if (!session) {
      throw new PatchbayError(
        'UNAUTHENTICATED',
        'Missing access token: send `Authorization: Bearer <token>` with the token printed by `patchbay serve`, or open the link it prints in your browser.',
      );
    }
    if (!SAFE_METHODS.has(c.req.method)) {
      const origin = c.req.header('origin');
      if (origin === undefined || !origins.has(origin.toLowerCase())) {
        throw new PatchbayError('FORBIDDEN', 'A change made with the browser session must come from a Patchbay page (the Origin header is missing or foreign).');
      }
      const header = c.req.header(CSRF_HEADER) ?? '';
      const cookie = getCookie(c, CSRF_COOKIE) ?? '';
      const expected = sessions.csrfFor(session);
      if (!safeEqual(header, cookie) || !safeEqual(header, expected)) {
        throw new PatchbayError('FORBIDDEN', 'The CSRF token is missing or wrong. Reload the page and try again.');
      }
      if (c.req.method !== 'DELETE') {
        const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
        if (type !== 'application/json') throw new PatchbayError('UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be JSON: send Content-Type: application/json.');
      }
    }
    await next();
  };
}
