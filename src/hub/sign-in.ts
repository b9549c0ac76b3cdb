import { createHash, randomBytes } from 'node:crypto';
import { auth, type OAuthDiscoveryState } from '@modelcontextprotocol/client';
import {
  CHALLENGE,
  type ClientCredentials,
  CONFIGURED,
  PatchbayOAuthProvider,
  type PreregisteredClient,
  type SavedTokens,
  type Vault,
  validateClientCredentials,
  validatePreregisteredClient,
} from '../auth/index.ts';
import { PatchbayError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { AuthChallenge, BearerAuth, FetchLike } from '../mcp/index.ts';
import type { Connector, Store } from '../store/index.ts';
import { isLoopbackHost } from './connector-rules.ts';
import { createOAuthStorage } from './oauth-storage.ts';
import { selectSignInScope } from './sign-in-scope.ts';

/** How long a person has to finish signing in. */
const FLOW_TTL_MS = 10 * 60 * 1000;
/** Refresh this long before the access token expires (at most; see `#expiresSoon`). */
const REFRESH_SKEW_S = 30;
const LEASE_MS = 30_000;
const FLOW_KIND = 'oauth-flow';

interface RefreshCondition {
  /** The token the server refused (or that is about to expire): refresh only while it is still the stored one. */
  staleToken: string | undefined;
}

export type SignInStart =
  | { status: 'redirect'; authorizationUrl: string; state: string; scopes: string[]; expiresAt: string; redirectUrl: string }
  | { status: 'signed-in' };

interface FlowSecrets {
  verifier: string;
  redirectUrl: string;
  discovery: OAuthDiscoveryState | undefined;
}

export interface SignInDeps {
  store: Store;
  vault: Vault;
  /** The fetch for authorization-server traffic (guarded against private addresses). */
  fetch: FetchLike;
  /** The web callback (`<public url>/oauth/callback`), used when a flow names no other. */
  redirectUrl: string;
  clientMetadataUrl?: string;
  /** The CLI's loopback callback, also listed in the client metadata document. */
  loginRedirectUrl?: string;
  /** Loopback http is fine for authorization endpoints in local mode. */
  allowLoopbackHttp: boolean;
  logger: Logger;
  now?: () => number;
}

/**
 * OAuth 2.1 sign-in as the MCP authorization spec describes, on the SDK's `auth()`:
 * Patchbay supplies the encrypted storage, the single-use `state`, the checks before
 * anything is opened, and refresh that happens once even when many calls (or several
 * processes) find the token expired at the same moment.
 */
/** The OAuth clients a person set up for a connector, as they may be shown: no secret, no key. */
export interface ConfiguredOAuthClients {
  /** A client registered by hand, used by interactive sign-in. */
  preregistered: { client_id: string; token_endpoint_auth_method: string | null; has_secret: boolean } | null;
  /** A machine client (client credentials grant), kept once it signed in. */
  machine: { client_id: string; token_endpoint_auth_method: string | null; scope: string | null; has_secret: boolean; has_private_key: boolean } | null;
}

export class SignIn {
  readonly #deps: SignInDeps;
  readonly #refreshing = new Map<string, Promise<void>>();

  #redirectUrl: string;

  constructor(deps: SignInDeps) {
    this.#deps = deps;
    this.#redirectUrl = deps.redirectUrl;
  }

  /** The web callback, once the address the server listens on is known (a port chosen at start). */
  setRedirectUrl(url: string): void {
    this.#redirectUrl = url;
  }

  /**
   * Starts an interactive sign-in: discovery, registration, PKCE, and the URL to send
   * the person to. Returns `signed-in` when stored tokens could simply be refreshed.
   */
  async start(userId: string, connector: Connector, options: { redirectUrl?: string; scope?: string } = {}): Promise<SignInStart> {
    const redirectUrl = options.redirectUrl ?? this.#redirectUrl;
    const target = new URL(redirectUrl);
    // The code comes back only to Patchbay: its own callback, or a listener on this machine (the CLI's).
    if (redirectUrl !== this.#redirectUrl && !(target.protocol === 'http:' && isLoopbackHost(target.hostname))) {
      throw new PatchbayError('VALIDATION_FAILED', `The sign-in can only return to ${this.#redirectUrl} or to a loopback address on this machine.`);
    }
    const storage = createOAuthStorage(this.#deps.store, this.#deps.vault, userId, connector.id);
    const machine = await storage.load<ClientCredentials>('oauth-client-credentials', CONFIGURED);
    // A machine client has nobody to send anywhere: signing in is asking for a token.
    if (machine) {
      await this.#runAuth(connector, this.#provider(userId, connector, { clientCredentials: machine, freshDiscovery: true }), { scope: options.scope ?? machine.scope });
      return { status: 'signed-in' };
    }
    const challenge = await storage.load<AuthChallenge>('oauth-challenge', CHALLENGE);
    const state = randomBytes(32).toString('base64url');
    // Discovery starts afresh: the server may have moved to another authorization server since.
    const provider = this.#provider(userId, connector, { redirectUrl, state, freshDiscovery: true, onRedirect: (url) => this.#checkAuthorizationUrl(url, provider, connector) });
    const scope = selectSignInScope({ requested: options.scope, challenge, granted: (await provider.savedTokens())?.scope });
    // A person signing in wants a new authorization (new account, more scopes), not a refresh.
    const result = await this.#runAuth(connector, provider, { scope, resourceMetadataUrl: challenge?.resourceMetadataUrl, forceReauthorization: true });
    if (result === 'AUTHORIZED' && !provider.authorizationUrl) return { status: 'signed-in' };
    const authorizationUrl = provider.authorizationUrl!;
    const now = this.#now();
    const secrets: FlowSecrets = { verifier: provider.pendingCodeVerifier!, redirectUrl, discovery: provider.pendingDiscovery };
    const id = flowId(state);
    const binding = { userId, connectorId: connector.id, issuer: id, kind: FLOW_KIND };
    await this.#deps.store.signInFlows.prune(new Date(now).toISOString()).catch(() => 0);
    await this.#deps.store.signInFlows.create({
      id,
      userId,
      connectorId: connector.id,
      ciphertext: this.#deps.vault.sealJson(secrets, binding),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + FLOW_TTL_MS).toISOString(),
    });
    return {
      status: 'redirect',
      authorizationUrl: authorizationUrl.toString(),
      state,
      scopes: (authorizationUrl.searchParams.get('scope') ?? '').split(' ').filter(Boolean),
      expiresAt: new Date(now + FLOW_TTL_MS).toISOString(),
      redirectUrl,
    };
  }

  /**
   * Patchbay's client ID metadata document (served at `clientMetadataUrl`), or undefined
   * when Patchbay has no public https URL to be identified by.
   * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-client-id-metadata-document/
   */
  clientMetadataDocument(): Record<string, unknown> | undefined {
    const { clientMetadataUrl, loginRedirectUrl } = this.#deps;
    const redirectUrl = this.#redirectUrl;
    if (!clientMetadataUrl) return undefined;
    return {
      client_id: clientMetadataUrl,
      client_name: 'Patchbay',
      client_uri: new URL('/', clientMetadataUrl).toString(),
      redirect_uris: [redirectUrl, ...(loginRedirectUrl ? [loginRedirectUrl] : [])],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  /**
   * Finishes a sign-in from the callback's query: the `state` must name a flow that is
   * unused and unexpired (and, when given, belongs to `userId`); `iss` is checked
   * against the issuer recorded before the redirect (RFC 9207); the code is redeemed.
   */
  async finish(params: URLSearchParams, loadConnector: (id: string) => Promise<Connector | undefined>, expectedUserId?: string): Promise<{ userId: string; connector: Connector }> {
    const state = params.get('state');
    if (!state) throw flowError('The sign-in answer has no state parameter, so it cannot be matched to a sign-in you started. Start the sign-in again.');
    const flow = await this.#deps.store.signInFlows.take(flowId(state));
    if (!flow) throw flowError('This sign-in link is unknown, already used, or older than 10 minutes. Start the sign-in again.');
    if (expectedUserId !== undefined && flow.userId !== expectedUserId) throw flowError('This sign-in was started by someone else. Start your own sign-in.');
    const connector = await loadConnector(flow.connectorId);
    if (!connector) throw new PatchbayError('CONNECTOR_NOT_FOUND', 'The connector was removed while you were signing in.');
    const secrets = this.#deps.vault.openJson<FlowSecrets>(flow.ciphertext, { userId: flow.userId, connectorId: flow.connectorId, issuer: flow.id, kind: FLOW_KIND });
    const error = params.get('error');
    if (error) {
      // Shown to the person as plain text by every surface; never interpreted.
      const description = params.get('error_description');
      throw new PatchbayError('AUTH_REQUIRED', `The server did not grant access (${error.slice(0, 100)}${description ? `: ${description.slice(0, 300)}` : ''}). Start the sign-in again if that was a mistake.`, {
        details: { connector: connector.name, oauthError: error.slice(0, 100) },
      });
    }
    const code = params.get('code');
    if (!code) throw flowError('The sign-in answer has no authorization code. Start the sign-in again.');
    const provider = this.#provider(flow.userId, connector, { redirectUrl: secrets.redirectUrl, codeVerifier: secrets.verifier, discovery: secrets.discovery });
    await this.#runAuth(connector, provider, { authorizationCode: code, iss: params.get('iss') ?? undefined });
    await createOAuthStorage(this.#deps.store, this.#deps.vault, flow.userId, connector.id).remove('oauth-challenge', CHALLENGE);
    return { userId: flow.userId, connector };
  }

  /**
   * Signs in as a machine client with the `client_credentials` grant: no person, no
   * redirect. The client is kept (sealed) only once the server has issued a token with
   * it, and asked again for a token whenever the last one expires or is refused.
   */
  async signInWithClientCredentials(userId: string, connector: Connector, input: ClientCredentials): Promise<void> {
    const machine = validateClientCredentials(input);
    const storage = createOAuthStorage(this.#deps.store, this.#deps.vault, userId, connector.id);
    const challenge = await storage.load<AuthChallenge>('oauth-challenge', CHALLENGE);
    const scope = selectSignInScope({ requested: machine.scope, challenge });
    const provider = this.#provider(userId, connector, { clientCredentials: machine, freshDiscovery: true });
    await this.#runAuth(connector, provider, { scope, resourceMetadataUrl: challenge?.resourceMetadataUrl });
    await storage.save('oauth-client-credentials', CONFIGURED, scope ? { ...machine, scope } : machine);
    await storage.remove('oauth-challenge', CHALLENGE);
  }

  /**
   * Stores a client registered by hand with the server's authorization server; the
   * next interactive sign-in uses it instead of registering. It replaces a machine
   * client: from now on a person signs in.
   */
  async setPreregisteredClient(userId: string, connector: Connector, input: PreregisteredClient): Promise<PreregisteredClient> {
    const client = validatePreregisteredClient(input);
    const storage = createOAuthStorage(this.#deps.store, this.#deps.vault, userId, connector.id);
    await storage.save('oauth-preregistered', CONFIGURED, client);
    await storage.remove('oauth-client-credentials', CONFIGURED);
    return client;
  }

  /** The OAuth clients this user configured for the connector, without their secrets or keys. */
  async configuredClients(userId: string, connectorId: string): Promise<ConfiguredOAuthClients> {
    const storage = createOAuthStorage(this.#deps.store, this.#deps.vault, userId, connectorId);
    const preregistered = await storage.load<PreregisteredClient>('oauth-preregistered', CONFIGURED);
    const machine = await storage.load<ClientCredentials>('oauth-client-credentials', CONFIGURED);
    return {
      preregistered: preregistered
        ? { client_id: preregistered.client_id, token_endpoint_auth_method: preregistered.token_endpoint_auth_method ?? null, has_secret: preregistered.client_secret !== undefined }
        : null,
      machine: machine
        ? {
            client_id: machine.client_id,
            token_endpoint_auth_method: machine.token_endpoint_auth_method ?? null,
            scope: machine.scope ?? null,
            has_secret: machine.client_secret !== undefined,
            has_private_key: machine.private_key_pem !== undefined,
          }
        : null,
    };
  }

  /** Keeps what the server asked for when it refused (scope, metadata URL), for the next sign-in. */
  async rememberChallenge(userId: string, connectorId: string, challenge: AuthChallenge): Promise<void> {
    await createOAuthStorage(this.#deps.store, this.#deps.vault, userId, connectorId).save('oauth-challenge', CHALLENGE, challenge);
  }

  /** For a connector that holds no OAuth sign-in: sends no token, but remembers the server's challenge when it asks for one. */
  challengeRecorder(userId: string, connectorId: string): BearerAuth {
    return {
      token: async () => undefined,
      refused: async () => {},
      challenged: (challenge) => this.rememberChallenge(userId, connectorId, challenge),
    };
  }

  /**
   * The bearer-token source a session uses: refreshes shortly before expiry, and when
   * the server refuses a token, once per (user, connector) even under concurrency and
   * across processes.
   */
  bearerAuth(userId: string, connector: Connector): BearerAuth {
    return {
      token: async () => {
        const provider = this.#provider(userId, connector);
        const saved = await provider.savedTokens();
        if (saved && this.#expiresSoon(saved) && (saved.refresh_token || (await provider.storedClientCredentials()))) {
          await this.refresh(userId, connector, { staleToken: saved.access_token });
          return (await provider.savedTokens())?.access_token;
        }
        return saved?.access_token;
      },
      refused: (token) => this.refresh(userId, connector, { staleToken: token }),
      challenged: (challenge) => this.rememberChallenge(userId, connector.id, challenge),
    };
  }

  /**
   * Forgets this user's sign-in: the tokens and which issuer they came from. The client
   * registration and a client configured by hand stay, so signing in again asks no more
   * than the server itself does.
   */
  async forget(userId: string, connectorId: string): Promise<void> {
    const storage = createOAuthStorage(this.#deps.store, this.#deps.vault, userId, connectorId);
    await storage.remove('oauth-tokens');
    await storage.remove('oauth-current');
  }

  /**
   * Revokes this user's tokens at the authorization server (RFC 7009), when it offers a
   * revocation endpoint. Best effort: a server that is down does not keep a person from
   * removing a connector. Returns how many tokens the server accepted to revoke.
   */
  async revoke(userId: string, connector: Connector): Promise<number> {
    const provider = this.#provider(userId, connector);
    const issuer = await provider.currentIssuer();
    const tokens = issuer ? await provider.tokens({ issuer }) : undefined;
    const metadata = (await provider.discoveryState())?.authorizationServerMetadata as { revocation_endpoint?: string } | undefined;
    const endpoint = metadata?.revocation_endpoint;
    if (!issuer || !tokens || !endpoint) return 0;
    // Not clientInformation(): that refuses a registration made for another redirect URI
    // (the CLI's loopback listener), and such a client can still revoke its tokens.
    // A machine client (client credentials) is not a registration: its own id and secret revoke.
    // One that signs with a private key is left to expire: a revocation request would need a
    // client assertion of its own.
    const machine = await createOAuthStorage(this.#deps.store, this.#deps.vault, userId, connector.id).load<ClientCredentials>('oauth-client-credentials', CONFIGURED);
    const client = (await provider.storedClient(issuer)) ?? (machine && !machine.private_key_pem ? machine : undefined);
    if (!client) return 0;
    let revoked = 0;
    const candidates: Array<[string, string]> = [];
    if (tokens.refresh_token) candidates.push([tokens.refresh_token, 'refresh_token']);
    candidates.push([tokens.access_token, 'access_token']);
    for (const [token, hint] of candidates) {
      const body = new URLSearchParams({ token, token_type_hint: hint });
      const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
      const secret = (client as { client_secret?: string }).client_secret;
      const method = (client as { token_endpoint_auth_method?: string }).token_endpoint_auth_method ?? (secret ? 'client_secret_basic' : 'none');
      if (method === 'client_secret_basic' && secret) {
        headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(client.client_id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
      } else {
        body.set('client_id', client.client_id);
        if (method === 'client_secret_post' && secret) body.set('client_secret', secret);
      }
      try {
        const response = await this.#deps.fetch(endpoint, { method: 'POST', headers, body: body.toString(), redirect: 'manual' });
        await response.body?.cancel().catch(() => {});
        if (response.ok) revoked++;
        else this.#deps.logger.warn('token revocation refused', { connector: connector.name, status: response.status });
      } catch (error) {
        this.#deps.logger.warn('token revocation failed', { connector: connector.name, error });
      }
    }
    return revoked;
  }

  /** Refreshes unless someone already did (the stored token is no longer `staleToken`); one at a time per (user, connector). */
  refresh(userId: string, connector: Connector, condition: RefreshCondition): Promise<void> {
    const key = `${userId}:${connector.id}`;
    const running = this.#refreshing.get(key);
    if (running) return running;
    const promise = this.#refreshUnderLease(userId, connector, condition, key).finally(() => this.#refreshing.delete(key));
    this.#refreshing.set(key, promise);
    return promise;
  }

  async #refreshUnderLease(userId: string, connector: Connector, condition: RefreshCondition, key: string): Promise<void> {
    const holder = randomBytes(12).toString('hex');
    const lease = `oauth-refresh:${key}`;
    const deadline = this.#now() + LEASE_MS;
    for (let wait = 25; !(await this.#deps.store.leases.acquire(lease, holder, LEASE_MS)); wait = Math.min(wait * 2, 500)) {
      if (this.#now() > deadline) throw new PatchbayError('TIMEOUT', `Another Patchbay process has been refreshing the sign-in of "${connector.name}" for too long. Try again.`);
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
    try {
      const provider = this.#provider(userId, connector);
      const current = await provider.savedTokens();
      // Someone (this process or another) already replaced the refused token.
      if (current && current.access_token !== condition.staleToken && !this.#expiresSoon(current)) return;
      // A machine client has no refresh token: it asks for a new token the way it got the first.
      const machine = await provider.storedClientCredentials();
      if (machine) await this.#runAuth(connector, this.#provider(userId, connector, { clientCredentials: machine }), { scope: machine.scope });
      else await this.#runAuth(connector, provider, {});
    } finally {
      await this.#deps.store.leases.release(lease, holder).catch(() => {});
    }
  }

  async #runAuth(
    connector: Connector,
    provider: PatchbayOAuthProvider,
    options: { authorizationCode?: string; iss?: string; scope?: string; forceReauthorization?: boolean; resourceMetadataUrl?: string },
  ) {
    const { resourceMetadataUrl, ...rest } = options;
    try {
      return await auth(provider, { serverUrl: connector.url, fetchFn: this.#deps.fetch, ...rest, ...(resourceMetadataUrl ? { resourceMetadataUrl: new URL(resourceMetadataUrl) } : {}) });
    } catch (error) {
      throw toSignInError(error, connector);
    }
  }

  #provider(
    userId: string,
    connector: Connector,
    flow: {
      redirectUrl?: string;
      state?: string;
      onRedirect?: (url: URL) => void;
      codeVerifier?: string;
      discovery?: OAuthDiscoveryState;
      freshDiscovery?: boolean;
      clientCredentials?: ClientCredentials;
    } = {},
  ): PatchbayOAuthProvider {
    return new PatchbayOAuthProvider({
      storage: createOAuthStorage(this.#deps.store, this.#deps.vault, userId, connector.id),
      redirectUrl: flow.redirectUrl ?? this.#redirectUrl,
      clientMetadataUrl: this.#deps.clientMetadataUrl,
      connector: connector.name,
      state: flow.state,
      onRedirect: flow.onRedirect,
      codeVerifier: flow.codeVerifier,
      discovery: flow.discovery,
      freshDiscovery: flow.freshDiscovery,
      clientCredentials: flow.clientCredentials,
      now: this.#deps.now,
    });
  }

  /** Runs before the person is sent anywhere: refuse what the spec forbids, open nothing. */
  #checkAuthorizationUrl(url: URL, provider: PatchbayOAuthProvider, connector: Connector): void {
    const loopbackHttp = url.protocol === 'http:' && isLoopbackHost(url.hostname) && this.#deps.allowLoopbackHttp;
    if (url.protocol !== 'https:' && !loopbackHttp) {
      throw new PatchbayError(
        'SSRF_BLOCKED',
        `The server of "${connector.name}" named an authorization address that is not https (${url.protocol}); Patchbay will not open it.`,
        { details: { connector: connector.name } },
      );
    }
    const methods = provider.pendingDiscovery?.authorizationServerMetadata?.code_challenge_methods_supported;
    if (!methods?.includes('S256')) {
      throw new PatchbayError(
        'AUTH_REQUIRED',
        `The authorization server of "${connector.name}" does not advertise PKCE with S256 (code_challenge_methods_supported), which the MCP authorization spec requires. Patchbay will not sign in there; ask the server's operator to enable it.`,
        { details: { connector: connector.name } },
      );
    }
  }

  /** True within the last 30 s of the token's life — or its last quarter, for tokens that live under two minutes. */
  #expiresSoon(tokens: SavedTokens): boolean {
    if (tokens.expires_in === undefined) return false;
    const skewMs = Math.min(REFRESH_SKEW_S * 1000, (tokens.expires_in * 1000) / 4);
    return this.#now() >= tokens.obtained_at + tokens.expires_in * 1000 - skewMs;
  }

  #now(): number {
    return this.#deps.now?.() ?? Date.now();
  }
}

function flowId(state: string): string {
  return createHash('sha256').update(state).digest('hex');
}

function flowError(message: string): PatchbayError {
  return new PatchbayError('AUTH_FLOW_INVALID', message);
}

/** Errors from discovery, registration and token requests, with their step named. */
function toSignInError(error: unknown, connector: Connector): PatchbayError {
  if (error instanceof PatchbayError) return error;
  const e = error as { name?: string; message?: string; code?: string };
  const text = String(e?.message ?? error).slice(0, 400);
  const name = e?.name ?? 'Error';
  if (/IssuerMismatch/.test(name)) {
    return new PatchbayError('AUTH_REQUIRED', `Sign-in to "${connector.name}" was refused: the authorization server's issuer does not match (${text}). This can be a mix-up attack; nothing was redeemed.`, {
      cause: error,
    });
  }
  const issues = (error as { issues?: Array<{ path?: unknown[] }> })?.issues;
  if (Array.isArray(issues)) {
    const fields = [...new Set(issues.map((i) => (i.path ?? []).join('.')).filter(Boolean))].slice(0, 5).join(', ');
    const urlField = /endpoint|uri|url|issuer/i.test(fields);
    return new PatchbayError(
      urlField ? 'SSRF_BLOCKED' : 'PROTOCOL_ERROR',
      `The authorization metadata of "${connector.name}" is not acceptable (${fields || 'malformed'})${urlField ? ': it names an address that is not a safe http(s) URL' : ''}. Patchbay did not open anything; tell the server's operator.`,
      { cause: error, details: { connector: connector.name, fields } },
    );
  }
  if (/ECONNREFUSED|fetch failed/i.test(text)) {
    return new PatchbayError('CONNECTOR_UNREACHABLE', `Could not reach the authorization server of "${connector.name}": ${text}`, { cause: error });
  }
  return new PatchbayError('AUTH_REQUIRED', `Signing in to "${connector.name}" failed: ${text}`, { cause: error, details: { connector: connector.name, step: name } });
}
