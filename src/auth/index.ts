/**
 * Authentication to remote servers: the vault that encrypts every stored secret
 * (later: OAuth flows, header and password sign-in, the outbound request guard).
 *
 * May import: src/core, the MCP SDK client package, and undici (the outbound request
 * guard's connections).
 */
export { loadVaultKey, type SecretBinding, Vault } from './vault.ts';
export {
  headersFor,
  type MaskedCredentials,
  maskCredentials,
  maskValue,
  parseHeaderLine,
  type StaticCredentials,
  validateStaticCredentials,
} from './static-credentials.ts';
export {
  CHALLENGE,
  CONFIGURED,
  CURRENT,
  DISCOVERY,
  type OAuthRecordKind,
  type OAuthStorage,
  PatchbayOAuthProvider,
  type PatchbayOAuthProviderOptions,
  type SavedTokens,
} from './oauth-provider.ts';
export { type ClientCredentials, type PreregisteredClient, validateClientCredentials, validatePreregisteredClient } from './oauth-client-config.ts';
export {
  createAddressGuardConnector,
  type AddressClass,
  type AddressPolicy,
  checkOutboundUrl,
  classifyAddress,
  createGuardedFetch,
  createMetadataGuardConnector,
  type GuardedFetch,
  type GuardedFetchOptions,
  isAddressAllowed,
  resolveOutboundUrl,
} from './outbound-guard.ts';
