/**
 * The shapes the HTTP API answers with, as the web app reads them. Every string in here
 * that a remote server chose (names, descriptions, instructions) is untrusted text.
 */

import type {
  Approval,
  Connector as StoredConnector,
  ConnectorPolicy,
  ConnectorStatus,
  ReviewState,
  ServerFacts,
  AccessToken as StoredAccessToken,
  ToolApproval,
  UsageLimits,
} from '../../src/store/records.ts';

export type { Approval, ConnectorPolicy, ConnectorStatus, ReviewState, ServerFacts, ToolApproval, UsageLimits };

/** A connector as the API lists it: the store's record, whose owner the web app does not show. */
export type Connector = Omit<StoredConnector, 'owner'>;

export interface ToolSetting {
  toolName: string;
  enabled: boolean;
  approval: ToolApproval;
  limits: UsageLimits | null;
  reviewState: ReviewState;
}

export interface ToolAnnotations {
  title?: string;
  readOnlyHint?: boolean;
  destructiveHint?: boolean;
  idempotentHint?: boolean;
  openWorldHint?: boolean;
}

export interface ToolPolicyRow {
  name: string;
  title: string | null;
  description: string | null;
  annotations: ToolAnnotations | null;
  setting: ToolSetting;
  effective: Approval;
  hidden: { findings: Array<{ path: string; description: string }>; visibleDescription: string | null } | null;
}

export interface ToolPolicies {
  policy: ConnectorPolicy;
  tools: ToolPolicyRow[];
}

export interface ToolReview {
  reviewState: ReviewState;
  pinned: unknown;
  current: unknown;
}

export type SignInStart =
  | { status: 'signed-in' }
  | { status: 'redirect'; authorizationUrl: string; scopes: string[]; expiresAt: string; redirectUrl: string };

export interface ApprovalRequest {
  id: string;
  connectorId: string;
  toolName: string;
  arguments: unknown;
  description: string;
  door: string;
  status: string;
  createdAt: string;
  expiresAt: string;
}

export interface AuditEvent {
  id: string;
  at: string;
  door: string;
  connectorName: string;
  toolName: string;
  arguments: string | null;
  decision: string;
  approvedBy: string | null;
  latencyMs: number | null;
  resultBytes: number | null;
  errorCode: string | null;
}

/** The OAuth clients set up for a connector, as the API shows them: never a secret. */
export interface ConfiguredOAuthClients {
  preregistered: { client_id: string; token_endpoint_auth_method: string | null; has_secret: boolean } | null;
  machine: { client_id: string; token_endpoint_auth_method: string | null; scope: string | null; has_secret: boolean; has_private_key: boolean } | null;
}

export type Credentials = { kind: 'headers'; headers: Record<string, string> } | { kind: 'basic'; username: string; password: string };

export interface AddConnectorInput {
  url: string;
  name?: string;
  project?: string;
  tags?: string[];
  allowHttp?: boolean;
  credentials?: Credentials;
  /** false: save it without connecting now (it connects when first used, or on Reconnect). */
  connect?: boolean;
}

export type DoctorStepStatus = 'ok' | 'warn' | 'fail' | 'skipped';

export interface DoctorStep {
  id: string;
  title: string;
  status: DoctorStepStatus;
  ms: number;
  detail: string;
  excerpt?: string;
}

/** What the doctor learnt about the server, as fields; every string is server text. */
export interface DoctorServerFacts {
  name: string | null;
  version: string | null;
  title: string | null;
  protocolVersion: string | null;
  transport: 'streamable-http' | 'sse' | null;
  needsSignIn: boolean;
  scopes: string[];
}

export interface DoctorReport {
  target: { url: string; connector: string | null; transport: string };
  server: DoctorServerFacts;
  steps: DoctorStep[];
  verdict: 'ok' | 'needs-sign-in' | 'failed';
  advice: string;
  startedAt: string;
}

export interface ResourceInfo {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  size?: number;
}

export interface ResourceTemplateInfo {
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}

export interface PromptArgument {
  name: string;
  title?: string;
  description?: string;
  required?: boolean;
}

export interface PromptInfo {
  name: string;
  title?: string;
  description?: string;
  arguments?: PromptArgument[];
}

export interface Catalog {
  tools: unknown[];
  resources: ResourceInfo[];
  resourceTemplates: ResourceTemplateInfo[];
  prompts: PromptInfo[];
  fetchedAt: string;
}

/** One item of a resource read: text, or base64 data. */
export interface ResourceContent {
  uri: string;
  mimeType?: string;
  text?: string;
  blob?: string;
}

/** A block of a prompt message, as servers send them; anything else is described, not shown. */
export type MessageContent =
  | { type: 'text'; text: string }
  | { type: 'image' | 'audio'; data: string; mimeType: string }
  | { type: 'resource'; resource: ResourceContent }
  | { type: 'resource_link'; uri: string; name?: string; description?: string; mimeType?: string }
  | { type: string; [key: string]: unknown };

export interface PromptResult {
  description?: string;
  messages: Array<{ role: string; content: MessageContent }>;
}

export interface CompletionResult {
  completion: { values: string[]; total?: number; hasMore?: boolean };
}

/** A personal access token for the gateway, as listed (the secret itself never is): the store's record without the owner. */
export type AccessToken = Omit<StoredAccessToken, 'userId'>;
