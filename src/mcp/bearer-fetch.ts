import { PatchbayError } from '../core/errors.ts';
import { type AuthChallenge, parseAuthChallenge } from './auth-challenge.ts';
import { type FetchLike, isPlainHeaders } from './http-fetch.ts';

/** Where a session gets its bearer token, and how it reports one the server refused. */
export interface BearerAuth {
  token(): Promise<string | undefined>;
  /** The server answered 401 to `token`: replace it (once, however many requests saw it). */
  refused(token: string | undefined): Promise<void>;
  /** The server refused for good (401, or 403 `insufficient_scope`): what it asked for, kept for the next sign-in. */
  challenged?(challenge: AuthChallenge): Promise<void>;
}

/**
 * Adds `Authorization: Bearer` to every request and, when the server refuses the token,
 * has it replaced and sends the request again once. Done here rather than in the SDK
 * transport because only here is it known which token each refused request carried:
 * twenty concurrent calls that hit an expired token cause one refresh, not twenty.
 * A 403 `insufficient_scope` becomes AUTH_REQUIRED naming the scope to sign in with.
 */
export function withBearerAuth(fetch: FetchLike, auth: BearerAuth, connector: string): FetchLike {
  return async (url, init) => {
    const send = async (token: string | undefined) => (token ? fetch(url, { ...init, headers: withAuthorization(init?.headers, `Bearer ${token}`) }) : fetch(url, init));
    const token = await auth.token();
    let response = await send(token);
    if (response.status === 401 && token) {
      await response.body?.cancel().catch(() => {});
      await auth.refused(token);
      const next = await auth.token();
      if (next && next !== token) response = await send(next);
      else response = new Response(null, { status: 401, headers: response.headers });
    }
    if (response.status === 401) await auth.challenged?.(parseAuthChallenge(response.headers.get('www-authenticate'), 401));
    if (response.status === 403) {
      const challenge = parseAuthChallenge(response.headers.get('www-authenticate'), 403);
      if (challenge.stepUp) {
        await response.body?.cancel().catch(() => {});
        await auth.challenged?.(challenge);
        const { scope } = challenge;
        throw new PatchbayError(
          'AUTH_REQUIRED',
          `Connector "${connector}" needs more permission${scope ? ` (scope "${scope}")` : ''}. Sign in again to grant it: \`patchbay login ${connector}${scope ? ` --scope "${scope}"` : ''}\`.`,
          { details: { connector, scope, stepUp: true } },
        );
      }
    }
    return response;
  };
}

/** `headers` with Authorization set to `value`; a plain object stays a plain object. */
function withAuthorization(headers: RequestInit['headers'], value: string): RequestInit['headers'] {
  if (!isPlainHeaders(headers)) {
    const out = new Headers(headers);
    out.set('authorization', value);
    return out;
  }
  const out: Record<string, string> = {};
  for (const name in headers) if (name.toLowerCase() !== 'authorization') out[name] = headers[name];
  out.authorization = value;
  return out;
}
