import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response';
import type { MiddlewareHandler } from 'hono';

/**
 * Every page and script comes from Patchbay itself: no inline script or style, no
 * framing, no form posts elsewhere. Text a remote server sends that slipped into the
 * page as markup still could not run or load anything from elsewhere.
 */
export const CONTENT_SECURITY_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/** The headers every response carries (a handler writing to Node's response itself adds them). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
};

/** Adds the security headers to every response, errors included. */
export function securityHeaders(): MiddlewareHandler {
  return async (c, next) => {
    await next();
    // Written to Node's response already, with these headers.
    if (c.res === RESPONSE_ALREADY_SENT) return;
    for (const name in SECURITY_HEADERS) c.res.headers.set(name, SECURITY_HEADERS[name]);
    if (c.req.path.startsWith('/api/') && !c.res.headers.has('cache-control')) c.res.headers.set('cache-control', 'no-store');
  };
}
