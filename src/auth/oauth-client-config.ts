import { createPrivateKey } from 'node:crypto';
import { PatchbayError } from '../core/errors.ts';

/**
 * An OAuth client the person registered with the server's authorization server by
 * hand, for servers that offer neither dynamic registration nor client ID metadata
 * documents. Used for interactive sign-in (authorization code with PKCE).
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization#preregistration
 */
export interface PreregisteredClient {
  client_id: string;
  client_secret?: string;
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'none';
}

/**
 * A machine client: signs in with the `client_credentials` grant, no person involved,
 * authenticated by a secret or by a private key (`private_key_jwt`, RFC 7523).
 * @see https://modelcontextprotocol.io/extensions/auth/oauth-client-credentials
 */
export interface ClientCredentials {
  client_id: string;
  client_secret?: string;
  /** PKCS #8 PEM; when given, the client authenticates with a signed JWT instead of a secret. */
  private_key_pem?: string;
  /** JWS algorithm for the private key (default ES256 for EC keys, RS256 for RSA keys). */
  signing_algorithm?: string;
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** Scopes to ask for (space-separated); default: what the server's metadata lists. */
  scope?: string;
}

const SECRET_METHODS = ['client_secret_basic', 'client_secret_post'] as const;
const SIGNING_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512'];
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/;

/** Checks a pre-registered client as a person typed it (untrusted input) and returns a clean copy. */
export function validatePreregisteredClient(input: PreregisteredClient): PreregisteredClient {
  const client_id = checkClientId(input.client_id);
  const client_secret = optionalSecret(input.client_secret);
  const method = input.token_endpoint_auth_method ?? (client_secret ? 'client_secret_basic' : 'none');
  if (method !== 'none' && !(SECRET_METHODS as readonly string[]).includes(method)) {
    throw invalid(`token_endpoint_auth_method must be client_secret_basic, client_secret_post or none, not "${String(method).slice(0, 40)}"`);
  }
  if (method === 'none' && client_secret) throw invalid('a client secret was given with token_endpoint_auth_method "none"; leave one of them out');
  if (method !== 'none' && !client_secret) throw invalid(`token_endpoint_auth_method "${method}" needs the client secret`);
  return { client_id, ...(client_secret ? { client_secret } : {}), token_endpoint_auth_method: method };
}

/** Checks a machine client (untrusted input): a secret or a usable private key, never neither. */
export function validateClientCredentials(input: ClientCredentials): ClientCredentials {
  const client_id = checkClientId(input.client_id);
  const client_secret = optionalSecret(input.client_secret);
  const pem = input.private_key_pem === undefined || input.private_key_pem === '' ? undefined : String(input.private_key_pem);
  if (!client_secret && !pem) throw invalid('give the client secret, or a private key for private_key_jwt');
  if (client_secret && pem) throw invalid('give either the client secret or a private key, not both');
  const scope = input.scope === undefined || input.scope.trim() === '' ? undefined : input.scope.trim().replace(/\s+/g, ' ');
  if (scope !== undefined && (scope.length > 1000 || !SCOPE.test(scope))) throw invalid('the scope must be space-separated scope names of printable characters');
  if (pem) {
    const keyAlgorithm = defaultAlgorithm(pem);
    const algorithm = input.signing_algorithm ?? keyAlgorithm;
    if (!SIGNING_ALGORITHMS.includes(algorithm)) throw invalid(`signing_algorithm must be one of ${SIGNING_ALGORITHMS.join(', ')}`);
    if ((algorithm[0] === 'E') !== (keyAlgorithm[0] === 'E')) throw invalid(`signing_algorithm ${algorithm} does not fit the ${keyAlgorithm[0] === 'E' ? 'EC' : 'RSA'} private key`);
    if (input.token_endpoint_auth_method !== undefined && input.token_endpoint_auth_method !== 'private_key_jwt') {
      throw invalid('a private key authenticates with token_endpoint_auth_method "private_key_jwt"');
    }
    return { client_id, private_key_pem: pem, signing_algorithm: algorithm, token_endpoint_auth_method: 'private_key_jwt', ...(scope ? { scope } : {}) };
  }
  const method = input.token_endpoint_auth_method ?? 'client_secret_basic';
  if (!(SECRET_METHODS as readonly string[]).includes(method)) throw invalid('with a client secret, token_endpoint_auth_method must be client_secret_basic or client_secret_post');
  return { client_id, client_secret, token_endpoint_auth_method: method, ...(scope ? { scope } : {}) };
}

function checkClientId(value: unknown): string {
  const id = typeof value === 'string' ? value.trim() : '';
  if (!id) throw invalid('the client ID is required');
  if (id.length > 512 || /[\0-\x1f\x7f]/.test(id)) throw invalid('the client ID must be at most 512 printable characters');
  return id;
}

function optionalSecret(value: unknown): string | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string' || value.length > 1024 || /[\0\r\n]/.test(value)) throw invalid('the client secret must be at most 1024 characters, without line breaks');
  return value;
}

/** Reads the key once, so a pasted key that cannot sign is refused now, not at the first token request. */
function defaultAlgorithm(pem: string): string {
  let type: string | undefined;
  try {
    type = createPrivateKey(pem).asymmetricKeyType;
  } catch (error) {
    throw invalid('the private key is not a readable PEM private key', error);
  }
  if (type === 'ec') return 'ES256';
  if (type === 'rsa' || type === 'rsa-pss') return 'RS256';
  throw invalid(`the private key is a ${type} key; use an EC (ES256) or RSA (RS256) key`);
}

function invalid(reason: string, cause?: unknown): PatchbayError {
  return new PatchbayError('VALIDATION_FAILED', `Invalid OAuth client: ${reason}.`, { cause });
}
