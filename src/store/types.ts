/**
 * What the rest of Patchbay sees of the store: plain records and repositories.
 * Records are what a thing is, not how it is stored (JSON columns come back parsed,
 * timestamps as ISO strings, booleans as booleans) — identical on SQLite and PostgreSQL.
 */
import type { ChangeFeed } from './change-feed.ts';
import type {
  AccessToken,
  AuthKind,
  ChatAttachment,
  ChatMessage,
  ChatPart,
  ChatRole,
  ChatToolCall,
  Connector,
  ConnectorPolicy,
  ConnectorStatus,
  Conversation,
  ModelEndpoint,
  Owner,
  ReviewState,
  ServerFacts,
  ToolApproval,
  ToolCallStatus,
  TransportPreference,
  UsageLimits,
} from './records.ts';

export type * from './records.ts';

export interface User {
  id: string;
  /** 'local' for the user created on first start; later: 'oidc', ... */
  kind: string;
  name: string;
  email: string | null;
  createdAt: string;
}

export interface NewConnector {
  owner: Owner;
  name: string;
  url: string;
  project?: string | null;
  tags?: string[];
  transport?: TransportPreference;
  authKind?: AuthKind;
  allowHttp?: boolean;
}

export interface ConnectorPatch {
  name?: string;
  url?: string;
  project?: string | null;
  tags?: string[];
  transport?: TransportPreference;
  authKind?: AuthKind;
  allowHttp?: boolean;
  status?: ConnectorStatus;
  lastError?: Connector['lastError'];
  server?: ServerFacts | null;
  policy?: ConnectorPolicy;
}

export type CatalogKind = 'tools' | 'resources' | 'resourceTemplates' | 'prompts';

/** One cached list of what a server offers, per (connector, user, kind). */
export interface CatalogEntry {
  connectorId: string;
  userId: string;
  kind: CatalogKind;
  items: unknown[];
  fetchedAt: string;
}

export interface ToolSetting {
  connectorId: string;
  toolName: string;
  enabled: boolean;
  approval: ToolApproval;
  limits: UsageLimits | null;
  /** Hash of the definition the person reviewed; null before any review. */
  pinnedHash: string | null;
  pinnedDefinition: unknown | null;
  reviewState: ReviewState;
  /** The definition the server offers now, when it differs from the pinned one. */
  changedDefinition: unknown | null;
  updatedAt: string;
}

/** A setting to store: fields left out keep their stored value (or the default for a new row). */
export type ToolSettingInput = Pick<ToolSetting, 'connectorId' | 'toolName'> & Partial<Omit<ToolSetting, 'connectorId' | 'toolName' | 'updatedAt'>>;

export type ApprovalStatus = 'pending' | 'allowed' | 'denied' | 'used' | 'expired';

/** A call that had to ask: the person sees the connector, the tool's full description and the exact arguments. */
export interface ApprovalRequest {
  id: string;
  userId: string;
  connectorId: string;
  toolName: string;
  argumentsHash: string;
  arguments: unknown;
  description: string;
  door: string;
  status: ApprovalStatus;
  /** Answered "always allow" (the tool's approval became 'allow'). */
  always: boolean;
  createdAt: string;
  expiresAt: string;
  answeredAt: string | null;
  answeredBy: string | null;
}

export interface ApprovalRepository {
  create(request: Omit<ApprovalRequest, 'status' | 'always' | 'answeredAt' | 'answeredBy'>): Promise<ApprovalRequest>;
  get(id: string): Promise<ApprovalRequest | undefined>;
  /** Pending and unexpired, newest first. */
  listPending(userId: string, now: string): Promise<ApprovalRequest[]>;
  /** Answers a pending, unexpired request once; undefined when it was not pending any more. */
  answer(id: string, answer: { allow: boolean; always: boolean; answeredBy: string; now: string }): Promise<ApprovalRequest | undefined>;
  /**
   * Uses an allowed approval for exactly these arguments, once: true for one caller only,
   * false when it is not allowed, already used, expired, or for other arguments.
   */
  consume(id: string, argumentsHash: string, now: string): Promise<boolean>;
  /** Withdraws a pending request (its call will not run): it is no longer pending; false when it was not pending. */
  withdraw(id: string): Promise<boolean>;
}

