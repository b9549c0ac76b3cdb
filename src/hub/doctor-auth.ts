/**
 * The connection doctor's sign-in steps, for a server that answered 401: protected
 * resource metadata (RFC 9728), authorization server metadata (RFC 8414 / OIDC
 * discovery) in the order the MCP authorization spec gives, which client registration
 * a sign-in would use, and what the person has stored. Nothing is registered, no token
 * is requested or refreshed, and no secret is shown.
 * @see https://modelcontextprotocol.io/specification/2025-11-25/basic/authorization
 */
import { buildDiscoveryUrls, checkResourceAllowed, LATEST_PROTOCOL_VERSION, resourceUrlFromServerUrl } from '@modelcontextprotocol/client';
import type { SavedTokens } from '../auth/index.ts';
import { parseAuthChallenge } from '../mcp/index.ts';
import type { FetchLike } from '../mcp/index.ts';
import { isLoopbackHost } from './connector-rules.ts';
import { describeFailure, describeHead, type HttpAnswer, parseJsonObject, readAnswer } from './doctor-http.ts';
import type { StepContext, StepResult } from './doctor-step.ts';
import { excerptOf, formatDuration, quoteServerText, showUrl } from './doctor-text.ts';

/** What the person has stored for a connector, as far as the doctor needs to know. Values stay inside. */
export interface StoredSignIn {
  kind: 'none' | 'oauth' | 'headers' | 'basic' | 'client-credentials';
  /** Headers carrying an API key or a password (sent with the probes, never shown). */
  headers?: Record<string, string>;
  /** The issuer the current tokens came from. */
  issuer?: string;
  tokens?: SavedTokens;
  /** A machine client (client_credentials grant) is stored. */
  machineClientId?: string;
  /** A client registered by hand is stored. */
  preregisteredClientId?: string;
  /** Whether a client registered at an earlier sign-in is stored for this issuer. */
  hasRegistration?(issuer: string): Promise<boolean>;
  /** Every secret value (tokens, keys, client secrets) that must never appear in a report. */
  secrets: string[];
}

export interface AuthProbeDeps {
  /** The guarded fetch for authorization-server traffic (sign-in's address policy). */
  fetch: FetchLike;
  maxBytes: number;
  secrets: readonly string[];
  /** Plain http to this machine is acceptable for authorization endpoints (local mode). */
  allowLoopbackHttp: boolean;
}

export interface ResourceFacts {
  /** The authorization server to ask: the first one the metadata names, or the server's origin. */
  authorizationServer: string;
  scopes?: string;
  /** The metadata's `scopes_supported` (server text, at most 10). */
  scopesSupported?: string[];
}

