import { headersFor, maskCredentials, type MaskedCredentials, type StaticCredentials, validateStaticCredentials } from '../auth/index.ts';
import type { Vault } from '../auth/index.ts';
import type { Store } from '../store/index.ts';

/** Static credentials are stored under this issuer (OAuth credentials are keyed by their real issuer). */
const STATIC_ISSUER = '';
const STATIC_KIND = 'static';

/**
 * A person's own credentials for one connector, sealed in the vault. Each user has
 * their own; nothing falls back to another user's.
 */
export class ConnectorCredentials {
  readonly #store: Store;
  readonly #vault: Vault;

  constructor(store: Store, vault: Vault) {
    this.#store = store;
    this.#vault = vault;
  }

  async save(userId: string, connectorId: string, input: StaticCredentials): Promise<StaticCredentials> {
    const credentials = validateStaticCredentials(input);
    const binding = { userId, connectorId, issuer: STATIC_ISSUER, kind: STATIC_KIND };
    await this.#store.credentials.put({ ...binding, ciphertext: this.#vault.sealJson(credentials, binding) });
    return credentials;
  }

  async read(userId: string, connectorId: string): Promise<StaticCredentials | undefined> {
    const record = await this.#store.credentials.get(userId, connectorId, STATIC_ISSUER);
    if (!record || record.kind !== STATIC_KIND) return undefined;
    return this.#vault.openJson<StaticCredentials>(record.ciphertext, { userId, connectorId, issuer: STATIC_ISSUER, kind: STATIC_KIND });
  }

  async masked(userId: string, connectorId: string): Promise<MaskedCredentials | null> {
    const credentials = await this.read(userId, connectorId);
    return credentials ? maskCredentials(credentials) : null;
  }

  async headers(userId: string, connectorId: string): Promise<Record<string, string> | undefined> {
    const credentials = await this.read(userId, connectorId);
    return credentials ? headersFor(credentials) : undefined;
  }

  clear(userId: string, connectorId: string): Promise<void> {
    return this.#store.credentials.remove(userId, connectorId, STATIC_ISSUER);
  }
}
