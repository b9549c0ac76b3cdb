/**
 * Which redirect URIs a client may register, and the loopback rule shared with client
 * metadata document URLs.
 */

const LOOPBACK_HOSTNAMES = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname);
}

/**
 * Why `uri` cannot be a redirect URI, or `undefined` when it can: an absolute https URL,
 * or an http URL on a loopback host, without a fragment or credentials.
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/security-considerations "All redirect URIs MUST be either localhost or use HTTPS"
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.1.2 (no fragment)
 */
export function explainRedirectUriProblem(uri: string): string | undefined {
  if (!URL.canParse(uri)) return `"${uri}" is not an absolute URL.`;
  const url = new URL(uri);
  if (url.hash !== '' || uri.includes('#')) return `"${uri}" has a fragment; redirect URIs must not.`;
  if (url.username !== '' || url.password !== '') return `"${uri}" carries credentials; redirect URIs must not.`;
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHostname(url.hostname)) return undefined;
  return `"${uri}" is neither https nor http on a loopback host (127.0.0.1, [::1], localhost).`;
}

/** Why a `redirect_uris` value cannot be registered, or `undefined` when every entry may be used. */
export function explainRedirectUrisProblem(value: unknown): string | undefined {
  if (!Array.isArray(value) || value.length === 0) return 'redirect_uris must be a non-empty array of URLs.';
  for (const uri of value) {
    if (typeof uri !== 'string') return 'redirect_uris must contain only strings.';
    const problem = explainRedirectUriProblem(uri);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
