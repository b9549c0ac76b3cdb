import type { OAuthRecordKind, OAuthStorage, Vault } from '../auth/index.ts';
import type { Store } from '../store/index.ts';

/**
 * OAuth records of one (user, connector), sealed in the vault. Each record's key is
 * its kind and issuer together, and both are bound into the encryption, so a client
 * registered with one authorization server is never offered to another.
 */
export function createOAuthStorage(store: Store, vault: Vault, userId: string, connectorId: string): OAuthStorage {
  const keyOf = (kind: OAuthRecordKind, issuer: string) => `${kind} ${issuer}`;
  const binding = (kind: OAuthRecordKind, issuer: string) => ({ userId, connectorId, issuer: keyOf(kind, issuer), kind });
  return {
    async load<T>(kind: OAuthRecordKind, issuer: string): Promise<T | undefined> {
      const record = await store.credentials.get(userId, connectorId, keyOf(kind, issuer));
      return record ? vault.openJson<T>(record.ciphertext, binding(kind, issuer)) : undefined;
    },
    async save(kind, issuer, value) {
      await store.credentials.put({ ...binding(kind, issuer), ciphertext: vault.sealJson(value, binding(kind, issuer)) });
    },
    async remove(kind, issuer) {
      if (issuer !== undefined) return store.credentials.remove(userId, connectorId, keyOf(kind, issuer));
      for (const record of await store.credentials.list(userId, connectorId)) {
        if (record.kind === kind) await store.credentials.remove(userId, connectorId, record.issuer);
      }
    },
  };
}
