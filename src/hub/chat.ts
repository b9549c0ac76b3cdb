import { randomUUID } from 'node:crypto';
import type {
  CallToolResult,
  CreateMessageRequest,
  CreateMessageResult,
  ElicitRequest,
  ElicitResult,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType,
} from '@modelcontextprotocol/client';
import { APICallError, generateText, jsonSchema, type ImagePart, type LanguageModel, type ModelMessage, streamText, type ToolSet, tool } from 'ai';
import { isPatchbayError, PatchbayError, toPatchbayError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { ChatAttachment, ChatMessage, ChatToolCall, Conversation, ConversationPatch, NewChatToolCall, Store } from '../store/index.ts';
import { inspectText } from '../policy/index.ts';
import type { Actor, Hub, ModelTool } from './hub.ts';
import type { ChatEvent, ElicitationAnswer } from './chat-events.ts';
import type { ModelEndpoints } from './model-endpoints.ts';
import { CALL_TOOL, DESCRIBE_TOOL, definitionOf, SEARCH_TOOL, searchTools, surfaceDefinitions, type ToolDefinition, toolFootprint } from './tool-surface.ts';

export type { ApprovalCard, ChatEvent, ElicitationAnswer, ElicitationCard, SamplingCard, TurnEnd } from './chat-events.ts';

// The provider packages print their warnings to the console; a server's log is not the console.
(globalThis as { AI_SDK_LOG_WARNINGS?: boolean }).AI_SDK_LOG_WARNINGS = false;

interface PendingElicitation {
  userId: string;
  conversationId: string;
  kind: 'elicitation' | 'sampling';
  resolve: (answer: ElicitationAnswer) => void;
}

/** Something the person attached to a message from the paperclip menu. */
export type AttachmentInput =
  | { kind: 'resource'; connector: string; uri: string }
  | { kind: 'prompt'; connector: string; name: string; arguments?: Record<string, string> };

/** One connector's part of the paperclip menu. */
export interface AttachableGroup {
  connector: string;
  resources: Resource[];
  resourceTemplates: ResourceTemplateType[];
  prompts: Prompt[];
  error: { code: string; message: string } | null;
}

export interface ChatDeps {
  hub: Hub;
  models: ModelEndpoints;
  store: Store;
  logger: Logger;
  /** Tool steps the model may take in one turn before the turn stops. */
  maxToolSteps?: number;
  /** Longest answer the model may write in one step, in tokens. */
  maxOutputTokens?: number;
  /**
   * Above this many (estimated) tokens of tool definitions, the model is given the
   * search/describe/call surface instead of every definition.
   */
  toolTokenBudget?: number;
}

/** What a conversation's model is told about tools, and what that costs. */
export interface ToolOffer {
  tools: ModelTool[];
  /** The definitions sent to the model: every tool's, or the three of the search surface. */
  definitions: ToolDefinition[];
  compact: boolean;
  budget: number;
  footprint: ReturnType<typeof toolFootprint>;
}

const DEFAULT_TITLE = 'New conversation';
const REFUSAL_CODES = new Set(['TOOL_BLOCKED', 'TOOL_DISABLED', 'TOOL_DEFINITION_CHANGED', 'TOOL_NOT_FOUND', 'USAGE_LIMIT_EXCEEDED', 'APPROVAL_INVALID', 'CONNECTOR_NOT_FOUND']);
const SYSTEM_PROMPT =
  'You are an assistant in Patchbay. You may use the tools of the connectors enabled for this conversation. ' +
  'A tool call can be refused by the person or by their settings: then say so and do not retry it.';

/**
 * Conversations with a model that uses the person's connectors. Every tool call goes
 * through the hub's one door at the chat door (`direct: false`, so Ask applies); a call
 * that needs approval pauses the turn, which continues once the person answers.
 */
export class Chat {
  readonly #hub: Hub;
  readonly #models: ModelEndpoints;
  readonly #store: Store;
  readonly #log: Logger;
  readonly #maxToolSteps: number;
  readonly #maxOutputTokens: number;
  readonly #toolTokenBudget: number;
  /** Turns running in this process, per conversation: what `stop` aborts. */
  readonly #running = new Map<string, AbortController>();
  /** Elicitations waiting for the person, by id: the tool call that caused them is running in this process. */
  readonly #elicitations = new Map<string, PendingElicitation>();

  constructor(deps: ChatDeps) {
    this.#hub = deps.hub;
    this.#models = deps.models;
    this.#store = deps.store;
    this.#log = deps.logger;
    this.#maxToolSteps = deps.maxToolSteps ?? 8;
    this.#maxOutputTokens = deps.maxOutputTokens ?? 4096;
    this.#toolTokenBudget = deps.toolTokenBudget ?? 4000;
  }

  get maxToolSteps(): number {
    return this.#maxToolSteps;
  }

  // ---- conversations ---------------------------------------------------------------

  async createConversation(actor: Actor, input: { title?: string; modelId?: string | null; project?: string | null; connectors?: string[] | null } = {}): Promise<Conversation> {
    const title = validTitle(input.title ?? DEFAULT_TITLE);
    const modelId = input.modelId ?? (await this.#models.list(actor))[0]?.id ?? null;
    if (modelId) await this.#models.get(actor, modelId);
    const connectors = input.connectors === undefined || input.connectors === null ? null : await this.#validConnectors(actor, input.connectors);
    return this.#store.conversations.create({ userId: actor.userId, title, modelId, project: input.project ?? null, connectors });
  }

  listConversations(actor: Actor): Promise<Conversation[]> {
    return this.#store.conversations.list(actor.userId);
  }

  async getConversation(actor: Actor, id: string): Promise<{ conversation: Conversation; messages: ChatMessage[] }> {
    const conversation = await this.#conversation(actor, id);
    return { conversation, messages: await this.#store.messages.list(id) };
  }

  async updateConversation(actor: Actor, id: string, patch: ConversationPatch): Promise<Conversation> {
    await this.#conversation(actor, id);
    const change: ConversationPatch = {};
    if (patch.title !== undefined) change.title = validTitle(patch.title);
    if (patch.modelId !== undefined) {
      if (patch.modelId !== null) await this.#models.get(actor, patch.modelId);
      change.modelId = patch.modelId;
    }
    if (patch.project !== undefined) change.project = patch.project;
    if (patch.connectors !== undefined) change.connectors = patch.connectors === null ? null : await this.#validConnectors(actor, patch.connectors);
    return this.#store.conversations.update(actor.userId, id, change);
  }

  async deleteConversation(actor: Actor, id: string): Promise<void> {
    await this.#conversation(actor, id);
    this.#running.get(id)?.abort();
    await this.#store.conversations.remove(actor.userId, id);
  }

  /** What the model of a conversation is told about tools: every definition, or the search surface when they cost more than the budget. */
  async toolOffer(actor: Actor, conversation: Conversation): Promise<ToolOffer> {
    return offerFor(await this.toolsFor(actor, conversation), this.#toolTokenBudget);
  }

  /** The tools the conversation's model is offered: enabled ones of its connectors, under their stable names. */
  async toolsFor(actor: Actor, conversation: Conversation): Promise<ModelTool[]> {
    const tools = await this.#hub.modelTools(actor, { project: conversation.project ?? undefined });
    return conversation.connectors === null ? tools : tools.filter((t) => conversation.connectors!.includes(t.connector));
  }

  /**
   * What the paperclip menu offers: the resources, resource templates and prompts of every
   * connector the conversation may use, grouped by connector; a connector that cannot list
   * them says why instead.
   */
  async attachables(actor: Actor, conversationId: string): Promise<AttachableGroup[]> {
    const conversation = await this.#conversation(actor, conversationId);
    const connectors = (await this.#hub.listConnectors(actor, { project: conversation.project ?? undefined })).filter(
      (c) => conversation.connectors === null || conversation.connectors.includes(c.name),
    );
    return Promise.all(
      connectors.map(async (c): Promise<AttachableGroup> => {
        if (c.status === 'needs-sign-in') return { connector: c.name, resources: [], resourceTemplates: [], prompts: [], error: { code: 'AUTH_REQUIRED', message: `Sign in to ${c.name} to use what it offers.` } };
        try {
          const catalog = await this.#hub.catalog(actor, c.name);
          return { connector: c.name, resources: catalog.resources, resourceTemplates: catalog.resourceTemplates, prompts: catalog.prompts, error: null };
        } catch (error) {
          return { connector: c.name, resources: [], resourceTemplates: [], prompts: [], error: describe(error) };
        }
      }),
    );
  }

  // ---- turns -----------------------------------------------------------------------

  /** Sends the person's message and streams the model's turn. */
  async *send(actor: Actor, conversationId: string, input: { text: string; attachments?: AttachmentInput[] }, signal?: AbortSignal): AsyncGenerator<ChatEvent> {
    const conversation = await this.#conversation(actor, conversationId);
    const text = typeof input.text === 'string' ? input.text : '';
    const attachments = input.attachments ?? [];
    if (text.trim() === '' && attachments.length === 0) throw new PatchbayError('VALIDATION_FAILED', 'Write a message or attach something before sending.');
    if (text.length > 100_000) throw new PatchbayError('VALIDATION_FAILED', 'The message is longer than 100,000 characters; shorten it or attach the text as a resource.');
    const chatActor = asChat(actor);
    yield* this.#exclusive(conversationId, signal, async function* (this: Chat, turnSignal: AbortSignal) {
      for (const call of await this.#settleUnanswered(actor, conversationId)) yield { type: 'tool-end', call };
      const resolved = await Promise.all(attachments.map((a) => this.#resolveAttachment(chatActor, a, turnSignal)));
      const message = await this.#store.messages.append({ conversationId, role: 'user', parts: text.trim() === '' ? [] : [{ type: 'text', text }], attachments: resolved });
      if (conversation.title === DEFAULT_TITLE && text.trim() !== '') {
        await this.#store.conversations.update(actor.userId, conversationId, { title: validTitle(text.trim().split('\n')[0].slice(0, 60)) });
      }
      yield { type: 'user-message', message };
      yield* this.#run(chatActor, conversationId, turnSignal);
    });
  }

  /**
   * Answers a tool call's approval (Allow once, Always allow, Deny) and continues the turn.
   * `continue` answers nothing: it goes on as the request was answered elsewhere (the
   * Approvals page, `patchbay approve`) — the call runs only if the person allowed it there —
   * or, when nobody answered in time, tells the model the call did not run. A request still
   * waiting is refused (APPROVAL_INVALID) and nothing changes.
   */
  async *answer(actor: Actor, conversationId: string, approvalId: string, answer: 'once' | 'always' | 'deny' | 'continue', signal?: AbortSignal): AsyncGenerator<ChatEvent> {
    await this.#conversation(actor, conversationId);
    const chatActor = asChat(actor);
    yield* this.#exclusive(conversationId, signal, async function* (this: Chat, turnSignal: AbortSignal) {
      const call = await this.#store.messages.findToolCallByApproval(conversationId, approvalId);
      if (!call) throw new PatchbayError('NOT_FOUND', `No tool call in this conversation waits for approval ${approvalId.slice(0, 40)}.`);
      if (call.status !== 'awaiting-approval') throw new PatchbayError('APPROVAL_INVALID', 'This tool call was already answered.');
      const decided = answer === 'continue' ? await this.#answeredElsewhere(actor, approvalId) : await this.#answerHere(actor, chatActor, approvalId, answer);
      // Claimed in the store: of two Patchbays continuing the same call (another replica, another tab there), one goes on.
      const claimed = await this.#store.messages.claimToolCall(
        call.id,
        'awaiting-approval',
        decided === 'allow'
          ? { status: 'pending' }
          : decided === 'deny'
            ? { status: 'denied', error: { code: 'APPROVAL_DENIED', message: 'The person denied this call.' } }
            : { status: 'cancelled', error: { code: 'APPROVAL_EXPIRED', message: 'Nobody answered the approval request in time; the call did not run.' } },
      );
      if (!claimed) throw new PatchbayError('APPROVAL_INVALID', 'This tool call was already answered.');
      if (decided !== 'allow') yield { type: 'tool-end', call: claimed };
      yield* this.#run(chatActor, conversationId, turnSignal);
    });
  }

  async #answerHere(actor: Actor, chatActor: Actor, approvalId: string, answer: 'once' | 'always' | 'deny'): Promise<'allow' | 'deny'> {
    try {
      await this.#hub.answerApproval(chatActor, approvalId, answer);
      return answer === 'deny' ? 'deny' : 'allow';
    } catch (error) {
      // Answered elsewhere meanwhile (the connector's page, `patchbay approve`): that answer stands.
      const request = await this.#hub.approvalRequest(actor, approvalId);
      if (!isPatchbayError(error, 'APPROVAL_INVALID') || (request?.status !== 'allowed' && request?.status !== 'denied')) throw error;
      return request.status === 'allowed' ? 'allow' : 'deny';
    }
  }

  /** How the person answered the request elsewhere; 'expired' when nobody did in time. Never answers it. */
  async #answeredElsewhere(actor: Actor, approvalId: string): Promise<'allow' | 'deny' | 'expired'> {
    const request = await this.#hub.approvalRequest(actor, approvalId);
    if (!request) throw new PatchbayError('NOT_FOUND', `No approval request ${approvalId.slice(0, 40)}.`);
    if (request.status === 'allowed') return 'allow';
    if (request.status === 'denied') return 'deny';
    if (request.status === 'pending' && request.expiresAt > new Date().toISOString()) {
      throw new PatchbayError('APPROVAL_INVALID', 'This call has not been answered yet: answer it here or on the Approvals page.');
    }
    return 'expired';
  }

  /** Stops the conversation's running turn in this process: the model stream and any tool call in flight. */
  stop(actor: Actor, conversationId: string): boolean {
    void actor;
    const running = this.#running.get(conversationId);
    running?.abort();
    return running !== undefined;
  }

  /** Answers a server's request for input during a running tool call of the conversation. */
  async answerElicitation(actor: Actor, conversationId: string, elicitationId: string, answer: ElicitationAnswer): Promise<void> {
    await this.#conversation(actor, conversationId);
    const pending = this.#elicitations.get(elicitationId);
    if (!pending || pending.userId !== actor.userId || pending.conversationId !== conversationId) {
      throw new PatchbayError('NOT_FOUND', 'No request for input is waiting with that id: it was answered, or its tool call ended.');
    }
    if (!['accept', 'decline', 'cancel'].includes(answer?.action)) throw new PatchbayError('VALIDATION_FAILED', 'Answer with action "accept", "decline" or "cancel".');
    if (pending.kind === 'elicitation' && answer.action === 'accept' && answer.content !== undefined && (answer.content === null || typeof answer.content !== 'object' || Array.isArray(answer.content))) {
      throw new PatchbayError('VALIDATION_FAILED', 'Accepting needs the form’s content as an object.');
    }
    if (pending.kind === 'sampling') answer = { action: answer.action };
    this.#elicitations.delete(elicitationId);
    pending.resolve(answer);
  }

  async *#exclusive(conversationId: string, outer: AbortSignal | undefined, body: (this: Chat, signal: AbortSignal) => AsyncGenerator<ChatEvent>): AsyncGenerator<ChatEvent> {
    if (this.#running.has(conversationId)) {
      throw new PatchbayError('CONVERSATION_BUSY', 'This conversation is already answering. Wait for it, or stop it first.');
    }
    const controller = new AbortController();
    const onOuterAbort = () => controller.abort();
    outer?.addEventListener('abort', onOuterAbort, { once: true });
    this.#running.set(conversationId, controller);
    try {
      yield* body.call(this, controller.signal);
    } finally {
      outer?.removeEventListener('abort', onOuterAbort);
      this.#running.delete(conversationId);
    }
  }

  /** The loop: run pending tool calls, ask the model, until it answers without tools, waits for approval, or stops. */
  async *#run(actor: Actor, conversationId: string, signal: AbortSignal): AsyncGenerator<ChatEvent> {
    const conversation = await this.#conversation(actor, conversationId);
    if (!conversation.modelId) {
      yield { type: 'error', error: { code: 'MODEL_NOT_CONFIGURED', message: 'This conversation has no model. Add one in Settings › Models and pick it for the conversation.' } };
      yield { type: 'done', reason: 'error' };
      return;
    }
    let model: LanguageModel;
    try {
      ({ model } = await this.#models.languageModel(actor, conversation.modelId));
    } catch (error) {
      yield { type: 'error', error: describe(error) };
      yield { type: 'done', reason: 'error' };
      return;
    }
    const offer = await this.toolOffer(actor, conversation);
    const offered = offer.tools;
    let steps = 0;
    for (;;) {
      const messages = await this.#store.messages.list(conversationId);
      const last = messages.at(-1);
      const pending = last?.role === 'assistant' ? last.toolCalls.filter((c) => c.status === 'pending') : [];
      if (pending.length > 0) {
        for (const call of pending) {
          if (signal.aborted) {
            yield { type: 'tool-end', call: await this.#store.messages.updateToolCall(call.id, { status: 'cancelled', error: cancelled() }) };
            continue;
          }
          const outcome = yield* this.#execute(actor, conversation, call, offered, signal);
          if (outcome === 'awaiting-approval') {
            yield { type: 'done', reason: 'awaiting-approval' };
            return;
          }
        }
        if (signal.aborted) {
          yield { type: 'done', reason: 'stopped' };
          return;
        }
        continue;
      }
      if (last?.role === 'assistant' && last.toolCalls.length === 0) {
        yield { type: 'done', reason: 'finished' };
        return;
      }
      if (last?.role === 'assistant' && last.toolCalls.some((c) => c.status === 'awaiting-approval')) {
        yield { type: 'done', reason: 'awaiting-approval' };
        return;
      }
      steps += 1;
      const outcome = yield* this.#ask(model, conversationId, toModelMessages(messages), offer, signal, steps > this.#maxToolSteps);
      if (outcome !== 'continue') {
        yield { type: 'done', reason: outcome };
        return;
      }
    }
  }

  /** One model step: streams its text, then stores its message and the tool calls it made. */
  async *#ask(
    model: LanguageModel,
    conversationId: string,
    messages: ModelMessage[],
    offer: ToolOffer,
    signal: AbortSignal,
    lastStep: boolean,
  ): AsyncGenerator<ChatEvent, 'continue' | 'stopped' | 'error' | 'step-limit'> {
    const tools: ToolSet = {};
    if (!lastStep) {
      for (const d of offer.definitions) tools[d.name] = tool({ description: d.description, inputSchema: jsonSchema(d.inputSchema as Parameters<typeof jsonSchema>[0]) });
    }
    const result = streamText({
      model,
      system: SYSTEM_PROMPT,
      messages,
      tools: Object.keys(tools).length > 0 ? tools : undefined,
      abortSignal: signal,
      maxRetries: 1,
      maxOutputTokens: this.#maxOutputTokens,
      // Failures arrive as error parts below; the default handler would print them, request and all.
      onError: () => {},
    });
    let text = '';
    const calls: NewChatToolCall[] = [];
    let failure: { code: string; message: string } | undefined;
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') {
        text += part.text;
        yield { type: 'text', delta: part.text };
      } else if (part.type === 'tool-call') {
        const input = isObject(part.input) ? part.input : {};
        // Through the search surface, the tool meant is named in the arguments.
        const meant = part.toolName === CALL_TOOL && typeof input.name === 'string' ? input.name : part.toolName;
        const known = offer.tools.find((t) => t.name === meant);
        const [connector, ...rest] = meant.split('__');
        calls.push({
          modelCallId: part.toolCallId,
          toolName: part.toolName,
          connector: known?.connector ?? (rest.length > 0 ? connector : null),
          connectorTool: known?.toolName ?? (rest.length > 0 ? rest.join('__') : null),
          arguments: input,
        });
      } else if (part.type === 'error') {
        failure = modelFailure(part.error);
      } else if (part.type === 'abort') {
        break;
      }
    }
    const stopped = signal.aborted;
    // Past the cap the model is offered no tools; calls it makes anyway are not run.
    const overLimit = lastStep && calls.length > 0 && !stopped;
    if (overLimit) calls.length = 0;
    if (text !== '' || calls.length > 0 || stopped || overLimit) {
      const message = await this.#store.messages.append({ conversationId, role: 'assistant', parts: text === '' ? [] : [{ type: 'text', text }], toolCalls: stopped ? [] : calls });
      yield { type: 'assistant-message', message };
    }
    if (stopped) return 'stopped';
    if (overLimit) {
      const message = `The model wanted more tool calls after ${this.#maxToolSteps} steps, the most one turn may take; the turn stopped. Send a message to let it go on.`;
      yield { type: 'error', error: { code: 'CHAT_STEP_LIMIT', message } };
      return 'step-limit';
    }
    if (failure) {
      this.#log.warn('the model endpoint failed', { code: failure.code });
      yield { type: 'error', error: failure };
      return 'error';
    }
    if (text === '' && calls.length === 0) {
      // An empty answer still ends the turn as an answer.
      const message = await this.#store.messages.append({ conversationId, role: 'assistant', parts: [] });
      yield { type: 'assistant-message', message };
    }
    return 'continue';
  }

  /** One tool call through the one door; the outcome stored with the call. */
  async *#execute(actor: Actor, conversation: Conversation, call: ChatToolCall, offered: ModelTool[], signal: AbortSignal): AsyncGenerator<ChatEvent, 'done' | 'awaiting-approval'> {
    yield { type: 'tool-start', call };
    if (call.toolName === SEARCH_TOOL || call.toolName === DESCRIBE_TOOL) {
      // Patchbay's own tools: they only read what the model may already use, so no door is involved.
      const result = surfaceResult(call, offered);
      yield { type: 'tool-end', call: await this.#store.messages.updateToolCall(call.id, { status: 'done', result, error: null }) };
      return 'done';
    }
    const through = call.toolName === CALL_TOOL;
    const toolName = through ? String(call.arguments.name ?? '') : call.toolName;
    const args = through ? (isObject(call.arguments.arguments) ? call.arguments.arguments : {}) : call.arguments;
    const known = offered.find((t) => t.name === toolName);
    // Requests for input the server sends while the call runs, shown to the person as they come.
    const asked: ChatEvent[] = [];
    let wake: (() => void) | undefined;
    /** Shows a request from the server to the person and waits for the answer (cancelled if the turn stops). */
    const askPerson = (kind: 'elicitation' | 'sampling', show: (id: string) => ChatEvent): Promise<ElicitationAnswer> => {
      const id = randomUUID();
      return new Promise<ElicitationAnswer>((resolve) => {
        const finish = (answer: ElicitationAnswer) => {
          signal.removeEventListener('abort', onAbort);
          asked.push(kind === 'elicitation' ? { type: 'elicitation-end', id } : { type: 'sampling-end', id });
          wake?.();
          resolve(answer);
        };
        const onAbort = () => {
          this.#elicitations.delete(id);
          finish({ action: 'cancel' });
        };
        signal.addEventListener('abort', onAbort, { once: true });
        this.#elicitations.set(id, { userId: actor.userId, conversationId: conversation.id, kind, resolve: finish });
        asked.push(show(id));
        wake?.();
      });
    };
    const onElicitation = async (request: ElicitRequest['params'], context: { connector: string }): Promise<ElicitResult> => {
      const url = request.mode === 'url' && 'url' in request ? String(request.url) : undefined;
      if (url !== undefined && !/^https?:\/\//i.test(url)) return { action: 'decline' };
      const answer = await askPerson('elicitation', (id) => ({
        type: 'elicitation',
        call,
        elicitation:
          url !== undefined
            ? { id, connector: context.connector, message: request.message, mode: 'url', url }
            : { id, connector: context.connector, message: request.message, mode: 'form', requestedSchema: ('requestedSchema' in request ? request.requestedSchema : {}) as Record<string, unknown> },
      }));
      if (answer.action !== 'accept') return { action: answer.action };
      return url !== undefined ? { action: 'accept' } : { action: 'accept', content: answer.content ?? {} };
    };
    const onSampling = async (request: CreateMessageRequest['params'], context: { connector: string }): Promise<CreateMessageResult> => {
      const messages = request.messages.map((m) => ({ role: m.role, text: samplingText(m.content) }));
      const maxTokens = Math.min(request.maxTokens, this.#maxOutputTokens);
      const answer = await askPerson('sampling', (id) => ({
        type: 'sampling',
        call,
        sampling: { id, connector: context.connector, systemPrompt: request.systemPrompt ?? null, messages, maxTokens },
      }));
      if (answer.action !== 'accept') throw new PatchbayError('ELICITATION_DECLINED', 'The person did not allow the server to use their model.');
      const { model, endpoint } = await this.#models.languageModel(actor, conversation.modelId ?? '');
      const generated = await generateText({
        model,
        system: request.systemPrompt,
        messages: messages.map((m) => ({ role: m.role, content: m.text })),
        maxOutputTokens: maxTokens,
        abortSignal: signal,
        maxRetries: 1,
      });
      return { role: 'assistant', content: { type: 'text', text: generated.text }, model: endpoint.model, stopReason: generated.finishReason === 'length' ? 'maxTokens' : 'endTurn' };
    };
    const ctx = { signal, conversationId: conversation.id, direct: false, approvalId: call.approvalId ?? undefined, onElicitation, onSampling };
    const running = (async (): Promise<CallToolResult> => {
      // The turn already holds the offered tool: straight to the door, without listing every tool again.
      if (known) return this.#hub.callTool(actor, known.connector, known.toolName, args, ctx);
      // Not offered: a tool that is off, blocked or of a connector outside the conversation. The door
      // says why for the person's own connectors; others are simply unknown.
      const [connector, ...rest] = toolName.split('__');
      const connectorTool = rest.join('__');
      if (!connectorTool || (conversation.connectors !== null && !conversation.connectors.includes(connector))) {
        throw new PatchbayError('TOOL_NOT_FOUND', `There is no tool "${toolName.slice(0, 80)}" in this conversation. Search for tools by what they do.`);
      }
      return this.#hub.callTool(actor, connector, connectorTool, args, ctx);
    })();
    let settled = false;
    const ended = running.then(
      () => {
        settled = true;
      },
      () => {
        settled = true;
      },
    );
    while (!settled || asked.length > 0) {
      const next = asked.shift();
      if (next) {
        yield next;
        continue;
      }
      await Promise.race([ended, new Promise<void>((resolve) => (wake = resolve))]);
    }
    wake = undefined;
    try {
      const result = await running;
      yield { type: 'tool-end', call: await this.#store.messages.updateToolCall(call.id, { status: 'done', result, error: null }) };
      return 'done';
    } catch (error) {
      const err = toPatchbayError(error);
      if (err.code === 'APPROVAL_REQUIRED') {
        const approvalId = String(err.details?.approvalId ?? '');
        const waiting = await this.#store.messages.updateToolCall(call.id, { status: 'awaiting-approval', approvalId });
        yield {
          type: 'approval',
          call: waiting,
          approval: {
            id: approvalId,
            connector: known?.connector ?? String(err.details?.connector ?? ''),
            tool: known?.toolName ?? String(err.details?.tool ?? toolName),
            description: known?.definition.description ?? '',
            arguments: args,
          },
        };
        return 'awaiting-approval';
      }
      const status = signal.aborted || err.code === 'CANCELLED' ? 'cancelled' : REFUSAL_CODES.has(err.code) ? 'refused' : 'error';
      if (err.code === 'INTERNAL') this.#log.error('a chat tool call failed', { tool: call.toolName, error });
      const failed = await this.#store.messages.updateToolCall(call.id, { status, error: status === 'cancelled' ? cancelled() : { code: err.code, message: err.message } });
      yield { type: 'tool-end', call: failed };
      return 'done';
    }
  }

  /**
   * Tool calls left waiting when the person writes again did not run: the model is told so,
   * their approval requests are withdrawn (they leave the Approvals page), and the page hears
   * that they ended.
   */
  async #settleUnanswered(actor: Actor, conversationId: string): Promise<ChatToolCall[]> {
    const last = (await this.#store.messages.list(conversationId)).at(-1);
    if (last?.role !== 'assistant') return [];
    const settled: ChatToolCall[] = [];
    for (const call of last.toolCalls) {
      if (call.status === 'pending' || call.status === 'awaiting-approval') {
        settled.push(await this.#store.messages.updateToolCall(call.id, { status: 'cancelled', error: { code: 'CANCELLED', message: 'The person wrote again without answering; the call did not run.' } }));
        if (call.approvalId) await this.#hub.withdrawApproval(actor, call.approvalId);
      }
    }
    return settled;
  }

  async #resolveAttachment(actor: Actor, input: AttachmentInput, signal: AbortSignal): Promise<Omit<ChatAttachment, 'id' | 'messageId' | 'position' | 'createdAt'>> {
    if (input?.kind === 'resource') {
      const content = await this.#hub.readResource(actor, input.connector, input.uri, { signal });
      return { kind: 'resource', connector: input.connector, ref: input.uri, arguments: null, content };
    }
    if (input?.kind === 'prompt') {
      const args = input.arguments ?? {};
      const content = await this.#hub.getPrompt(actor, input.connector, input.name, args, { signal });
      return { kind: 'prompt', connector: input.connector, ref: input.name, arguments: args, content };
    }
    throw new PatchbayError('VALIDATION_FAILED', 'An attachment is a resource ({kind: "resource", connector, uri}) or a prompt ({kind: "prompt", connector, name, arguments}).');
  }

  async #conversation(actor: Actor, id: string): Promise<Conversation> {
    const conversation = await this.#store.conversations.get(actor.userId, id);
    if (!conversation) throw new PatchbayError('CONVERSATION_NOT_FOUND', `No conversation ${String(id).slice(0, 60)}: it may have been deleted.`, { details: { id } });
    return conversation;
  }

  async #validConnectors(actor: Actor, names: string[]): Promise<string[]> {
    if (!Array.isArray(names) || names.some((n) => typeof n !== 'string')) throw new PatchbayError('VALIDATION_FAILED', 'Connectors are given as a list of names.');
    const known = new Set((await this.#hub.listConnectors(actor)).map((c) => c.name));
    const unknown = names.filter((n) => !known.has(n));
    if (unknown.length > 0) throw new PatchbayError('CONNECTOR_NOT_FOUND', `No connector named ${unknown.map((n) => `"${n.slice(0, 64)}"`).join(', ')}. Run \`patchbay list\` to see yours.`);
    return [...new Set(names)];
  }
}

function offerFor(tools: ModelTool[], budget: number): ToolOffer {
  const footprint = toolFootprint(tools);
  const compact = footprint.total > budget;
  const definitions = compact ? surfaceDefinitions(tools.length, footprint.connectors.map((c) => c.connector)) : tools.map(definitionOf);
  return { tools, definitions, compact, budget, footprint };
}

/** Answers the search surface's search and describe calls from the tools the model may use. */
function surfaceResult(call: ChatToolCall, tools: ModelTool[]): CallToolResult {
  if (call.toolName === SEARCH_TOOL) {
    const query = typeof call.arguments.query === 'string' ? call.arguments.query : '';
    const limit = typeof call.arguments.limit === 'number' ? call.arguments.limit : 8;
    const found = searchTools(tools, query, limit);
    if (found.length === 0) return { content: [{ type: 'text', text: `No tool matches "${query.slice(0, 200)}". Try other words.` }] };
    return { content: [{ type: 'text', text: found.map((f) => `${f.name}: ${f.summary}`).join('\n') }], structuredContent: { tools: found.map(({ name, connector, summary }) => ({ name, connector, summary })) } };
  }
  const name = typeof call.arguments.name === 'string' ? call.arguments.name : '';
  const tool = tools.find((t) => t.name === name);
  if (!tool) return { content: [{ type: 'text', text: `No tool named "${name.slice(0, 100)}". Search for tools first.` }], isError: true };
  return { content: [{ type: 'text', text: JSON.stringify(definitionOf(tool), null, 2) }] };
}

function asChat(actor: Actor): Actor {
  return { userId: actor.userId, door: 'chat' };
}

function validTitle(title: string): string {
  const trimmed = typeof title === 'string' ? title.replace(/[\u0000-\u001f\u007f]/g, ' ').trim() : '';
  if (trimmed.length === 0 || trimmed.length > 200) throw new PatchbayError('VALIDATION_FAILED', 'A conversation title is 1 to 200 characters.');
  return trimmed;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function cancelled() {
  return { code: 'CANCELLED', message: 'Stopped by the person; the call was cancelled.' };
}

function describe(error: unknown): { code: string; message: string } {
  const err = toPatchbayError(error);
  return { code: err.code, message: err.message };
}

/** A model endpoint's failure in words, without the request (which carries the key in its headers). */
function modelFailure(error: unknown): { code: string; message: string } {
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    const hint = status === 401 || status === 403 ? ' Check the API key in Settings › Models.' : status === 404 ? ' Check the model id and base URL in Settings › Models.' : '';
    return { code: 'MODEL_ERROR', message: `The model endpoint answered ${status ?? 'with an error'}: ${error.message.slice(0, 500)}.${hint}` };
  }
  const cause = error instanceof Error ? error.message : String(error);
  return { code: 'MODEL_ERROR', message: `The model endpoint could not be reached or answered something unreadable: ${cause.slice(0, 300)}. Check its base URL in Settings › Models.` };
}

// ---- history as the model sees it --------------------------------------------------

/** The stored conversation as AI SDK model messages: prompts inserted, resources given as text, tool results after their calls. */
export function toModelMessages(messages: ChatMessage[]): ModelMessage[] {
  const out: ModelMessage[] = [];
  for (const message of messages) {
    if (message.role === 'user') {
      const texts: string[] = [];
      const images: ImagePart[] = [];
      for (const attachment of message.attachments) {
        if (attachment.kind === 'prompt') {
          for (const m of (attachment.content as GetPromptResult).messages ?? []) {
            const text = withoutHiddenText(contentText(m.content));
            if (m.role === 'assistant') out.push({ role: 'assistant', content: text });
            else out.push({ role: 'user', content: text });
          }
        } else {
          const read = attachment.content as ReadResourceResult;
          const body = (read.contents ?? []).map((c) => {
            if ('text' in c && typeof c.text === 'string') return withoutHiddenText(c.text);
            const blob = 'blob' in c && typeof c.blob === 'string' ? c.blob : undefined;
            // A picture goes to the model as a picture (from the data the server sent, never a URL to fetch).
            if (blob !== undefined && c.mimeType && MODEL_IMAGE_TYPES.has(c.mimeType) && base64Bytes(blob) <= MAX_MODEL_IMAGE_BYTES) {
              images.push({ type: 'image', image: blob, mediaType: c.mimeType });
              return `[image ${c.uri}, ${c.mimeType}, attached below]`;
            }
            return `[binary content, ${c.mimeType ?? 'unknown type'}${blob !== undefined ? `, ${base64Bytes(blob)} bytes` : ''}]`;
          });
          texts.push(`Attached resource ${attachment.ref} from the connector "${attachment.connector}":\n${body.join('\n')}`);
        }
      }
      for (const part of message.parts) if (part.type === 'text') texts.push(part.text);
      if (images.length > 0) out.push({ role: 'user', content: [{ type: 'text', text: texts.join('\n\n') }, ...images] });
      else if (texts.length > 0) out.push({ role: 'user', content: texts.join('\n\n') });
      continue;
    }
    const text = message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
    if (message.toolCalls.length === 0) {
      out.push({ role: 'assistant', content: text });
      continue;
    }
    out.push({
      role: 'assistant',
      content: [
        ...(text ? [{ type: 'text' as const, text }] : []),
        ...message.toolCalls.map((c) => ({ type: 'tool-call' as const, toolCallId: c.modelCallId, toolName: c.toolName, input: c.arguments })),
      ],
    });
    out.push({
      role: 'tool',
      content: message.toolCalls.map((c) => ({ type: 'tool-result' as const, toolCallId: c.modelCallId, toolName: c.toolName, output: toolOutput(c) })),
    });
  }
  return out;
}

function toolOutput(call: ChatToolCall): { type: 'text'; value: string } | { type: 'error-text'; value: string } {
  if (call.status === 'done') {
    const result = call.result as CallToolResult;
    const text = withoutHiddenText(resultText(result));
    return result.isError ? { type: 'error-text', value: text || 'The tool reported an error.' } : { type: 'text', value: text };
  }
  if (call.status === 'refused') return { type: 'error-text', value: `Refused by Patchbay (${call.error?.code}): ${call.error?.message}` };
  if (call.status === 'denied') return { type: 'error-text', value: 'The person denied this call. Do not call it again unless they ask.' };
  if (call.status === 'cancelled') return { type: 'error-text', value: call.error?.message ?? 'The call was cancelled.' };
  if (call.status === 'error') return { type: 'error-text', value: `The call failed (${call.error?.code}): ${call.error?.message}` };
  return { type: 'error-text', value: 'The call did not run.' };
}

/** A tool result as text for any model: text as is, other content described. */
export function resultText(result: CallToolResult): string {
  const parts: string[] = [];
  for (const c of result.content ?? []) {
    if (c.type === 'text') parts.push(c.text);
    else if (c.type === 'image' || c.type === 'audio') parts.push(`[${c.type}: ${c.mimeType}, ${base64Bytes(c.data)} bytes]`);
    else if (c.type === 'resource_link') parts.push(`[resource link: ${c.uri}${c.name ? ` (${c.name})` : ''}]`);
    else if (c.type === 'resource') parts.push('text' in c.resource && typeof c.resource.text === 'string' ? c.resource.text : `[embedded resource: ${c.resource.uri}]`);
  }
  if (result.structuredContent && parts.length === 0) parts.push(JSON.stringify(result.structuredContent));
  return parts.join('\n');
}

function samplingText(content: unknown): string {
  const parts = Array.isArray(content) ? content : [content];
  return parts.map((c) => (isObject(c) && c.type === 'text' && typeof c.text === 'string' ? c.text : `[${isObject(c) ? String(c.type) : 'content'}]`)).join('\n');
}

/**
 * What a server wrote, as the model is given it: invisible characters (tag characters,
 * zero-width and bidi controls, terminal escapes) removed, since they can carry
 * instructions a person never sees. The conversation keeps what the server sent.
 */
function withoutHiddenText(text: string): string {
  return inspectText(text).clean;
}

/** Picture types the model providers take inline, and the largest they take. */
const MODEL_IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const MAX_MODEL_IMAGE_BYTES = 4 * 1024 * 1024;

function base64Bytes(data: string): number {
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  return Math.floor((data.length * 3) / 4) - padding;
}

function contentText(content: unknown): string {
  if (isObject(content) && content.type === 'text' && typeof content.text === 'string') return content.text;
  if (isObject(content) && content.type === 'resource' && isObject(content.resource) && typeof content.resource.text === 'string') return content.resource.text;
  return `[${isObject(content) ? String(content.type) : 'content'}]`;
}
