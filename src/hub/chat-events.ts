/**
 * What a chat turn streams to the person, and the cards it shows them: plain types that
 * import nothing but the store's records, so the web app takes them from here
 * (`import type`) instead of repeating them.
 */
import type { ChatMessage, ChatToolCall } from '../store/records.ts';

/** What a turn streams to the person, one event at a time (NDJSON over HTTP). */
export type ChatEvent = ChatEventOf<ChatMessage, ChatToolCall>;

/** The events, with the messages and tool calls in the shape a reader takes them (the web app narrows both). */
export type ChatEventOf<Message, Call> =
  | { type: 'user-message'; message: Message }
  | { type: 'text'; delta: string }
  | { type: 'assistant-message'; message: Message }
  | { type: 'tool-start'; call: Call }
  | { type: 'tool-end'; call: Call }
  | { type: 'approval'; call: Call; approval: ApprovalCard }
  | { type: 'elicitation'; call: Call; elicitation: ElicitationCard }
  | { type: 'elicitation-end'; id: string }
  | { type: 'sampling'; call: Call; sampling: SamplingCard }
  | { type: 'sampling-end'; id: string }
  | { type: 'error'; error: { code: string; message: string } }
  | { type: 'done'; reason: TurnEnd };

export type TurnEnd = 'finished' | 'awaiting-approval' | 'stopped' | 'step-limit' | 'error';

/** What the person sees to decide on a tool call the model wants to make. */
export interface ApprovalCard {
  id: string;
  connector: string;
  tool: string;
  description: string;
  arguments: Record<string, unknown>;
}

/** A server's request for input during a tool call, shown in the conversation as a form. */
export interface ElicitationCard {
  id: string;
  connector: string;
  message: string;
  mode: 'form' | 'url';
  /** Form mode: the form's fields (a flat JSON Schema object). */
  requestedSchema?: Record<string, unknown>;
  /** URL mode: the page the server asks the person to open, shown in full and opened only on a click. */
  url?: string;
}

/** A server asking to use the conversation's model during a tool call, for the person to allow or deny. */
export interface SamplingCard {
  id: string;
  connector: string;
  systemPrompt: string | null;
  messages: Array<{ role: 'user' | 'assistant'; text: string }>;
  maxTokens: number;
}

/** The person's answer to an elicitation. */
export interface ElicitationAnswer {
  action: 'accept' | 'decline' | 'cancel';
  content?: Record<string, string | number | boolean | string[]>;
}