/** Where the protected resource metadata is, which URLs were tried, and what came back. */
export async function probeResourceMetadata(serverUrl: URL, challengeHeader: string | null, deps: AuthProbeDeps, ctx: StepContext): Promise<StepResult<ResourceFacts>> {
  const challenge = parseAuthChallenge(challengeHeader, 401);
  const said = challengeHeader
    ? `The challenge names ${challenge.resourceMetadataUrl ? `resource_metadata ${showUrl(challenge.resourceMetadataUrl, deps.secrets)}` : 'no resource_metadata'}${challenge.scope ? ` and scope "${quoteServerText(challenge.scope, deps.secrets, 200)}"` : ''}.`
    : 'The 401 carries no WWW-Authenticate challenge.';
  // RFC 9728 §3.1 and the MCP spec: the URL from the challenge alone; otherwise the
  // path-aware well-known URL, then the root one.
  const candidates = challenge.resourceMetadataUrl
    ? [new URL(challenge.resourceMetadataUrl)]
    : wellKnownUrls(serverUrl, 'oauth-protected-resource');
  const tried: string[] = [];
  let found: { url: URL; answer: HttpAnswer } | undefined;
  let last: HttpAnswer | undefined;
  for (const url of candidates) {
    const result = await getMetadata(url, deps, ctx);
    if ('error' in result) {
      tried.push(`${showUrl(url, deps.secrets)} → ${result.error}`);
      return {
        status: 'fail',
        detail: `${said} Tried ${tried.join('; ')}.`,
        advice: 'The protected resource metadata could not be fetched: if the address was refused, the server points sign-in somewhere this deployment does not go.',
      };
    }
    last = result.answer;
    tried.push(`${showUrl(url, deps.secrets)} → ${describeHead(result.answer)}`);
    if (result.answer.status === 200) {
      found = { url, answer: result.answer };
      break;
    }
    // As the SDK does: on to the next URL for a client error or a bad gateway, stop at a server error.
    if (result.answer.status >= 500 && result.answer.status !== 502) break;
  }
  const triedText = `Tried ${tried.join('; ')}.`;
  const origin = new URL('/', serverUrl).href;
  if (!found) {
    if (last && last.status >= 500 && last.status !== 502) {
      return { status: 'fail', detail: `${said} ${triedText} The server failed.`, excerpt: excerptOf(last.body, deps.secrets), advice: 'The server fails to serve its sign-in metadata: tell its operator.' };
    }
    return {
      status: 'warn',
      detail: `${said} ${triedText} No protected resource metadata, so (as for servers older than the 2025-06-18 spec) the authorization server is assumed at ${showUrl(origin)}.`,
      excerpt: last ? excerptOf(last.body, deps.secrets) : undefined,
      value: { authorizationServer: origin, scopes: challenge.scope },
    };
  }
  const excerpt = excerptOf(found.answer.body, deps.secrets);
  const parsed = parseJsonObject(found.answer);
  if (!parsed.ok) {
    return { status: 'fail', detail: `${said} ${triedText} ${capitalize(parsed.problem)}.`, excerpt, advice: "The server's sign-in metadata is broken: tell its operator." };
  }
  const metadata = parsed.value;
  const resource = metadata.resource;
  const servers = Array.isArray(metadata.authorization_servers) ? metadata.authorization_servers.filter((s): s is string => typeof s === 'string' && URL.canParse(s)) : [];
  if (typeof resource !== 'string' || !URL.canParse(resource)) {
    return { status: 'fail', detail: `${said} ${triedText} The metadata has no valid "resource".`, excerpt, advice: "The server's sign-in metadata is broken: tell its operator." };
  }
  const expected = resourceUrlFromServerUrl(serverUrl);
  if (!checkResourceAllowed({ requestedResource: expected, configuredResource: resource })) {
    return {
      status: 'fail',
      detail: `${said} ${triedText} The metadata is for resource ${showUrl(resource, deps.secrets)}, not for this server (${showUrl(expected)}): a token for it would not be meant for this server, so Patchbay refuses to sign in.`,
      excerpt,
      advice: 'The server publishes metadata for another resource: tell its operator (its "resource" must be the MCP endpoint URL).',
    };
  }
  if (servers.length === 0) {
    return {
      status: 'warn',
      detail: `${said} ${triedText} Resource ${showUrl(resource, deps.secrets)} matches, but no authorization server is named; ${showUrl(origin)} is assumed.`,
      excerpt,
      value: { authorizationServer: origin, scopes: challenge.scope },
    };
  }
  const scopes = Array.isArray(metadata.scopes_supported) ? metadata.scopes_supported.filter((s) => typeof s === 'string').slice(0, 10) : [];
  return {
    status: 'ok',
    detail: `${said} ${triedText} Resource ${showUrl(resource, deps.secrets)} matches this server; authorization server ${servers
      .slice(0, 3)
      .map((s) => quoteServerText(s, deps.secrets, 200))
      .join(', ')}${scopes.length > 0 ? `; scopes supported: ${quoteServerText(scopes.join(' '), deps.secrets, 200)}` : ''}.`,
    excerpt,
    value: { authorizationServer: servers[0], scopes: challenge.scope, scopesSupported: scopes.map((scope) => quoteServerText(scope, deps.secrets, 100)) },
  };
}

export interface AuthorizationServerFacts {
  issuer: string;
  registrationEndpoint?: string;
  clientIdMetadataDocuments: boolean;
}

