/**
 * Authorization codes, grants and the tokens issued under them, in memory.
 *
 * Every token belongs to a grant: one redeemed authorization code (with all the
 * refresh tokens rotated from it), or one client-credentials request. Revoking a grant
 * kills every token in it, which is how a replayed code or a reused refresh token is
 * punished.
 */

import { randomToken } from '../../core/ids.ts';

const CODE_TTL_MS = 60_000;

export interface PendingCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge: string;
  readonly resource: string;
  readonly scopes: readonly string[];
}

interface CodeRecord extends PendingCode {
  readonly expiresAt: number;
  used: boolean;
  /** The grant its redemption created. */
  grantId: string | undefined;
}

interface Grant {
  readonly id: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  revoked: boolean;
}

export interface AccessToken {
  readonly token: string;
  readonly grantId: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  expiresAt: number;
  revoked: boolean;
}

export interface RefreshToken {
  readonly token: string;
  readonly grantId: string;
  readonly clientId: string;
  readonly scopes: readonly string[];
  readonly resource: string;
  expiresAt: number;
  /** Exchanged once already: presenting it again is reuse. */
  rotated: boolean;
  revoked: boolean;
}

export type CodeRedemption = { outcome: 'redeemed'; code: PendingCode } | { outcome: 'unknown' | 'expired' | 'replayed' };
export type RefreshTokenCheck = { outcome: 'current'; refreshToken: RefreshToken } | { outcome: 'unknown' | 'expired' | 'revoked' | 'reused' };
export type AccessTokenCheck = { outcome: 'active'; accessToken: AccessToken } | { outcome: 'unknown' | 'expired' | 'revoked' };
export type Revocation = 'revoked' | 'not-found' | 'other-client';

export interface IssuedTokens {
  accessToken: AccessToken;
  refreshToken: RefreshToken | undefined;
}

export interface GrantStore {
  issueCode(pending: PendingCode): string;
  /** Takes a code out of circulation; a second redemption revokes whatever the first one issued. */
  redeemCode(code: string): CodeRedemption;
  /** Starts a grant and issues its first tokens; `code` ties it to the code it came from. */
  issue(options: { clientId: string; scopes: readonly string[]; resource: string; withRefreshToken: boolean; code?: string }): IssuedTokens;
  /** Looks a refresh token up; presenting one already rotated revokes its whole grant. */
  checkRefreshToken(token: string): RefreshTokenCheck;
  /** Retires `previous` and issues the next tokens of its grant; the access token gets `accessScopes`. */
  rotate(previous: RefreshToken, accessScopes: readonly string[]): IssuedTokens;
  checkAccessToken(token: string): AccessTokenCheck;
  /** RFC 7009: revokes an access token alone, or a refresh token with its whole grant. */
  revoke(token: string, clientId: string): Revocation;
  revokeAll(): void;
  expireAccessTokens(): void;
  expireRefreshTokens(): void;
}