/** One tool call as it happened (or was refused), at whichever door. */
export interface AuditEvent {
  id: string;
  at: string;
  userId: string;
  door: string;
  connectorId: string;
  connectorName: string;
  toolName: string;
  /** Redacted and size-capped JSON text. */
  arguments: string | null;
  /** 'allowed', 'allowed-by-approval', 'refused:<CODE>', 'asked' ... */
  decision: string;
  approvedBy: string | null;
  latencyMs: number | null;
  resultBytes: number | null;
  errorCode: string | null;
  conversationId: string | null;
}

/** A place in the audit log: an event's time and id (ties on time are ordered by id). */
export interface AuditPosition {
  at: string;
  id: string;
}

export interface AuditFilter {
  userId: string;
  connectorName?: string;
  since?: string;
  limit?: number;
  before?: AuditPosition;
  after?: AuditPosition;
}

export interface AuditRepository {
  record(event: AuditEvent): Promise<void>;
  /** Several events in one statement (and one commit). */
  recordMany(events: AuditEvent[]): Promise<void>;
  /**
   * Newest first. `before` / `after` page by position (time, then id): events strictly
   * older, or strictly newer, than the one named — the page nearest to it.
   */
  list(filter: AuditFilter): Promise<AuditEvent[]>;
  /** Deletes events older than `before`; returns how many. */
  prune(before: string): Promise<number>;
}

/** An encrypted secret blob; the store never sees plaintext. */
export interface CredentialRecord {
  userId: string;
  connectorId: string;
  issuer: string;
  kind: string;
  ciphertext: string;
  updatedAt: string;
}

/** A sign-in flow in flight: its secrets are sealed; it is found by a hash of its state. */
export interface SignInFlowRecord {
  id: string;
  userId: string;
  connectorId: string;
  ciphertext: string;
  createdAt: string;
  expiresAt: string;
}

export interface SignInFlowRepository {
  create(flow: SignInFlowRecord): Promise<void>;
  /**
   * Marks the flow used and returns it — once: a second take, an expired flow or an
   * unknown id returns undefined. Atomic across processes.
   */
  take(id: string): Promise<SignInFlowRecord | undefined>;
  /** Deletes flows that expired before `before` (ISO time). */
  prune(before: string): Promise<number>;
}

/**
 * Named locks with an expiry, shared by every process on the database. A holder that
 * dies leaves a lease that simply runs out.
 */
export interface LeaseRepository {
  /** True when `holder` now holds `name` until `ttlMs` from now (also when it already did). */
  acquire(name: string, holder: string, ttlMs: number): Promise<boolean>;
  release(name: string, holder: string): Promise<void>;
}

/** What a limit counts: calls of one tool, or calls of any tool of a connector (per user both). */
export type UsageScope = 'tool' | 'connector';
/** Hour and day are fixed calendar windows in UTC; 'concurrent' counts calls still running. */
export type UsageWindow = 'conversation' | 'hour' | 'day' | 'concurrent';

/** One limit a call must stay within: at most `max` calls of `scope` per `window`. */
export interface UsageLimit {
  scope: UsageScope;
  window: UsageWindow;
  max: number;
}

/** One call to count against every limit the caller found applicable. */
export interface UsageReservation {
  userId: string;
  connectorId: string;
  toolName: string;
  /** Absent for calls outside a conversation: 'conversation' limits then do not apply. */
  conversationId?: string;
  /** Milliseconds since the epoch; picks the hour and day windows. */
  now: number;
  limits: UsageLimit[];
  /**
   * How long the concurrent slots count without a release (the request timeout): a
   * process that dies mid-call frees them when this runs out. Default 10 minutes.
   */
  slotTtlMs?: number;
}

export interface UsageGrant {
  ok: true;
  /** Pass to `release` when the call ends; '' when the reservation holds no concurrent slot, so there is nothing to free. */
  reservationId: string;
}

