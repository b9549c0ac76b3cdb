/**
 * A client as the authorization server knows it, however it became known: dynamic
 * registration, pre-registration or a client ID metadata document.
 */

import type { TokenEndpointAuthMethod } from './options.ts';

export const GRANT_TYPES_SUPPORTED = ['authorization_code', 'refresh_token', 'client_credentials'] as const;

export interface OAuthClient {
  readonly clientId: string;
  /** Present exactly when `tokenEndpointAuthMethod` is not `none`. */
  readonly clientSecret: string | undefined;
  readonly redirectUris: readonly string[];
  readonly tokenEndpointAuthMethod: TokenEndpointAuthMethod;
  readonly grantTypes: readonly string[];
  readonly clientName: string | undefined;
  readonly source: 'registered' | 'pre-registered' | 'metadata-document';
}

export function isConfidential(client: OAuthClient): boolean {
  return client.tokenEndpointAuthMethod !== 'none';
}

/** A client display name for people: its name when it gave one, else its id. */
export function describeClient(client: OAuthClient): string {
  return client.clientName ?? client.clientId;
}