/** The authorization server's metadata from the URLs the spec lists, in its order, and what a sign-in needs of it. */
export async function probeAuthorizationServer(issuer: string, deps: AuthProbeDeps, ctx: StepContext, machineClient: boolean): Promise<StepResult<AuthorizationServerFacts>> {
  let candidates: Array<{ url: URL; type: string }>;
  try {
    candidates = buildDiscoveryUrls(issuer);
  } catch {
    return { status: 'fail', detail: `The authorization server "${quoteServerText(issuer, deps.secrets, 120)}" is not a URL.`, advice: "The server's sign-in metadata is broken: tell its operator." };
  }
  const tried: string[] = [];
  let found: HttpAnswer | undefined;
  let last: HttpAnswer | undefined;
  for (const { url } of candidates) {
    const result = await getMetadata(url, deps, ctx);
    if ('error' in result) {
      tried.push(`${showUrl(url, deps.secrets)} → ${result.error}`);
      return {
        status: 'fail',
        detail: `Tried ${tried.join('; ')}.`,
        advice: 'The authorization server could not be reached from this deployment: check the address the server names, and the address policy.',
      };
    }
    last = result.answer;
    tried.push(`${showUrl(url, deps.secrets)} → ${describeHead(result.answer)}`);
    if (result.answer.status === 200) {
      found = result.answer;
      break;
    }
    if (result.answer.status >= 500 && result.answer.status !== 502) break;
  }
  const triedText = `Tried ${tried.join('; ')}.`;
  if (!found) {
    return {
      status: 'fail',
      detail: `${triedText} No authorization server metadata at ${showUrl(issuer, deps.secrets)}.`,
      excerpt: last ? excerptOf(last.body, deps.secrets) : undefined,
      advice: 'The authorization server publishes no metadata where the spec says to look, so Patchbay cannot sign in there: tell the server\'s operator.',
    };
  }
  const excerpt = excerptOf(found.body, deps.secrets);
  const parsed = parseJsonObject(found);
  if (!parsed.ok) return { status: 'fail', detail: `${triedText} ${capitalize(parsed.problem)}.`, excerpt, advice: "The authorization server's metadata is broken: tell its operator." };
  const m = parsed.value;
  const problems: string[] = [];
  const notes: string[] = [];
  // RFC 8414 §3.3: the metadata must be about the issuer it was fetched for (mix-up attacks).
  const issuerMatches = m.issuer === issuer || (issuer.endsWith('/') && m.issuer === issuer.slice(0, -1));
  if (issuerMatches) notes.push('issuer matches');
  else problems.push(`issuer mismatch: the metadata says ${typeof m.issuer === 'string' ? `"${quoteServerText(m.issuer, deps.secrets, 120)}"` : 'nothing'}, but it was fetched for "${quoteServerText(issuer, deps.secrets, 120)}" (RFC 8414 §3.3)`);
  const methods = Array.isArray(m.code_challenge_methods_supported) ? m.code_challenge_methods_supported.map(String) : undefined;
  if (methods?.includes('S256')) notes.push('PKCE S256 advertised');
  else {
    const text = `PKCE S256 is missing: code_challenge_methods_supported ${methods ? `lists only ${quoteServerText(methods.join(', ') || 'nothing', deps.secrets, 80)}` : 'is absent'}, and the MCP authorization spec requires S256`;
    // A machine client never uses the authorization endpoint, so PKCE does not concern it.
    if (machineClient) notes.push(`${text} (a machine client does not need it)`);
    else problems.push(text);
  }
  for (const field of ['authorization_endpoint', 'token_endpoint'] as const) {
    const problem = checkEndpoint(m[field], deps.allowLoopbackHttp);
    if (problem && !(machineClient && field === 'authorization_endpoint')) problems.push(`${field} ${problem}`);
  }
  const responseTypes = Array.isArray(m.response_types_supported) ? m.response_types_supported.map(String) : [];
  if (!machineClient && !responseTypes.includes('code')) problems.push('response_types_supported does not list "code"');
  const registrationEndpoint = typeof m.registration_endpoint === 'string' && URL.canParse(m.registration_endpoint) ? m.registration_endpoint : undefined;
  notes.push(registrationEndpoint ? `registration endpoint ${showUrl(registrationEndpoint, deps.secrets)}` : 'no registration endpoint');
  const cimd = m.client_id_metadata_document_supported === true;
  notes.push(cimd ? 'client ID metadata documents supported' : 'no client ID metadata documents');
  const value = { issuer: typeof m.issuer === 'string' ? m.issuer : issuer, ...(registrationEndpoint ? { registrationEndpoint } : {}), clientIdMetadataDocuments: cimd };
  if (problems.length > 0) {
    const s256 = problems.some((p) => p.startsWith('PKCE'));
    return {
      status: 'fail',
      detail: `${triedText} ${capitalize(problems.join('; '))}. (${notes.join('; ')}.)`,
      excerpt,
      advice: s256
        ? 'The authorization server does not advertise PKCE with S256, so Patchbay will not sign in there: ask its operator to list S256 in code_challenge_methods_supported.'
        : 'Patchbay refuses to sign in with this authorization server as it is: tell its operator what is listed here.',
      value,
    };
  }
  return { status: 'ok', detail: `${triedText} ${capitalize(notes.join('; '))}.`, excerpt, value };
}