export interface UsageRefusal {
  ok: false;
  /** The limit that is reached; nothing was counted. */
  limit: UsageLimit;
  /** When the window starts afresh (ISO); null for 'concurrent' and 'conversation'. */
  resetsAt: string | null;
  used: number;
  max: number;
}

/** A count as it stands now, for display. */
export interface UsageCount {
  scope: UsageScope;
  /** Null for connector-wide counts. */
  toolName: string | null;
  window: UsageWindow;
  /** The hour ('2026-11-24T08'), day ('2026-11-24') or conversation id; null for 'concurrent'. */
  period: string | null;
  used: number;
  resetsAt: string | null;
}

/**
 * Usage counters shared by every process on the database, exact under concurrency: of
 * N simultaneous reservations against a limit with room for k, exactly k are granted.
 */
export interface UsageRepository {
  /** Counts one call against every limit, all or none. */
  reserve(request: UsageReservation): Promise<UsageGrant | UsageRefusal>;
  /**
   * Frees the reservation's concurrent slots; its other counts stay (the call was made).
   * Idempotent. Written with the store's next batch of reservations (within a turn of
   * the event loop); resolves once committed, but a reservation this process asks for
   * after calling it already finds the slot free.
   */
  release(reservationId: string): Promise<void>;
  /**
   * Counts of the current hour and day, of every stored conversation and of running
   * calls: the tool's and its connector's when `toolName` is given, else the
   * connector's and every one of its tools'. Windows never counted are absent.
   */
  usage(userId: string, connectorId: string, toolName?: string): Promise<UsageCount[]>;
  /**
   * Deletes hour and day counters whose window ended by `before`, conversation and
   * concurrent counters untouched since `before`, and slots that expired by then (ISO
   * times). Returns how many rows went.
   */
  prune(before: string): Promise<number>;
}

export interface UserRepository {
  /** The single local user, created on first call (idempotent, also under concurrency). */
  ensureLocalUser(): Promise<User>;
  get(id: string): Promise<User | undefined>;
}

export interface ConnectorRepository {
  /** Throws PatchbayError NAME_TAKEN when the owner already has that name. */
  create(input: NewConnector): Promise<Connector>;
  get(id: string): Promise<Connector | undefined>;
  getByName(owner: Owner, name: string): Promise<Connector | undefined>;
  /** Ordered by name. */
  list(owner: Owner, filter?: { project?: string; tag?: string }): Promise<Connector[]>;
  /** Throws CONNECTOR_NOT_FOUND or NAME_TAKEN. Bumps updatedAt. */
  update(id: string, patch: ConnectorPatch): Promise<Connector>;
  /** Removes the connector and its settings, catalog and credentials, in one transaction. */
  remove(id: string): Promise<boolean>;
}

export interface CatalogRepository {
  get(connectorId: string, userId: string, kind: CatalogKind): Promise<CatalogEntry | undefined>;
  put(entry: CatalogEntry): Promise<void>;
  clear(connectorId: string, userId?: string): Promise<void>;
}

export interface ToolSettingRepository {
  list(connectorId: string): Promise<ToolSetting[]>;
  get(connectorId: string, toolName: string): Promise<ToolSetting | undefined>;
  put(setting: ToolSettingInput): Promise<ToolSetting>;
}

export interface CredentialRepository {
  get(userId: string, connectorId: string, issuer: string): Promise<CredentialRecord | undefined>;
  list(userId: string, connectorId: string): Promise<CredentialRecord[]>;
  put(record: Omit<CredentialRecord, 'updatedAt'>): Promise<void>;
  remove(userId: string, connectorId: string, issuer?: string): Promise<void>;
}

export interface AccessTokenRepository {
  /** Throws NAME_TAKEN when the user has a live token of that name. */
  create(token: Omit<AccessToken, 'lastUsedAt' | 'revokedAt'> & { tokenHash: string }): Promise<AccessToken>;
  /** The token with this hash, revoked or not; undefined when there is none. */
  findByHash(tokenHash: string): Promise<AccessToken | undefined>;
  /** The user's tokens, live ones first, newest first. */
  list(userId: string): Promise<AccessToken[]>;
  /** Revokes a live token of the user once; undefined when none was live under that id. */
  revoke(userId: string, id: string, now: string): Promise<AccessToken | undefined>;
  /** Records a use (callers throttle it; it is never on a request's critical path). */
  touch(id: string, now: string): Promise<void>;
}

