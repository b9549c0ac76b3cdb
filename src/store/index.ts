/**
 * The store: every table Patchbay keeps, behind repositories that return plain
 * records, on SQLite (node:sqlite, one file) or PostgreSQL (pg, shared by replicas),
 * with versioned migrations applied at open. The only area that imports database
 * drivers; imports src/core and nothing else of ours.
 */

export { type OpenStoreOptions, openStore } from './open-store.ts';
export { MIGRATION_NAMES } from './migrate.ts';
export { describePostgresUrl } from './open-postgres.ts';
export type {
  Approval,
  AuthKind,
  CatalogEntry,
  CatalogKind,
  CatalogRepository,
  Connector,
  ConnectorPatch,
  ConnectorRepository,
  ConnectorStatus,
  CredentialRecord,
  CredentialRepository,
  LeaseRepository,
  NewConnector,
  Owner,
  OwnerKind,
  ServerFacts,
  SignInFlowRecord,
  SignInFlowRepository,
  Store,
  ToolSetting,
  ToolSettingRepository,
  TransportKind,
  TransportPreference,
  User,
  UserRepository,
} from './types.ts';