/** Which client a sign-in would use, in the order the SDK's `auth()` picks, without registering anything. */
export async function chooseRegistration(as: AuthorizationServerFacts, stored: StoredSignIn | undefined, clientMetadataUrl: string | undefined): Promise<StepResult> {
  if (stored?.machineClientId) {
    return { status: 'ok', detail: `The stored machine client "${quoteServerText(stored.machineClientId, stored.secrets, 80)}" would be used (client credentials grant; its secret or key is not shown). Nothing would be registered.` };
  }
  if (stored?.preregisteredClientId) {
    return { status: 'ok', detail: `The client registered by hand, "${quoteServerText(stored.preregisteredClientId, stored.secrets, 80)}", would be used. Nothing would be registered.` };
  }
  if (stored?.hasRegistration && (await stored.hasRegistration(as.issuer))) {
    return { status: 'ok', detail: 'The client registered with this authorization server at an earlier sign-in would be used again.' };
  }
  if (as.clientIdMetadataDocuments && clientMetadataUrl) {
    return { status: 'ok', detail: `Client ID metadata document: Patchbay would identify itself as ${showUrl(clientMetadataUrl)}; nothing to register.` };
  }
  const cimdUnusable = as.clientIdMetadataDocuments ? ' (the server supports client ID metadata documents, but Patchbay has no public https URL to be identified by; set PATCHBAY_PUBLIC_URL to use them)' : '';
  if (as.registrationEndpoint) {
    return { status: 'ok', detail: `Dynamic client registration at ${showUrl(as.registrationEndpoint)} would be used${cimdUnusable}.` };
  }
  return {
    status: 'fail',
    detail: `The authorization server offers no registration endpoint${as.clientIdMetadataDocuments ? '' : ' and no client ID metadata documents'}${cimdUnusable}, and no client is stored for it.`,
    advice: 'Register a client with the authorization server by hand, then sign in with it: `patchbay login <name> --client-id <id>`.',
  };
}

/** How long before expiry a token is refreshed: 30 s, or the last quarter of a short life (as sign-in does). */
const REFRESH_SKEW_MS = 30_000;

