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
 * Refuses requests whose Host is not ours (DNS rebinding) and browser requests
 * from a foreign Origin (cross-site requests to a local service).
 */
export function hostAndOriginGuard(options: GuardOptions): MiddlewareHandler {
  const hosts = new Set(options.allowedHosts.map((h) => h.toLowerCase()));
  const origins = new Set(options.allowedOrigins.map((o) => o.toLowerCase().replace(/\/$/, '')));
  return async (c, next) => {
    const host = (c.req.header('host') ?? '').toLowerCase();
    if (!hosts.has(host)) {
      throw new PatchbayError('FORBIDDEN', `Host "${host.slice(0, 100)}" is not allowed. Reach Patchbay at its configured address, or add this host to PATCHBAY_ALLOWED_HOSTS.`);
    }
    const origin = c.req.header('origin');
    if (origin !== undefined && !origins.has(origin.toLowerCase())) {
      throw new PatchbayError('FORBIDDEN', `Origin "${origin.slice(0, 100)}" is not allowed. Add it to PATCHBAY_ALLOWED_ORIGINS if you trust it.`);
    }
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
      const type = (c.req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
      const length = c.req.header('content-length');
      if (type !== 'application/json' && !(length === '0' || (length === undefined && type === ''))) {
        throw new PatchbayError('UNSUPPORTED_MEDIA_TYPE', 'Request bodies must be JSON: send Content-Type: application/json.');
      }
    }
    await next();
  };
}
