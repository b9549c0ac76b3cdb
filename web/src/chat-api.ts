/**
 * The chat's side of the HTTP API: model endpoints, conversations, and turns read as
 * NDJSON (one event a line) from a streamed response.
 */
import type {
  ChatAttachment as StoredChatAttachment,
  ChatMessage as StoredChatMessage,
  ChatToolCall as StoredChatToolCall,
  Conversation as StoredConversation,
  ModelEndpoint as StoredModelEndpoint,
} from '../../src/store/records.ts';
import type { ChatEventOf } from '../../src/hub/chat-events.ts';
import { ApiError, apiRequest, SIGNED_OUT_EVENT } from './api.ts';

export type { ApprovalCard, ElicitationCard, SamplingCard } from '../../src/hub/chat-events.ts';

export type { ModelProvider, ToolCallStatus } from '../../src/store/records.ts';

/** As the API lists them: the store's records without the owner (the signed-in person). */
export type ModelEndpoint = Omit<StoredModelEndpoint, 'userId'>;
export type Conversation = Omit<StoredConversation, 'userId'>;

export interface ToolContent {
  type: string;
  text?: string;
  data?: string;
  mimeType?: string;
  uri?: string;
  name?: string;
  resource?: { uri: string; text?: string; mimeType?: string };
}

/** A tool call as the page shows it: the store's record, with the server's result in the shape it renders. */
export type ChatToolCall = Pick<StoredChatToolCall, 'id' | 'messageId' | 'toolName' | 'connector' | 'connectorTool' | 'arguments' | 'status' | 'approvalId' | 'error'> & {
  result: { content?: ToolContent[]; structuredContent?: unknown; isError?: boolean } | null;
};

export type ChatAttachment = Pick<StoredChatAttachment, 'id' | 'kind' | 'connector' | 'ref' | 'arguments'>;

export type ChatMessage = Pick<StoredChatMessage, 'id' | 'seq' | 'role' | 'parts' | 'createdAt'> & { toolCalls: ChatToolCall[]; attachments: ChatAttachment[] };


export interface OfferedTool {
  name: string;
  connector: string;
  tool: string;
  description: string | null;
}

/** What the conversation's model is told about tools, and what it costs, per connector. */
export interface ToolOffer {
  tools: OfferedTool[];
  footprint: { connectors: Array<{ connector: string; tools: number; tokens: number }>; total: number };
  budget: number;
  compact: boolean;
}

/** A turn's events, carrying messages and tool calls in the shapes above. */
export type ChatEvent = ChatEventOf<ChatMessage, ChatToolCall>;

export type AttachmentInput = { kind: 'resource'; connector: string; uri: string } | { kind: 'prompt'; connector: string; name: string; arguments?: Record<string, string> };

export function conversationPath(id: string, rest = ''): string {
  return `/api/chat/conversations/${encodeURIComponent(id)}${rest}`;
}

export const listModels = () => apiRequest<{ models: ModelEndpoint[] }>('GET', '/api/models').then((r) => r.models);
export const listConversations = () => apiRequest<{ conversations: Conversation[] }>('GET', '/api/chat/conversations').then((r) => r.conversations);

function csrfToken(): string {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === 'pb_csrf') return decodeURIComponent(rest.join('='));
  }
  return '';
}

/**
 * POSTs and calls `onEvent` for each event of the streamed turn, until it ends.
 * A turn that cannot start is an ApiError, as for any other request.
 */
export async function streamTurn(path: string, body: unknown, onEvent: (event: ChatEvent) => void, signal?: AbortSignal): Promise<void> {
  let response: Response;
  try {
    response = await fetch(path, {
      method: 'POST',
      headers: { accept: 'application/x-ndjson', 'content-type': 'application/json', 'x-csrf-token': csrfToken() },
      body: JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      signal,
    });
  } catch (error) {
    if (signal?.aborted) return;
    throw new ApiError(0, 'NETWORK', `Patchbay did not answer (${error instanceof Error ? error.message : String(error)}). Is \`patchbay serve\` still running?`);
  }
  if (!response.ok || !response.body) {
    const data = (await response.json().catch(() => undefined)) as { error?: { code?: string; message?: string } } | undefined;
    if (response.status === 401) window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    throw new ApiError(response.status, data?.error?.code ?? `HTTP_${response.status}`, data?.error?.message ?? `The request failed (HTTP ${response.status}).`);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffered += value;
      let newline = buffered.indexOf('\n');
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        if (line) onEvent(JSON.parse(line) as ChatEvent);
        newline = buffered.indexOf('\n');
      }
    }
  } catch (error) {
    if (signal?.aborted) return;
    throw error;
  }
}