/** What the person has stored for the connector, and whether a refresh would be tried. Values are never shown. */
export function describeStoredSignIn(stored: StoredSignIn, refused: boolean, now: number): StepResult {
  if (stored.kind === 'headers' || stored.kind === 'basic') {
    const what = stored.kind === 'basic' ? 'a user name and password' : `headers ${Object.keys(stored.headers ?? {}).map((h) => quoteServerText(h, [], 40)).join(', ') || '(none)'}`;
    if (!stored.headers) return { status: 'fail', detail: `The connector signs in with ${stored.kind === 'basic' ? 'a password' : 'headers'}, but none are stored.`, advice: 'Store them again with `patchbay auth <name>`.' };
    if (refused) {
      return { status: 'fail', detail: `Stored: ${what} (values not shown). The server refused them (HTTP 401).`, advice: 'The stored key or password is wrong or was revoked: update it with `patchbay auth <name>`.' };
    }
    return { status: 'ok', detail: `Stored: ${what} (values not shown), sent with every request.` };
  }
  if (stored.kind === 'none') {
    return refused
      ? { status: 'warn', detail: 'Nothing is stored for this connector, and the server wants sign-in.' }
      : { status: 'ok', detail: 'The connector signs in with nothing, and the server asked for nothing.' };
  }
  const tokens = stored.tokens;
  const machine = stored.machineClientId !== undefined;
  if (!tokens) {
    return {
      status: 'fail',
      detail: `No token is stored${stored.issuer ? ` for ${showUrl(stored.issuer)}` : ''}: the sign-in was not finished, or was removed.`,
      advice: machine ? 'Sign in again as the machine client: `patchbay login <name> --client-credentials`.' : 'Sign in: `patchbay login <name>`.',
    };
  }
  const parts = [`An access token from ${stored.issuer ? showUrl(stored.issuer) : 'the authorization server'} is stored (value not shown)`];
  let expiringSoon = false;
  let expired = false;
  if (tokens.expires_in === undefined) parts.push('with no stated expiry');
  else {
    const lifeMs = tokens.expires_in * 1000;
    const expiresAt = tokens.obtained_at + lifeMs;
    expired = now >= expiresAt;
    expiringSoon = now >= expiresAt - Math.min(REFRESH_SKEW_MS, lifeMs / 4);
    parts.push(expired ? `it expired ${formatDuration(now - expiresAt)} ago (${new Date(expiresAt).toISOString()})` : `it expires in ${formatDuration(expiresAt - now)} (${new Date(expiresAt).toISOString()})`);
  }
  if (tokens.scope) parts.push(`scope "${quoteServerText(tokens.scope, stored.secrets, 200)}"`);
  const canRefresh = tokens.refresh_token !== undefined || machine;
  parts.push(machine ? 'a machine client, which asks for a new token when one is needed' : tokens.refresh_token ? 'a refresh token is stored' : 'no refresh token');
  const needed = refused || expiringSoon;
  const refresh = !needed
    ? 'No refresh is needed yet.'
    : canRefresh
      ? `A refresh would be attempted before the next request${refused ? ', since the server refused this token' : ''}.`
      : `A refresh cannot be attempted (no refresh token)${refused ? ', and the server refused this token' : ''}.`;
  const detail = `${parts.join('; ')}. ${refresh}`;
  if (needed && !canRefresh) return { status: 'fail', detail, advice: 'The sign-in has run out and cannot be renewed: sign in again with `patchbay login <name>`.' };
  if (refused) return { status: 'warn', detail, advice: 'The server refused the stored token: Patchbay refreshes it on the next request; if that fails, sign in again with `patchbay login <name>`.' };
  return { status: 'ok', detail };
}

type MetadataResult = { answer: HttpAnswer } | { error: string };

async function getMetadata(url: URL, deps: AuthProbeDeps, ctx: StepContext): Promise<MetadataResult> {
  try {
    const response = await deps.fetch(url.href, { method: 'GET', headers: { 'mcp-protocol-version': LATEST_PROTOCOL_VERSION, accept: 'application/json' }, signal: ctx.signal });
    const answer = await readAnswer(response, {
      maxBytes: deps.maxBytes,
      onProgress: (a) => ctx.progress(`GET ${showUrl(url, deps.secrets)} → ${describeHead(a)}`, excerptOf(a.body, deps.secrets)),
    });
    return { answer };
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return { error: quoteServerText(describeFailure(error), deps.secrets, 300) };
  }
}

/** RFC 9728 §3.1 / RFC 8414 §3.1: the well-known suffix inserted before the path, then at the root. */
function wellKnownUrls(serverUrl: URL, suffix: string): URL[] {
  const path = serverUrl.pathname.endsWith('/') ? serverUrl.pathname.slice(0, -1) : serverUrl.pathname;
  const root = new URL(`/.well-known/${suffix}`, serverUrl.origin);
  if (path === '' || path === '/') return [root];
  return [new URL(`/.well-known/${suffix}${path}`, serverUrl.origin), root];
}

function checkEndpoint(value: unknown, allowLoopbackHttp: boolean): string | undefined {
  if (typeof value !== 'string' || value === '') return 'is missing';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `"${quoteServerText(value, [], 80)}" is not a URL`;
  }
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && allowLoopbackHttp && isLoopbackHost(url.hostname)) return undefined;
  return `is not an https URL (${quoteServerText(url.protocol, [], 20)})`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
