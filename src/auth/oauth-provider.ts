import type {
  OAuthClientInformationContext,
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client';
import { createPrivateKeyJwtAuth } from '@modelcontextprotocol/client';
import { PatchbayError } from '../core/errors.ts';
import type { ClientCredentials, PreregisteredClient } from './oauth-client-config.ts';

/**
 * Where a provider keeps what it learns, per (user, connector): sealed records keyed
 * by kind and authorization-server issuer. Implemented over the vault and the store.
 */
export interface OAuthStorage {
  load<T>(kind: OAuthRecordKind, issuer: string): Promise<T | undefined>;
  save(kind: OAuthRecordKind, issuer: string, value: unknown): Promise<void>;
  remove(kind: OAuthRecordKind, issuer?: string): Promise<void>;
}

export type OAuthRecordKind =
  | 'oauth-client'
  | 'oauth-tokens'
  | 'oauth-current'
  | 'oauth-discovery'
  | 'oauth-preregistered'
  | 'oauth-client-credentials'
  | 'oauth-challenge';

/** Records that are not per issuer live under these pseudo-issuers. */
export const CURRENT = '#current';
export const DISCOVERY = '#discovery';
export const CONFIGURED = '#configured';
export const CHALLENGE = '#challenge';

/** Tokens as stored: the SDK's, plus when they were obtained (to know when they expire). */
export type SavedTokens = StoredOAuthTokens & { obtained_at: number };

export interface PatchbayOAuthProviderOptions {
  storage: OAuthStorage;
  /** Where the authorization server sends the person back. */
  redirectUrl: string;
  /** Patchbay's client ID metadata document, when it has a public https URL. */
  clientMetadataUrl?: string;
  clientName?: string;
  /** Interactive flows: records the authorization URL; absent, a needed redirect is AUTH_REQUIRED. */
  onRedirect?: (authorizationUrl: URL) => void;
  /** The `state` of an interactive flow. */
  state?: string;
  /** The PKCE verifier of a flow being finished (it lives in the flow, not here). */
  codeVerifier?: string;
  /** Discovery results carried by a flow being finished (its recorded issuer is checked against `iss`). */
  discovery?: OAuthDiscoveryState;
  /** Discover anew instead of reusing stored discovery (a new sign-in: the server may have moved). */
  freshDiscovery?: boolean;
  /** Sign in as this machine client (`client_credentials` grant): no redirect, no person. */
  clientCredentials?: ClientCredentials;
  /** Connector name, for messages. */
  connector: string;
  now?: () => number;
}

/**
 * The SDK's OAuth client provider, backed by Patchbay's encrypted storage. Client
 * registrations and tokens are keyed by the authorization server's issuer and never
 * reused with another one. Pre-registered client details win over any registration.
 * With `clientCredentials` it is a machine client: the SDK then asks for tokens with
 * the `client_credentials` grant, and asks again when they expire.
 */
export class PatchbayOAuthProvider implements OAuthClientProvider {
  readonly #options: PatchbayOAuthProviderOptions;
  #verifier: string | undefined;
  #discovery: OAuthDiscoveryState | undefined;
  /** Set when the SDK decided a redirect is needed. */
  authorizationUrl: URL | undefined;

  constructor(options: PatchbayOAuthProviderOptions) {
    this.#options = options;
    this.#verifier = options.codeVerifier;
    this.#discovery = options.discovery;
  }

  /** Undefined for a machine client: that is how the SDK knows the flow is not interactive. */
  get redirectUrl(): string | undefined {
    return this.#options.clientCredentials ? undefined : this.#options.redirectUrl;
  }

  get clientMetadataUrl(): string | undefined {
    return this.#options.clientMetadataUrl;
  }

  get clientMetadata(): OAuthClientMetadata {
    const machine = this.#options.clientCredentials;
    if (machine) {
      return {
        client_name: this.#options.clientName ?? 'Patchbay',
        redirect_uris: [],
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: machine.token_endpoint_auth_method,
        ...(machine.scope ? { scope: machine.scope } : {}),
      };
    }
    return {
      client_name: this.#options.clientName ?? 'Patchbay',
      redirect_uris: [this.#options.redirectUrl],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
    };
  }

  /** The `client_credentials` token request of a machine client; undefined (authorization code) otherwise. */
  prepareTokenRequest(scope?: string): URLSearchParams | undefined {
    if (!this.#options.clientCredentials) return undefined;
    const params = new URLSearchParams({ grant_type: 'client_credentials' });
    if (scope) params.set('scope', scope);
    return params;
  }

  /** A machine client with a private key authenticates with a signed JWT (RFC 7523 §2.2); others as the SDK chooses. */
  get addClientAuthentication(): OAuthClientProvider['addClientAuthentication'] {
    const machine = this.#options.clientCredentials;
    if (!machine?.private_key_pem) return undefined;
    return createPrivateKeyJwtAuth({ issuer: machine.client_id, subject: machine.client_id, privateKey: machine.private_key_pem, alg: machine.signing_algorithm ?? 'ES256' });
  }

  /** The machine client stored for this connector, if it signs in with client credentials. */
  async storedClientCredentials(): Promise<ClientCredentials | undefined> {
    return this.#options.storage.load<ClientCredentials>('oauth-client-credentials', CONFIGURED);
  }

  state(): string {
    // Only an interactive flow has a state; anywhere else, needing one means needing the person.
    if (!this.#options.state) throw this.#needsSignIn();
    return this.#options.state;
  }

  async clientInformation(ctx?: OAuthClientInformationContext): Promise<StoredOAuthClientInformation | undefined> {
    const machine = this.#options.clientCredentials;
    if (machine) {
      const { client_id, client_secret, token_endpoint_auth_method } = machine;
      return { client_id, ...(client_secret ? { client_secret } : {}), token_endpoint_auth_method, ...(ctx?.issuer ? { issuer: ctx.issuer } : {}) };
    }
    const configured = await this.#options.storage.load<PreregisteredClient>('oauth-preregistered', CONFIGURED);
    if (configured) return { ...configured, ...(ctx?.issuer ? { issuer: ctx.issuer } : {}) };
    if (!ctx?.issuer) return undefined;
    const registered = await this.#options.storage.load<StoredOAuthClientInformation & { redirect_uris?: string[] }>('oauth-client', ctx.issuer);
    // A registration made for another redirect URI (the web callback vs. the CLI's loopback
    // listener) would be refused by the server: register again rather than fail.
    if (registered?.redirect_uris && !registered.redirect_uris.includes(this.#options.redirectUrl)) return undefined;
    return registered;
  }

  /** The client this user holds with `issuer`, whatever redirect URI it was registered with (for revocation). */
  async storedClient(issuer: string): Promise<StoredOAuthClientInformation | undefined> {
    const configured = await this.#options.storage.load<PreregisteredClient>('oauth-preregistered', CONFIGURED);
    if (configured) return { ...configured, issuer };
    return this.#options.storage.load<StoredOAuthClientInformation>('oauth-client', issuer);
  }

  async saveClientInformation(info: StoredOAuthClientInformation, ctx?: OAuthClientInformationContext): Promise<void> {
    const issuer = ctx?.issuer ?? info.issuer;
    if (!issuer) throw new PatchbayError('INTERNAL', 'A client registration arrived without its issuer.');
    await this.#options.storage.save('oauth-client', issuer, { ...info, issuer });
  }

  async tokens(ctx?: OAuthClientInformationContext): Promise<StoredOAuthTokens | undefined> {
    const issuer = ctx?.issuer ?? (await this.currentIssuer());
    if (!issuer) return undefined;
    const saved = await this.#options.storage.load<SavedTokens>('oauth-tokens', issuer);
    if (!saved) return undefined;
    // Report the time left, so the SDK and the transport see expiry as it is now.
    if (saved.expires_in !== undefined) {
      const left = Math.floor((saved.obtained_at + saved.expires_in * 1000 - this.#now()) / 1000);
      return { ...saved, expires_in: Math.max(0, left) };
    }
    return saved;
  }

  /** The tokens as stored, with their full lifetime and when they were obtained. */
  async savedTokens(): Promise<SavedTokens | undefined> {
    const issuer = await this.currentIssuer();
    return issuer ? this.#options.storage.load<SavedTokens>('oauth-tokens', issuer) : undefined;
  }

  async saveTokens(tokens: StoredOAuthTokens, ctx?: OAuthClientInformationContext): Promise<void> {
    const issuer = ctx?.issuer ?? tokens.issuer ?? (await this.currentIssuer());
    if (!issuer) throw new PatchbayError('INTERNAL', 'Tokens arrived without the issuer they belong to.');
    const previous = await this.#options.storage.load<SavedTokens>('oauth-tokens', issuer);
    // A refresh response may omit the refresh token: the old one stays valid then (RFC 6749 §6).
    const refresh_token = tokens.refresh_token ?? previous?.refresh_token;
    await this.#options.storage.save('oauth-tokens', issuer, { ...tokens, ...(refresh_token ? { refresh_token } : {}), issuer, obtained_at: this.#now() });
    await this.#options.storage.save('oauth-current', CURRENT, { issuer });
  }

  async currentIssuer(): Promise<string | undefined> {
    return (await this.#options.storage.load<{ issuer: string }>('oauth-current', CURRENT))?.issuer;
  }

  redirectToAuthorization(authorizationUrl: URL): void {
    if (!this.#options.onRedirect) throw this.#needsSignIn();
    this.authorizationUrl = authorizationUrl;
    this.#options.onRedirect(authorizationUrl);
  }

  saveCodeVerifier(codeVerifier: string): void {
    this.#verifier = codeVerifier;
  }

  codeVerifier(): string {
    if (!this.#verifier) throw new PatchbayError('AUTH_REQUIRED', 'This sign-in has no PKCE verifier (it expired or was already used). Start the sign-in again.');
    return this.#verifier;
  }

  get pendingCodeVerifier(): string | undefined {
    return this.#verifier;
  }

  async saveDiscoveryState(state: OAuthDiscoveryState): Promise<void> {
    this.#discovery = state;
    await this.#options.storage.save('oauth-discovery', DISCOVERY, state);
  }

  async discoveryState(): Promise<OAuthDiscoveryState | undefined> {
    if (this.#options.freshDiscovery) return this.#discovery;
    this.#discovery ??= await this.#options.storage.load<OAuthDiscoveryState>('oauth-discovery', DISCOVERY);
    return this.#discovery;
  }

  get pendingDiscovery(): OAuthDiscoveryState | undefined {
    return this.#discovery;
  }

  async invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): Promise<void> {
    const { storage } = this.#options;
    if (scope === 'all' || scope === 'tokens') {
      await storage.remove('oauth-tokens');
      await storage.remove('oauth-current');
    }
    if (scope === 'all' || scope === 'client') await storage.remove('oauth-client');
    if (scope === 'all' || scope === 'verifier') this.#verifier = undefined;
    if (scope === 'all' || scope === 'discovery') {
      this.#discovery = undefined;
      await storage.remove('oauth-discovery');
    }
  }

  #needsSignIn(): PatchbayError {
    return new PatchbayError(
      'AUTH_REQUIRED',
      `Connector "${this.#options.connector}" needs you to sign in. Run \`patchbay login ${this.#options.connector}\` (or use Sign in in the web app).`,
      { details: { connector: this.#options.connector, signIn: true } },
    );
  }

  #now(): number {
    return this.#options.now?.() ?? Date.now();
  }
}
