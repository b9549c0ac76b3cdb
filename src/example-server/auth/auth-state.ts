/**
 * What every endpoint of the example authorization server works with.
 */

import type { ClientRegistry } from './client-registry.ts';
import type { GrantStore } from './grant-store.ts';
import type { AuthSite } from './metadata.ts';
import type { ResolvedAuthOptions } from './options.ts';
import type { ScopePolicy } from './scopes.ts';

export interface AuthState {
  readonly site: AuthSite;
  readonly options: ResolvedAuthOptions;
  readonly clients: ClientRegistry;
  readonly grants: GrantStore;
  readonly scopes: ScopePolicy;
  now(): number;
}
