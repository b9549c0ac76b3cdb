/**
 * The store: every table Patchbay keeps, behind repositories that return plain
 * records, on SQLite (node:sqlite, one file) or PostgreSQL (pg, shared by replicas),
 * with versioned migrations applied at open. The only area that imports database
 * drivers; imports src/core and nothing else of ours.
 */

export type { ChangeFeed } from './change-feed.ts';
export { type OpenStoreOptions, openStore } from './open-store.ts';
export { MIGRATION_NAMES } from './migrate.ts';
export { describePostgresUrl } from './open-postgres.ts';
export { DEFAULT_SLOT_TTL_MS } from './usage-repository.ts';
export type {
  AccessToken,
  AccessTokenRepository,
  Approval,
  ApprovalRepository,
  ApprovalRequest,
  ApprovalStatus,
  AuditEvent,
  AuditFilter,
  AuditPosition,
  AuditRepository,
  AuthKind,
  CatalogEntry,
  CatalogKind,
  CatalogRepository,
  Connector,
  ConnectorPatch,
  ConnectorPolicy,
  ConnectorRepository,
  ConnectorStatus,
  CredentialRecord,
  CredentialRepository,
  LeaseRepository,
  NewConnector,
  Owner,
  ReviewState,
  OwnerKind,
  ServerFacts,
  SignInFlowRecord,
  SignInFlowRepository,
  Store,
  ToolApproval,
  ToolSetting,
  ToolSettingInput,
  ToolSettingRepository,
  TransportKind,
  TransportPreference,
  UsageCount,
  UsageGrant,
  UsageLimit,
  UsageLimits,
  UsageRefusal,
  UsageRepository,
  UsageReservation,
  UsageScope,
  UsageWindow,
  User,
  UserRepository,
} from './types.ts';
