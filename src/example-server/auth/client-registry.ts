/**
 * Every client the authorization server knows, and the clients it has been told to
 * refuse.
 */

import { PatchbayError } from '../../core/errors.ts';
import { looksLikeClientMetadataUrl, resolveClientMetadataDocument } from './client-metadata-document.ts';
import { validateClientMetadata } from './client-registration.ts';
import { OAuthFailure } from './oauth-replies.ts';
import type { OAuthClient } from './oauth-client.ts';
import type { PreRegisteredClient } from './options.ts';

export interface ClientRegistry {
  add(client: OAuthClient): void;
  preRegister(client: PreRegisteredClient): void;
  reject(clientId: string): void;
  /**
   * The client an authorization request names. A URL `client_id` that was not
   * pre-registered is resolved from its metadata document, fetched anew each time.
   * @throws OAuthFailure `invalid_client` for unknown or refused clients
   */
  resolve(clientId: string): Promise<OAuthClient>;
  /**
   * The client a token or revocation request names: one registered, pre-registered, or
   * whose metadata document an authorization request resolved.
   * @throws OAuthFailure `invalid_client` for unknown or refused clients
   */
  find(clientId: string): OAuthClient;
}

export function createClientRegistry(): ClientRegistry {
  const clients = new Map<string, OAuthClient>();
  const rejected = new Set<string>();

  function refuseIfRejected(clientId: string): void {
    if (rejected.has(clientId)) throw new OAuthFailure('invalid_client', 'This client is no longer accepted. Register again.', 401);
  }

  return {
    add(client) {
      clients.set(client.clientId, client);
    },
    preRegister(entry) {
      if (typeof entry.client_id !== 'string' || entry.client_id === '') throw new PatchbayError('VALIDATION_FAILED', 'A pre-registered client needs a client_id.');
      const method = entry.token_endpoint_auth_method ?? (entry.client_secret === undefined ? 'none' : 'client_secret_basic');
      if ((method === 'none') !== (entry.client_secret === undefined)) {
        throw new PatchbayError('VALIDATION_FAILED', `Client ${entry.client_id}: give a client_secret exactly when token_endpoint_auth_method is not "none".`);
      }
      const interactive = entry.redirect_uris === undefined ? [] : ['authorization_code', 'refresh_token'];
      const defaultGrants = method === 'none' ? interactive : [...interactive, 'client_credentials'];
      let validated: ReturnType<typeof validateClientMetadata>;
      try {
        const grantTypes = entry.grant_types ?? defaultGrants;
        const responseTypes = grantTypes.includes('authorization_code') ? ['code'] : [];
        validated = validateClientMetadata({ ...entry, token_endpoint_auth_method: method, grant_types: grantTypes, response_types: responseTypes }, method);
      } catch (error) {
        if (error instanceof OAuthFailure) throw new PatchbayError('VALIDATION_FAILED', `Client ${entry.client_id}: ${error.message}`, { cause: error });
        throw error;
      }
      rejected.delete(entry.client_id);
      clients.set(entry.client_id, { clientId: entry.client_id, clientSecret: entry.client_secret, source: 'pre-registered', ...validated });
    },
    reject(clientId) {
      rejected.add(clientId);
    },
    async resolve(clientId) {
      refuseIfRejected(clientId);
      const known = clients.get(clientId);
      if (known !== undefined && known.source !== 'metadata-document') return known;
      if (!looksLikeClientMetadataUrl(clientId)) throw new OAuthFailure('invalid_client', `No client is registered with the id "${clientId}". Register first.`, 401);
      const client = await resolveClientMetadataDocument(clientId);
      clients.set(clientId, client);
      return client;
    },
    find(clientId) {
      refuseIfRejected(clientId);
      const known = clients.get(clientId);
      if (known === undefined) throw new OAuthFailure('invalid_client', `No client is registered with the id "${clientId}".`, 401);
      return known;
    },
  };
}
