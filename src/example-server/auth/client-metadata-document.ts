/**
 * Client ID metadata documents: a `client_id` that is a URL names a JSON document,
 * hosted by the client, that describes it. Fetching is split from validating.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-00
 * @see https://modelcontextprotocol.io/specification/2026-07-28/basic/authorization/client-registration#client-id-metadata-documents
 */

import { validateClientMetadata } from './client-registration.ts';
import { OAuthFailure } from './oauth-replies.ts';
import type { OAuthClient } from './oauth-client.ts';

// the draft suggests authorization servers limit documents to 5 kilobytes
const MAX_DOCUMENT_BYTES = 5 * 1024;
const FETCH_TIMEOUT_MS = 5000;
const LOCAL_DOCUMENT_HOSTS = new Set(['127.0.0.1', '[::1]']);

function invalidClient(description: string): OAuthFailure {
  return new OAuthFailure('invalid_client', description, 401);
}

/**
 * Whether `clientId` is written as a URL, i.e. names a metadata document rather than a
 * registered client (registered ids here never contain a colon).
 */
export function looksLikeClientMetadataUrl(clientId: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(clientId);
}

/**
 * Why `clientId` cannot name a metadata document, or `undefined` when it can: an https
 * URL with a path, no fragment, credentials or dot segments. This server being a local
 * test server, it also accepts http URLs on 127.0.0.1 and [::1], so tests can serve a
 * document without a certificate; the specification allows https only.
 */
export function explainClientMetadataUrlProblem(clientId: string): string | undefined {
  if (!URL.canParse(clientId)) return 'The client_id is not a valid URL.';
  const url = new URL(clientId);
  const local = url.protocol === 'http:' && LOCAL_DOCUMENT_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !local) return 'A URL client_id must use https (or, on this local test server, http on 127.0.0.1).';
  if (url.pathname === '/' || url.pathname === '') return 'A URL client_id must have a path, e.g. https://client.example/oauth/metadata.json.';
  if (url.hash !== '' || clientId.includes('#')) return 'A URL client_id must not have a fragment.';
  if (url.username !== '' || url.password !== '') return 'A URL client_id must not carry credentials.';
  const rawPath = clientId.slice(clientId.indexOf('//') + 2).replace(/^[^/]*/, '').split(/[?#]/, 1)[0];
  if (rawPath.split('/').some((segment) => segment === '.' || segment === '..')) return 'A URL client_id must not contain "." or ".." path segments.';
  return undefined;
}

/**
 * Validates a fetched metadata document for the `client_id` `url`.
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document-00#section-4
 */
export function parseClientMetadataDocument(url: string, text: string): OAuthClient {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw invalidClient('The client metadata document is not valid JSON.');
  }
  if (document === null || typeof document !== 'object' || Array.isArray(document)) throw invalidClient('The client metadata document must be a JSON object.');
  const metadata = document as Record<string, unknown>;
  // spec: the authorization server MUST validate that client_id matches the URL exactly
  if (metadata.client_id !== url) throw invalidClient(`The client metadata document names client_id ${JSON.stringify(metadata.client_id)}, not its own URL ${url}.`);
  if (typeof metadata.client_name !== 'string' || metadata.client_name === '') throw invalidClient('The client metadata document has no client_name.');
  if (metadata.redirect_uris === undefined) throw invalidClient('The client metadata document has no redirect_uris.');
  // the draft: there is no shared secret with a document-described client
  if ('client_secret' in metadata || 'client_secret_expires_at' in metadata) throw invalidClient('A client metadata document must not contain a client_secret.');
  const method = metadata.token_endpoint_auth_method;
  if (method !== undefined && method !== 'none') throw invalidClient(`token_endpoint_auth_method "${String(method)}" cannot be used with a client metadata document here; use "none".`);
  let validated: ReturnType<typeof validateClientMetadata>;
  try {
    validated = validateClientMetadata(metadata, 'none');
  } catch (error) {
    if (error instanceof OAuthFailure) throw invalidClient(`The client metadata document is not acceptable: ${error.message}`);
    throw error;
  }
  return { clientId: url, clientSecret: undefined, source: 'metadata-document', ...validated };
}

/** Fetches the document a URL `client_id` names, without following redirects, under a size limit. */
export async function fetchClientMetadataDocument(url: string): Promise<string> {
  let response: Response;
  try {
    // a redirect would let the document come from somewhere the client_id does not name
    response = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'manual', signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  } catch (error) {
    throw invalidClient(`The client metadata document at ${url} could not be fetched (${(error as Error).message}).`);
  }
  if (response.status !== 200) {
    await response.body?.cancel();
    throw invalidClient(`The client metadata document at ${url} answered ${response.status}, not 200.`);
  }
  if (Number(response.headers.get('content-length')) > MAX_DOCUMENT_BYTES) {
    await response.body?.cancel();
    throw invalidClient(`The client metadata document at ${url} is larger than ${MAX_DOCUMENT_BYTES} bytes.`);
  }
  const body = Buffer.from(await response.arrayBuffer());
  if (body.length > MAX_DOCUMENT_BYTES) throw invalidClient(`The client metadata document at ${url} is larger than ${MAX_DOCUMENT_BYTES} bytes.`);
  return body.toString('utf8');
}

/** Fetches and validates the metadata document of a URL `client_id`. */
export async function resolveClientMetadataDocument(clientId: string): Promise<OAuthClient> {
  const problem = explainClientMetadataUrlProblem(clientId);
  if (problem !== undefined) throw invalidClient(problem);
  return parseClientMetadataDocument(clientId, await fetchClientMetadataDocument(clientId));
}
