/**
 * The scopes of the example server and which requests need which.
 *
 * `mcp:read` lets a client use the server; `mcp:admin` is needed for the tool
 * `admin_action` and implies `mcp:read`; `offline_access` asks for a refresh token and
 * grants nothing at the MCP endpoint.
 */

import { PatchbayError } from '../../core/errors.ts';

export const READ_SCOPE = 'mcp:read';
export const ADMIN_SCOPE = 'mcp:admin';
export const OFFLINE_ACCESS_SCOPE = 'offline_access';

/** The tool that needs `mcp:admin`; it exists only while authentication is on. */
export const ADMIN_TOOL_NAME = 'admin_action';

/** Granted when an authorization or client-credentials request names no scope (RFC 6749 §3.3 allows a default). */
export const DEFAULT_SCOPES: readonly string[] = [READ_SCOPE];

// spec (2026-07-28 authorization, scope challenge handling): servers MUST account for
// scope hierarchies, where a broader scope implies narrower ones
const IMPLIED: Readonly<Record<string, readonly string[]>> = { [ADMIN_SCOPE]: [READ_SCOPE] };

/** Splits a `scope` parameter (RFC 6749 §3.3: space-delimited) into distinct scopes, in order. */
export function parseScope(value: string | undefined): string[] {
  if (value === undefined) return [];
  return [...new Set(value.split(' ').filter((scope) => scope !== ''))];
}

/** Whether a token granted `granted` may do what needs every scope in `required`. */
export function coversScopes(granted: readonly string[], required: readonly string[]): boolean {
  const held = new Set(granted.flatMap((scope) => [scope, ...(IMPLIED[scope] ?? [])]));
  return required.every((scope) => held.has(scope));
}

/** A valid scope token per RFC 6749 §3.3: printable ASCII without space, `"` or `\`. */
export function isScopeToken(value: string): boolean {
  return /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(value);
}

/** Which scopes the server can grant and which each tool needs; tests may change the latter. */
export interface ScopePolicy {
  /** Every scope the server can grant, in a stable order. */
  supported(): readonly string[];
  /** The scopes a call of `tool` needs. */
  requiredFor(tool: string): readonly string[];
  /** Makes calls of `tool` need `scope` (space-separated for several), and makes those scopes grantable. */
  require(tool: string, scope: string): void;
}

export function createScopePolicy(): ScopePolicy {
  const supported = [READ_SCOPE, ADMIN_SCOPE, OFFLINE_ACCESS_SCOPE];
  const required = new Map<string, readonly string[]>([[ADMIN_TOOL_NAME, [ADMIN_SCOPE]]]);
  return {
    supported: () => supported,
    requiredFor: (tool) => required.get(tool) ?? [READ_SCOPE],
    require(tool, scope) {
      const scopes = parseScope(scope);
      if (scopes.length === 0 || !scopes.every(isScopeToken)) throw new PatchbayError('VALIDATION_FAILED', `"${scope}" is not a valid scope: use space-separated tokens of printable ASCII without quotes or backslashes.`);
      required.set(tool, scopes);
      for (const each of scopes) if (!supported.includes(each)) supported.push(each);
    },
  };
}
