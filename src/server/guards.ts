import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import { PatchbayError } from '../core/errors.ts';

export interface GuardOptions {
  /** Host header values accepted (host:port). */
  allowedHosts: string[];
  /** Origin header values accepted (scheme://host:port). */
  allowedOrigins: string[];
}

/**
 * Why a request's Host or Origin is refused, or undefined when both are ours: a Host
 * that is not ours (DNS rebinding), or a browser's foreign Origin (a cross-site request
 * to a local service).
 */
export function hostAndOriginCheck(options: GuardOptions): (host: string | undefined, origin: string | undefined) => string | undefined {
  const hosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const origins = new Set(options.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  return (rawHost, origin) => {
    const host = (rawHost ?? '').toLowerCase();
    if (!hosts.has(host)) return `Host "${host.slice(0, 100)}" is not allowed. Reach Patchbay at its configured address, or add this host to PATCHBAY_ALLOWED_HOSTS.`;
    if (origin !== undefined && !origins.has(origin.toLowerCase())) return `Origin "${origin.slice(0, 100)}" is not allowed. Add it to PATCHBAY_ALLOWED_ORIGINS if you trust it.`;
    return undefined;
  };
}

/** Refuses (FORBIDDEN) requests whose Host or Origin `hostAndOriginCheck` refuses. */
export function hostAndOriginGuard(options: GuardOptions): MiddlewareHandler {
  const check = hostAndOriginCheck(options);
  return async (c, next) => {
    const refusal = check(c.req.header('host'), c.req.header('origin'));
    if (refusal !== undefined) throw new PatchbayError('FORBIDDEN', refusal);
    await next();
  };
}

/** Requires `Authorization: Bearer <token>` matching the install's access token. */
export function accessTokenGuard(token: string): MiddlewareHandler {
  const expected = Buffer.from(token);
  return async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    const given = Buffer.from(match?.[1]?.trim() ?? '');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new PatchbayError(
        'UNAUTHENTICATED',
        match ? 'The access token is wrong. Use the token printed by `patchbay serve` (also in the data directory, file access-token).' : 'Missing access token: send `Authorization: Bearer <token>` with the token printed by `patchbay serve`.',
      );
    }
    await next();
  };
}

/** Bodies must be JSON: a form post from another site cannot reach the API. */
export function jsonBodies(): MiddlewareHandler {
  return async (c, next) => {
    const method = c.req.method;
    if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
      const type = mediaTypeOf(c.req.header('content-type'));
      const length = c.req.header('content-length');
      if (type !== 'application/json' && !(length === '0' || (length === undefined && type === ''))) {
        throw new PatchbayError('UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be JSON: send Content-Type: application/json.');
      }
    }
    await next();
  };
}

/** A Content-Type's media type, lower case, without parameters ('' when there is none). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

export function isJsonType(contentType: string | undefined): boolean {
  return mediaTypeOf(contentType) === 'application/json';
}
