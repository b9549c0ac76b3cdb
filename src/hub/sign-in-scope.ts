import type { AuthChallenge } from '../mcp/index.ts';

export interface ScopeChoice {
  /** What the person asked for (`patchbay login --scope`, the API's `scope`). */
  requested?: string;
  /** What the server last asked for when it refused a request. */
  challenge?: AuthChallenge;
  /** The scopes of the tokens held now (the token response's `scope`). */
  granted?: string;
}

/**
 * The scope to ask for when signing in: what the person asked for, else what the
 * server's challenge named (authoritative); undefined lets discovery decide
 * (`scopes_supported`, or no scope at all). A step-up keeps what was already granted:
 * a challenge names only what is missing, and asking for that alone would lose the rest.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#scope-selection-strategy
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/index#scope-challenge-handling
 */
export function selectSignInScope({ requested, challenge, granted }: ScopeChoice): string | undefined {
  const asked = splitScope(requested);
  const wanted = asked.length > 0 ? asked : splitScope(challenge?.scope);
  if (wanted.length === 0) return undefined;
  const kept = challenge?.stepUp ? splitScope(granted) : [];
  return [...new Set([...kept, ...wanted])].join(' ');
}

function splitScope(scope: string | undefined): string[] {
  return (scope ?? '').split(/\s+/).filter(Boolean);
}