export function createGrantStore(options: { accessTokenTtlMs: number; refreshTokenTtlMs: number; now: () => number }): GrantStore {
  const { now } = options;
  const codes = new Map<string, CodeRecord>();
  const grants = new Map<string, Grant>();
  const accessTokens = new Map<string, AccessToken>();
  const refreshTokens = new Map<string, RefreshToken>();

  function revokeGrant(grantId: string | undefined): void {
    const grant = grantId === undefined ? undefined : grants.get(grantId);
    if (grant !== undefined) grant.revoked = true;
  }

  function isLive(token: { grantId: string; revoked: boolean }): boolean {
    return !token.revoked && grants.get(token.grantId)?.revoked === false;
  }

  /** `accessScopes` may be narrower than the grant's; a refresh token always carries the grant's (RFC 6749 §6). */
  function issueTokens(grant: Grant, accessScopes: readonly string[], withRefreshToken: boolean): IssuedTokens {
    const base = { grantId: grant.id, clientId: grant.clientId, resource: grant.resource, revoked: false };
    const accessToken: AccessToken = { ...base, scopes: accessScopes, token: randomToken(32), expiresAt: now() + options.accessTokenTtlMs };
    accessTokens.set(accessToken.token, accessToken);
    let refreshToken: RefreshToken | undefined;
    if (withRefreshToken) {
      refreshToken = { ...base, scopes: grant.scopes, token: randomToken(32), expiresAt: now() + options.refreshTokenTtlMs, rotated: false };
      refreshTokens.set(refreshToken.token, refreshToken);
    }
    return { accessToken, refreshToken };
  }

  return {
    issueCode(pending) {
      const code = randomToken(32);
      codes.set(code, { ...pending, expiresAt: now() + CODE_TTL_MS, used: false, grantId: undefined });
      return code;
    },
    redeemCode(code) {
      const record = codes.get(code);
      if (record === undefined) return { outcome: 'unknown' };
      if (record.used) {
        // OAuth 2.1 §4.1.3: a code used twice SHOULD revoke the tokens issued from it
        revokeGrant(record.grantId);
        return { outcome: 'replayed' };
      }
      record.used = true;
      if (record.expiresAt <= now()) return { outcome: 'expired' };
      return { outcome: 'redeemed', code: record };
    },
    issue({ clientId, scopes, resource, withRefreshToken, code }) {
      const grant: Grant = { id: randomToken(12), clientId, scopes, resource, revoked: false };
      grants.set(grant.id, grant);
      const record = code === undefined ? undefined : codes.get(code);
      if (record !== undefined) record.grantId = grant.id;
      return issueTokens(grant, scopes, withRefreshToken);
    },
    checkRefreshToken(token) {
      const refreshToken = refreshTokens.get(token);
      if (refreshToken === undefined) return { outcome: 'unknown' };
      if (!isLive(refreshToken)) return { outcome: 'revoked' };
      if (refreshToken.rotated) {
        // OAuth 2.1 §4.3.1: reuse of a rotated refresh token means one copy was stolen; end the grant
        revokeGrant(refreshToken.grantId);
        return { outcome: 'reused' };
      }
      if (refreshToken.expiresAt <= now()) return { outcome: 'expired' };
      return { outcome: 'current', refreshToken };
    },
    rotate(previous, accessScopes) {
      const grant = grants.get(previous.grantId);
      if (grant === undefined) throw new Error(`grant ${previous.grantId} vanished`);
      previous.rotated = true;
      return issueTokens(grant, accessScopes, true);
    },
    checkAccessToken(token) {
      const accessToken = accessTokens.get(token);
      if (accessToken === undefined) return { outcome: 'unknown' };
      if (!isLive(accessToken)) return { outcome: 'revoked' };
      if (accessToken.expiresAt <= now()) return { outcome: 'expired' };
      return { outcome: 'active', accessToken };
    },
    revoke(token, clientId) {
      const accessToken = accessTokens.get(token);
      const refreshToken = refreshTokens.get(token);
      const found = accessToken ?? refreshToken;
      if (found === undefined) return 'not-found';
      // RFC 7009 §2.1: the server verifies the token was issued to the client asking
      if (found.clientId !== clientId) return 'other-client';
      if (accessToken !== undefined) accessToken.revoked = true;
      // RFC 7009 §2.1: revoking a refresh token SHOULD also end the access tokens of its grant
      if (refreshToken !== undefined) revokeGrant(refreshToken.grantId);
      return 'revoked';
    },
    revokeAll() {
      codes.clear();
      for (const grant of grants.values()) grant.revoked = true;
    },
    expireAccessTokens() {
      const past = now() - 1;
      for (const accessToken of accessTokens.values()) accessToken.expiresAt = Math.min(accessToken.expiresAt, past);
    },
    expireRefreshTokens() {
      const past = now() - 1;
      for (const refreshToken of refreshTokens.values()) refreshToken.expiresAt = Math.min(refreshToken.expiresAt, past);
    },
  };
}