export interface Store {
  readonly kind: 'sqlite' | 'postgres';
  readonly users: UserRepository;
  readonly connectors: ConnectorRepository;
  readonly catalog: CatalogRepository;
  readonly toolSettings: ToolSettingRepository;
  readonly credentials: CredentialRepository;
  readonly signInFlows: SignInFlowRepository;
  readonly leases: LeaseRepository;
  readonly approvals: ApprovalRepository;
  readonly audit: AuditRepository;
  readonly usage: UsageRepository;
  readonly accessTokens: AccessTokenRepository;
  /** When connectors, tool settings or catalogs may have changed, here or in another process. */
  readonly changes: ChangeFeed;
  readonly models: ModelEndpointRepository;
  readonly conversations: ConversationRepository;
  readonly messages: ChatMessageRepository;
  /** Names of migrations applied, oldest first. */
  migrations(): Promise<string[]>;
  close(): Promise<void>;
}

// ---- chat ------------------------------------------------------------------------

/** An endpoint to store: as listed, with its sealed key (or null) instead of whether it has one. */
export type NewModelEndpoint = Omit<ModelEndpoint, 'hasKey' | 'createdAt'> & { keyCiphertext: string | null };

export interface ModelEndpointRepository {
  create(input: NewModelEndpoint): Promise<ModelEndpoint>;
  list(userId: string): Promise<ModelEndpoint[]>;
  get(userId: string, id: string): Promise<ModelEndpoint | undefined>;
  /** The sealed key, for the vault to open; null when there is none. */
  keyCiphertext(userId: string, id: string): Promise<string | null>;
  remove(userId: string, id: string): Promise<boolean>;
}

export interface ConversationPatch {
  title?: string;
  modelId?: string | null;
  project?: string | null;
  connectors?: string[] | null;
}

export interface ConversationRepository {
  create(input: { userId: string; title: string; modelId?: string | null; project?: string | null; connectors?: string[] | null }): Promise<Conversation>;
  /** Most recently updated first. */
  list(userId: string): Promise<Conversation[]>;
  get(userId: string, id: string): Promise<Conversation | undefined>;
  update(userId: string, id: string, patch: ConversationPatch): Promise<Conversation>;
  /** Marks the conversation as just used. */
  touch(id: string): Promise<void>;
  remove(userId: string, id: string): Promise<boolean>;
}

export interface NewChatToolCall {
  modelCallId: string;
  toolName: string;
  connector: string | null;
  connectorTool: string | null;
  arguments: Record<string, unknown>;
}

export interface ChatToolCallPatch {
  status?: ToolCallStatus;
  approvalId?: string | null;
  result?: unknown;
  error?: { code: string; message: string } | null;
}

export interface ChatMessageRepository {
  /** Appends a message (next seq) with its tool calls and attachments, in one transaction. */
  append(input: {
    conversationId: string;
    role: ChatRole;
    parts: ChatPart[];
    toolCalls?: NewChatToolCall[];
    attachments?: Array<Omit<ChatAttachment, 'id' | 'messageId' | 'position' | 'createdAt'>>;
  }): Promise<ChatMessage>;
  /** Every message of the conversation, oldest first, with tool calls and attachments. */
  list(conversationId: string): Promise<ChatMessage[]>;
  updateToolCall(id: string, patch: ChatToolCallPatch): Promise<ChatToolCall>;
  /**
   * Applies `patch` only while the call is still in status `from` (one caller wins, also across
   * processes); undefined when it was not (any more).
   */
  claimToolCall(id: string, from: ChatToolCall['status'], patch: ChatToolCallPatch): Promise<ChatToolCall | undefined>;
  findToolCallByApproval(conversationId: string, approvalId: string): Promise<ChatToolCall | undefined>;
}
