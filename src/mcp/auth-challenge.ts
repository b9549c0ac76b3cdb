/**
 * What a protected MCP server says when it refuses a request: the `WWW-Authenticate`
 * challenge of a 401 or 403. Its `scope` is authoritative for the next sign-in and its
 * `resource_metadata` names where discovery starts.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#scope-selection-strategy
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
export interface AuthChallenge {
  /** The scopes the server asks for (space-separated), when it names them. */
  scope?: string;
  /** The protected resource metadata URL, when the server names one (http or https only). */
  resourceMetadataUrl?: string;
  /** True for a 403 `insufficient_scope`: the token is fine, it needs more scope (step-up). */
  stepUp: boolean;
}

const MAX_SCOPE_LENGTH = 1000;
const MAX_URL_LENGTH = 2048;
/** RFC 6749 §3.3 scope-token characters: printable ASCII except space, `"` and `\`. */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/;

/**
 * Parses the `Bearer` (or `DPoP`) challenge of a `WWW-Authenticate` header. Values the
 * client could not safely use later (a malformed scope, a URL that is not http(s)) are
 * left out rather than trusted.
 */
export function parseAuthChallenge(header: string | null | undefined, status: number): AuthChallenge {
  const params = parseChallengeParams(header ?? '');
  const challenge: AuthChallenge = { stepUp: status === 403 && params.get('error') === 'insufficient_scope' };
  const scope = params.get('scope')?.trim().replace(/\s+/g, ' ');
  if (scope && scope.length <= MAX_SCOPE_LENGTH && SCOPE.test(scope)) challenge.scope = scope;
  const url = params.get('resource_metadata');
  if (url && url.length <= MAX_URL_LENGTH && URL.canParse(url) && /^https?:$/.test(new URL(url).protocol)) challenge.resourceMetadataUrl = url;
  return challenge;
}

/** The auth-params of the first Bearer or DPoP challenge, names lower-cased (RFC 9110 §11.2). */
function parseChallengeParams(header: string): Map<string, string> {
  const params = new Map<string, string>();
  const scheme = /^\s*(bearer|dpop)\s+/i.exec(header);
  if (!scheme) return params;
  const param = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,"]*))\s*(,|$)/y;
  param.lastIndex = scheme[0].length;
  for (let match = param.exec(header); match; match = param.exec(header)) {
    const name = match[1].toLowerCase();
    if (!params.has(name)) params.set(name, match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : match[3]);
    if (match[4] === '') break;
  }
  return params;
}
