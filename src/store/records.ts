/**
 * Records the store keeps that the web app also reads from the API: plain types with no
 * imports, so `web/` can derive its own from them (`import type`) instead of repeating
 * them by hand.
 */

/** A personal access token as listed: never the token itself, which is shown once at creation. */
export interface AccessToken {
  id: string;
  userId: string;
  name: string;
  /** The token's first characters, to recognise it (`pbt_AbCd`). */
  prefix: string;
  /** The projects whose connectors it reaches; null for all. */
  projects: string[] | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export type ModelProvider = 'anthropic' | 'openai' | 'openai-compatible';

/** An LLM endpoint a person configured. The key is never part of it, only whether there is one. */
export interface ModelEndpoint {
  id: string;
  userId: string;
  name: string;
  provider: ModelProvider;
  /** null: the provider's own API. */
  baseUrl: string | null;
  model: string;
  hasKey: boolean;
  createdAt: string;
}

export interface Conversation {
  id: string;
  userId: string;
  title: string;
  modelId: string | null;
  project: string | null;
  /** Names of the connectors the model may use; null for every connector (of the project). */
  connectors: string[] | null;
  createdAt: string;
  updatedAt: string;
}

export type ChatRole = 'user' | 'assistant';

/** A piece of a message: text, or (on a user message) a message a prompt inserted. */
export type ChatPart = { type: 'text'; text: string } | { type: 'prompt-message'; role: 'user' | 'assistant'; text: string };

export type ToolCallStatus = 'pending' | 'awaiting-approval' | 'done' | 'error' | 'refused' | 'denied' | 'cancelled';

export interface ChatToolCall {
  id: string;
  conversationId: string;
  messageId: string;
  position: number;
  /** The id the model gave the call. */
  modelCallId: string;
  /** The stable name the model used, `<connector>__<tool>`. */
  toolName: string;
  connector: string | null;
  connectorTool: string | null;
  arguments: Record<string, unknown>;
  status: ToolCallStatus;
  approvalId: string | null;
  /** The MCP CallToolResult, when the server answered. */
  result: unknown;
  error: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
}

export interface ChatAttachment {
  id: string;
  messageId: string;
  position: number;
  kind: 'resource' | 'prompt';
  connector: string;
  /** A resource URI, or a prompt name. */
  ref: string;
  arguments: Record<string, string> | null;
  /** What was given to the model: the ReadResourceResult or GetPromptResult. */
  content: unknown;
  createdAt: string;
}

export interface ChatMessage {
  id: string;
  conversationId: string;
  seq: number;
  role: ChatRole;
  parts: ChatPart[];
  toolCalls: ChatToolCall[];
  attachments: ChatAttachment[];
  createdAt: string;
}

export type OwnerKind = 'user' | 'organization';

export interface Owner {
  kind: OwnerKind;
  id: string;
}

export type TransportKind = 'streamable-http' | 'sse';
/** 'auto' tries Streamable HTTP first and falls back to SSE. */
export type TransportPreference = 'auto' | TransportKind;
export type AuthKind = 'none' | 'oauth' | 'headers' | 'basic' | 'client-credentials';
export type ConnectorStatus = 'new' | 'connected' | 'error' | 'needs-sign-in';

/** What the server said about itself when a session was opened. */
export interface SessionFacts {
  serverInfo: { name: string; version?: string; title?: string } & Record<string, unknown>;
  capabilities: Record<string, unknown>;
  instructions: string | null;
  protocolVersion: string | null;
  /** 'legacy' (initialize handshake) or 'modern' (stateless 2026-07-28). */
  era: 'legacy' | 'modern' | null;
  transport: TransportKind;
}

/** What Patchbay learnt from the server at its last successful connection. */
export interface ServerFacts extends SessionFacts {
  connectedAt: string;
}

export type Approval = 'allow' | 'ask' | 'block';
/** A tool's approval: its own, or 'default' to follow its connector's. */
export type ToolApproval = Approval | 'default';
/** 'new': appeared after the connector was first reviewed; 'changed': differs from what the person pinned. */
export type ReviewState = 'new' | 'reviewed' | 'changed';

/** How often calls may happen; absent fields mean no limit. */
export interface UsageLimits {
  perConversation?: number;
  perHour?: number;
  perDay?: number;
  concurrent?: number;
}

/** What a person decided for a whole connector. */
export interface ConnectorPolicy {
  /** The approval of tools that have none of their own (new connectors: 'ask'). */
  defaultApproval: Approval;
  /** Let tools the server marks read-only run without asking (the server's claim, shown as such). */
  allowReadOnly: boolean;
  limits: UsageLimits | null;
}

export interface Connector {
  id: string;
  owner: Owner;
  name: string;
  url: string;
  project: string | null;
  tags: string[];
  transport: TransportPreference;
  authKind: AuthKind;
  /** Plain http allowed for a non-loopback host (an explicit choice of the person). */
  allowHttp: boolean;
  status: ConnectorStatus;
  lastError: { code: string; message: string; at: string } | null;
  server: ServerFacts | null;
  policy: ConnectorPolicy;
  createdAt: string;
  updatedAt: string;
}
