/**
 * The tables as Kysely sees them. Column types are the portable subset both
 * databases store identically: text (ids, ISO timestamps, JSON) and integer
 * (0/1 booleans). Repositories map rows to the records of types.ts.
 */

export interface UsersTable {
  id: string;
  kind: string;
  name: string;
  email: string | null;
  /** 'local' for the one local user, null for every other user; unique. */
  local_key: string | null;
  created_at: string;
}

export interface OrganizationsTable {
  id: string;
  name: string;
  created_at: string;
}

export interface OrganizationMembersTable {
  organization_id: string;
  user_id: string;
  role: string;
  created_at: string;
}

export interface ConnectorsTable {
  id: string;
  owner_kind: string;
  owner_id: string;
  name: string;
  url: string;
  project: string | null;
  /** JSON array of strings. */
  tags: string;
  transport: string;
  auth_kind: string;
  allow_http: number;
  status: string;
  /** JSON object or null. */
  last_error: string | null;
  /** JSON object or null. */
  server: string | null;
  created_at: string;
  updated_at: string;
  default_approval: string;
  allow_read_only: number;
  /** JSON object or null. */
  limits: string | null;
}

export interface CatalogEntriesTable {
  connector_id: string;
  user_id: string;
  kind: string;
  /** JSON array. */
  items: string;
  fetched_at: string;
}

export interface ToolSettingsTable {
  connector_id: string;
  tool_name: string;
  enabled: number;
  /** 'allow' | 'ask' | 'block' | 'default' */
  approval: string;
  updated_at: string;
  limits: string | null;
  pinned_hash: string | null;
  pinned_definition: string | null;
  review_state: string;
  changed_definition: string | null;
}

export interface ApprovalRequestsTable {
  id: string;
  user_id: string;
  connector_id: string;
  tool_name: string;
  arguments_hash: string;
  arguments: string;
  description: string;
  door: string;
  status: string;
  always: number;
  created_at: string;
  expires_at: string;
  answered_at: string | null;
  answered_by: string | null;
}

export interface AuditEventsTable {
  id: string;
  at: string;
  user_id: string;
  door: string;
  connector_id: string;
  connector_name: string;
  tool_name: string;
  arguments: string | null;
  decision: string;
  approved_by: string | null;
  latency_ms: number | null;
  result_bytes: number | null;
  error_code: string | null;
  conversation_id: string | null;
}

export interface CredentialsTable {
  user_id: string;
  connector_id: string;
  issuer: string;
  kind: string;
  ciphertext: string;
  updated_at: string;
}

export interface SignInFlowsTable {
  /** SHA-256 of the flow's `state`, hex: the state itself is never stored. */
  id: string;
  user_id: string;
  connector_id: string;
  ciphertext: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: string;
}

export interface UsageCountersTable {
  user_id: string;
  connector_id: string;
  /** 'tool' | 'connector' */
  scope: string;
  /** '' for connector-wide counters. */
  tool_name: string;
  /** 'conversation' | 'hour' | 'day' | 'concurrent' */
  window_kind: string;
  /** '2026-11-24T08', '2026-11-24', a conversation id, or '' for 'concurrent'. */
  window_key: string;
  used: number;
  /** End of an hour or day window; null for the others. */
  resets_at: string | null;
  updated_at: string;
}

export interface UsageSlotsTable {
  reservation_id: string;
  scope: string;
  user_id: string;
  connector_id: string;
  tool_name: string;
  expires_at: string;
}

export interface AccessTokensTable {
  id: string;
  user_id: string;
  name: string;
  /** SHA-256 of the token, hex: the token itself is never stored. */
  token_hash: string;
  prefix: string;
  /** JSON array of project names, or null for every project. */
  projects: string | null;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface Database extends ChatTables {
  users: UsersTable;
  organizations: OrganizationsTable;
  organization_members: OrganizationMembersTable;
  connectors: ConnectorsTable;
  catalog_entries: CatalogEntriesTable;
  tool_settings: ToolSettingsTable;
  credentials: CredentialsTable;
  sign_in_flows: SignInFlowsTable;
  leases: LeasesTable;
  approval_requests: ApprovalRequestsTable;
  audit_events: AuditEventsTable;
  usage_counters: UsageCountersTable;
  usage_slots: UsageSlotsTable;
  access_tokens: AccessTokensTable;
}

export interface ModelEndpointsTable {
  id: string;
  user_id: string;
  name: string;
  provider: string;
  base_url: string | null;
  model: string;
  /** Sealed by the vault; null when the endpoint needs no key. */
  key_ciphertext: string | null;
  created_at: string;
}

export interface ConversationsTable {
  id: string;
  user_id: string;
  title: string;
  model_id: string | null;
  project: string | null;
  /** JSON array of connector names, or null for all. */
  connectors: string | null;
  created_at: string;
  updated_at: string;
}

export interface ChatMessagesTable {
  id: string;
  conversation_id: string;
  seq: number;
  role: string;
  /** JSON array. */
  parts: string;
  created_at: string;
}

export interface ChatToolCallsTable {
  id: string;
  conversation_id: string;
  message_id: string;
  position: number;
  model_call_id: string;
  tool_name: string;
  connector: string | null;
  connector_tool: string | null;
  /** JSON object. */
  arguments: string;
  status: string;
  approval_id: string | null;
  /** JSON (the MCP result) or null. */
  result: string | null;
  /** JSON {code, message} or null. */
  error: string | null;
  created_at: string;
  updated_at: string;
}

export interface ChatAttachmentsTable {
  id: string;
  message_id: string;
  position: number;
  kind: string;
  connector: string;
  ref: string;
  /** JSON object or null. */
  arguments: string | null;
  /** JSON. */
  content: string;
  created_at: string;
}

/** The chat's tables, part of `Database`. */
export interface ChatTables {
  model_endpoints: ModelEndpointsTable;
  conversations: ConversationsTable;
  chat_messages: ChatMessagesTable;
  chat_tool_calls: ChatToolCallsTable;
  chat_attachments: ChatAttachmentsTable;
}
