import { type FormEvent, type KeyboardEvent, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError, apiRequest, messageOf } from '../api.ts';
import {
  type ApprovalCard,
  type AttachmentInput,
  type ChatEvent,
  type ChatMessage,
  type ChatToolCall,
  type Conversation,
  conversationPath,
  type ElicitationCard,
  listConversations,
  listModels,
  type ModelEndpoint,
  type OfferedTool,
  type SamplingCard,
  type ToolOffer,
  streamTurn,
} from '../chat-api.ts';
import { ChatApprovalCard, ChatToolCard } from '../components/chat-tool-card.tsx';
import { ChatAttachMenu, type ChosenAttachment } from '../components/chat-attach-menu.tsx';
import { ChatElicitationForm, ChatSamplingCard } from '../components/chat-elicitation.tsx';
import { Notice } from '../components/status-badge.tsx';
import { useWaitingApprovals } from '../waiting-approvals.tsx';
import { followLink, navigate } from '../router.ts';
import type { Connector } from '../types.ts';
import '../chat.css';

export function chatPage(id?: string): string {
  return id ? `/chat/${encodeURIComponent(id)}` : '/chat';
}

const END_WORDS: Record<string, string | null> = {
  finished: null,
  'awaiting-approval': null,
  stopped: 'Stopped.',
  'step-limit': null,
  error: null,
};

/** A server's request during a running call, waiting for the person. */
type Asked = { kind: 'elicitation'; callId: string; card: ElicitationCard } | { kind: 'sampling'; callId: string; card: SamplingCard };

const NO_CODES: ReadonlySet<string> = new Set();
/** What continuing after an answer given elsewhere may meet when the conversation moved on meanwhile. */
const ELSEWHERE_CODES: ReadonlySet<string> = new Set(['APPROVAL_INVALID', 'NOT_FOUND', 'CONVERSATION_BUSY']);

function replaceCall(messages: ChatMessage[], call: ChatToolCall): ChatMessage[] {
  return messages.map((m) => (m.id === call.messageId ? { ...m, toolCalls: m.toolCalls.map((c) => (c.id === call.id ? call : c)) } : m));
}

function MessageView(props: {
  message: ChatMessage;
  running: Set<string>;
  tools: OfferedTool[];
  approvals: Map<string, ApprovalCard>;
  answering: boolean;
  onAnswer: (approvalId: string, answer: 'once' | 'always' | 'deny') => void;
  conversationId: string;
  elicitations: Asked[];
  onElicitationDone: (id: string) => void;
}) {
  const { message } = props;
  const text = message.parts.map((p) => (p.type === 'text' ? p.text : '')).join('');
  return (
    <li className={`chat-message chat-${message.role}`}>
      <span className="visually-hidden">{message.role === 'user' ? 'You:' : 'Assistant:'}</span>
      {message.attachments.length > 0 ? (
        <ul className="chat-chips" aria-label="Attached">
          {message.attachments.map((a) => (
            <li key={a.id} className="chat-chip">
              {a.kind === 'prompt' ? 'Prompt' : 'Resource'} · {a.connector} · {a.ref}
            </li>
          ))}
        </ul>
      ) : null}
      {text ? <div className="chat-text">{text}</div> : null}
      {message.toolCalls.map((call) => {
        const description = props.tools.find((t) => t.name === call.toolName)?.description ?? null;
        const approval =
          call.status === 'awaiting-approval' && call.approvalId
            ? (props.approvals.get(call.id) ?? {
                id: call.approvalId,
                connector: call.connector ?? '',
                tool: call.connectorTool ?? call.toolName,
                description: description ?? '',
                arguments: call.arguments,
              })
            : null;
        return (
          <div key={call.id}>
            <ChatToolCard call={call} running={props.running.has(call.id)} description={description} />
            {approval ? <ChatApprovalCard approval={approval} busy={props.answering} onAnswer={(answer) => props.onAnswer(approval.id, answer)} /> : null}
            {props.elicitations
              .filter((e) => e.callId === call.id)
              .map((e) =>
                e.kind === 'sampling' ? (
                  <ChatSamplingCard key={e.card.id} conversationId={props.conversationId} card={e.card} onDone={() => props.onElicitationDone(e.card.id)} />
                ) : (
                  <ChatElicitationForm key={e.card.id} conversationId={props.conversationId} card={e.card} onDone={() => props.onElicitationDone(e.card.id)} />
                ),
              )}
          </div>
        );
      })}
    </li>
  );
}

function ConnectorChoice(props: { connectors: Connector[]; chosen: string[] | null; offer: ToolOffer | null; onChange: (next: string[] | null) => void }) {
  const all = props.chosen === null;
  const label = all ? 'All connectors' : props.chosen!.length === 0 ? 'No connectors' : props.chosen!.join(', ');
  return (
    <details className="chat-connectors">
      <summary>Connectors: {label}</summary>
      <fieldset>
        <legend className="visually-hidden">Connectors the model may use</legend>
        <label className="checkbox">
          <input type="checkbox" checked={all} onChange={(e) => props.onChange(e.target.checked ? null : props.connectors.map((c) => c.name))} />
          All connectors
        </label>
        {props.connectors.map((c) => (
          <label key={c.id} className="checkbox">
            <input
              type="checkbox"
              disabled={all}
              checked={all || props.chosen!.includes(c.name)}
              onChange={(e) => props.onChange(e.target.checked ? [...(props.chosen ?? []), c.name] : (props.chosen ?? []).filter((n) => n !== c.name))}
            />
            {c.name}
            <FootprintNote offer={props.offer} connector={c.name} />
          </label>
        ))}
        {props.offer ? (
          <p className="field-hint">
            Tool definitions: ≈{props.offer.footprint.total.toLocaleString()} tokens a turn
            {props.offer.compact
              ? ` — over the budget of ${props.offer.budget.toLocaleString()}, so the model searches the tools instead of getting them all.`
              : '.'}
          </p>
        ) : null}
      </fieldset>
    </details>
  );
}

function FootprintNote(props: { offer: ToolOffer | null; connector: string }) {
  const entry = props.offer?.footprint.connectors.find((c) => c.connector === props.connector);
  if (!entry) return null;
  return (
    <span className="muted">
      {' '}
      · {entry.tools} tools · ≈{entry.tokens.toLocaleString()} tokens
    </span>
  );
}

function ConversationView(props: { id: string; models: ModelEndpoint[]; connectors: Connector[]; onChanged: () => void }) {
  const [conversation, setConversation] = useState<Conversation | null>(null);
  const [messages, setMessages] = useState<ChatMessage[]>([]);
  const [offer, setOffer] = useState<ToolOffer | null>(null);
  const tools: OfferedTool[] = offer?.tools ?? [];
  const [draft, setDraft] = useState('');
  const [streaming, setStreaming] = useState(false);
  const [running, setRunning] = useState<Set<string>>(new Set());
  const [approvals, setApprovals] = useState<Map<string, ApprovalCard>>(new Map());
  const [elicitations, setElicitations] = useState<Asked[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [ended, setEnded] = useState<string | null>(null);
  const [text, setText] = useState('');
  const [attachments, setAttachments] = useState<ChosenAttachment[]>([]);
  const [renaming, setRenaming] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  const bottom = useRef<HTMLDivElement | null>(null);

  const loadTools = useCallback(() => {
    apiRequest<ToolOffer>('GET', conversationPath(props.id, '/tools')).then(setOffer, () => setOffer(null));
  }, [props.id]);

  useEffect(() => {
    apiRequest<{ conversation: Conversation; messages: ChatMessage[] }>('GET', conversationPath(props.id)).then(
      (r) => {
        setConversation(r.conversation);
        setMessages(r.messages);
      },
      (e) => setError(messageOf(e)),
    );
    loadTools();
    return () => abort.current?.abort();
  }, [props.id, loadTools]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: scrolls whenever the conversation grows
  useEffect(() => {
    bottom.current?.scrollIntoView?.({ block: 'end' });
  }, [messages, draft]);

  const apply = useCallback((event: ChatEvent) => {
    switch (event.type) {
      case 'user-message':
        setMessages((m) => [...m, event.message]);
        break;
      case 'text':
        setDraft((d) => d + event.delta);
        break;
      case 'assistant-message':
        setDraft('');
        setMessages((m) => [...m, event.message]);
        break;
      case 'tool-start':
        setRunning((r) => new Set(r).add(event.call.id));
        break;
      case 'tool-end':
        setRunning((r) => {
          const next = new Set(r);
          next.delete(event.call.id);
          return next;
        });
        setMessages((m) => replaceCall(m, event.call));
        break;
      case 'approval':
        setRunning((r) => {
          const next = new Set(r);
          next.delete(event.call.id);
          return next;
        });
        setApprovals((a) => new Map(a).set(event.call.id, event.approval));
        setMessages((m) => replaceCall(m, event.call));
        break;
      case 'elicitation':
        setElicitations((all) => [...all, { kind: 'elicitation', callId: event.call.id, card: event.elicitation }]);
        break;
      case 'sampling':
        setElicitations((all) => [...all, { kind: 'sampling', callId: event.call.id, card: event.sampling }]);
        break;
      case 'elicitation-end':
      case 'sampling-end':
        setElicitations((all) => all.filter((e) => e.card.id !== event.id));
        break;
      case 'error':
        setError(event.error.message);
        break;
      case 'done':
        setEnded(END_WORDS[event.reason] ?? null);
        break;
    }
  }, []);

  /** `quiet`: errors with these codes are not shown; the conversation is read again instead (it changed elsewhere). */
  const run = async (path: string, body: unknown, quiet: ReadonlySet<string> = NO_CODES) => {
    const controller = new AbortController();
    abort.current = controller;
    setStreaming(true);
    setError(null);
    setEnded(null);
    try {
      await streamTurn(path, body, apply, controller.signal);
      if (controller.signal.aborted) {
        // The stream was closed before its end: what was kept is on the server.
        const r = await apiRequest<{ messages: ChatMessage[] }>('GET', conversationPath(props.id));
        setMessages(r.messages);
        setEnded('Stopped.');
      }
    } catch (e) {
      if (e instanceof ApiError && quiet.has(e.code)) {
        const r = await apiRequest<{ messages: ChatMessage[] }>('GET', conversationPath(props.id)).catch(() => undefined);
        if (r) setMessages(r.messages);
      } else {
        setError(messageOf(e));
      }
    } finally {
      setStreaming(false);
      setDraft('');
      setRunning(new Set());
      setElicitations([]);
      abort.current = null;
      apiRequest<{ conversation: Conversation }>('GET', conversationPath(props.id)).then(
        (r) => setConversation(r.conversation),
        () => {},
      );
      props.onChanged();
    }
  };

  const send = async (event?: FormEvent) => {
    event?.preventDefault();
    if (streaming || (text.trim() === '' && attachments.length === 0)) return;
    const body: { text: string; attachments: AttachmentInput[] } = { text, attachments: attachments.map((a) => a.input) };
    setText('');
    setAttachments([]);
    await run(conversationPath(props.id, '/messages'), body);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault();
      void send();
    }
  };

  const answer = (approvalId: string, value: 'once' | 'always' | 'deny') => run(conversationPath(props.id, `/approvals/${encodeURIComponent(approvalId)}`), { answer: value });

  // A call of this conversation waits for an approval that was pending and no longer is: it was answered
  // elsewhere (the Approvals page, `patchbay approve`) or expired. The turn goes on as answered there
  // ('continue' answers nothing itself). Already taken care of (another tab, the call withdrawn) or
  // still waiting after all: the conversation is read again, quietly.
  const waiting = useWaitingApprovals();
  const seenPending = useRef(new Set<string>());
  useEffect(() => {
    if (!waiting.approvals) return;
    const pending = new Set(waiting.approvals.map((a) => a.id));
    for (const id of pending) seenPending.current.add(id);
    if (streaming) return;
    const awaiting = messages.flatMap((m) => m.toolCalls.filter((c) => c.status === 'awaiting-approval' && c.approvalId).map((c) => c.approvalId as string));
    const settled = awaiting.find((id) => seenPending.current.has(id) && !pending.has(id));
    if (settled === undefined) return;
    seenPending.current.delete(settled);
    void run(conversationPath(props.id, `/approvals/${encodeURIComponent(settled)}`), { answer: 'continue' }, ELSEWHERE_CODES);
  });

  const stop = async () => {
    try {
      const r = await apiRequest<{ stopped: boolean }>('POST', conversationPath(props.id, '/stop'));
      // Another Patchbay process may run this turn: closing the stream stops it there too.
      if (!r.stopped) abort.current?.abort();
    } catch (e) {
      abort.current?.abort();
      setError(messageOf(e));
    }
  };

  const update = async (patch: Partial<Pick<Conversation, 'title' | 'modelId' | 'connectors' | 'project'>>) => {
    try {
      const r = await apiRequest<{ conversation: Conversation }>('PATCH', conversationPath(props.id), patch);
      setConversation(r.conversation);
      props.onChanged();
      if (patch.connectors !== undefined || patch.project !== undefined) loadTools();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const remove = async () => {
    if (!conversation || !window.confirm(`Delete the conversation “${conversation.title}”? Its messages are deleted too.`)) return;
    try {
      await apiRequest('DELETE', conversationPath(props.id));
      props.onChanged();
      navigate(chatPage());
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const projects = [...new Set(props.connectors.flatMap((c) => (c.project ? [c.project] : [])))].sort();
  if (!conversation) return error ? <Notice tone="error">{error}</Notice> : <p className="muted">Loading…</p>;
  return (
    <section className="chat-main" aria-label="Conversation">
      <header className="chat-head">
        {renaming === null ? (
          <h1>{conversation.title}</h1>
        ) : (
          <form
            className="chat-rename"
            onSubmit={(e) => {
              e.preventDefault();
              void update({ title: renaming }).then(() => setRenaming(null));
            }}
          >
            <label className="visually-hidden" htmlFor="chat-title">
              Title
            </label>
            <input id="chat-title" value={renaming} onChange={(e) => setRenaming(e.target.value)} maxLength={200} />
            <button type="submit" className="button button-small">
              Save
            </button>
          </form>
        )}
        <div className="chat-controls">
          <label>
            <span className="visually-hidden">Model</span>
            <select aria-label="Model" value={conversation.modelId ?? ''} onChange={(e) => update({ modelId: e.target.value || null })}>
              {conversation.modelId === null ? <option value="">No model</option> : null}
              {props.models.map((m) => (
                <option key={m.id} value={m.id}>
                  {m.name}
                </option>
              ))}
            </select>
          </label>
          {projects.length > 0 ? (
            <label>
              <span className="visually-hidden">Project</span>
              <select aria-label="Project" value={conversation.project ?? ''} onChange={(e) => update({ project: e.target.value || null })}>
                <option value="">All projects</option>
                {projects.map((p) => (
                  <option key={p} value={p}>
                    Project {p}
                  </option>
                ))}
              </select>
            </label>
          ) : null}
          <ConnectorChoice
            connectors={props.connectors.filter((c) => conversation.project === null || c.project === conversation.project)}
            chosen={conversation.connectors}
            offer={offer}
            onChange={(next) => update({ connectors: next })}
          />
          <button type="button" className="button button-small" onClick={() => setRenaming(conversation.title)}>
            Rename
          </button>
          <button type="button" className="button button-small button-danger-quiet" onClick={remove}>
            Delete
          </button>
        </div>
      </header>
      <ol className="chat-messages" aria-live="polite" aria-busy={streaming}>
        {messages.map((m) => (
          <MessageView
            key={m.id}
            message={m}
            running={running}
            tools={tools}
            approvals={approvals}
            answering={streaming}
            onAnswer={answer}
            conversationId={props.id}
            elicitations={elicitations}
            onElicitationDone={(id) => setElicitations((all) => all.filter((e) => e.card.id !== id))}
          />
        ))}
        {draft ? (
          <li className="chat-message chat-assistant chat-streaming">
            <span className="visually-hidden">Assistant:</span>
            <div className="chat-text">{draft}</div>
          </li>
        ) : null}
      </ol>
      <div ref={bottom} />
      {ended ? <p className="muted">{ended}</p> : null}
      {error ? (
        <Notice tone="error" onDismiss={() => setError(null)}>
          {error}
        </Notice>
      ) : null}
      <div className="chat-composer">
        {attachments.length > 0 ? (
          <ul className="chat-chips" aria-label="To attach">
            {attachments.map((a, i) => (
              <li key={a.key} className="chat-chip">
                {a.label}
                <button type="button" className="icon-button" aria-label={`Remove ${a.label}`} onClick={() => setAttachments((all) => all.filter((_, j) => j !== i))}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        ) : null}
        <div className="chat-compose-row">
          <ChatAttachMenu conversationId={props.id} onAttach={(a) => setAttachments((all) => [...all, a])} />
          <form className="chat-compose-form" onSubmit={send}>
          <label className="visually-hidden" htmlFor="chat-input">
            Message
          </label>
          <textarea id="chat-input" value={text} onChange={(e) => setText(e.target.value)} onKeyDown={onKeyDown} rows={2} placeholder="Write a message…" />
          {streaming ? (
            <button type="button" className="button" onClick={stop}>
              Stop
            </button>
          ) : (
            <button type="submit" className="button button-primary">
              Send
            </button>
          )}
          </form>
        </div>
      </div>
    </section>
  );
}

/** The chat: conversations on the left, the open one on the right. */
export function ChatPage(props: { id?: string }) {
  const [models, setModels] = useState<ModelEndpoint[] | null>(null);
  const [conversations, setConversations] = useState<Conversation[]>([]);
  const [connectors, setConnectors] = useState<Connector[]>([]);
  const [error, setError] = useState<string | null>(null);
  const reload = useCallback(() => {
    listConversations().then(setConversations, (e) => setError(messageOf(e)));
  }, []);
  useEffect(() => {
    listModels().then(setModels, (e) => setError(messageOf(e)));
    apiRequest<{ connectors: Connector[] }>('GET', '/api/connectors').then(
      (r) => setConnectors(r.connectors),
      () => setConnectors([]),
    );
    reload();
  }, [reload]);

  const create = async () => {
    try {
      const r = await apiRequest<{ conversation: Conversation }>('POST', '/api/chat/conversations', {});
      reload();
      navigate(chatPage(r.conversation.id));
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const noModel = models !== null && models.length === 0;
  return (
    <main className="chat-layout">
      <nav className="chat-sidebar" aria-label="Conversations">
        <button type="button" className="button button-primary" onClick={create} disabled={noModel}>
          New conversation
        </button>
        <ul>
          {conversations.map((c) => (
            <li key={c.id}>
              <a href={chatPage(c.id)} onClick={followLink} aria-current={c.id === props.id ? 'page' : undefined}>
                {c.title}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="chat-area">
        {error ? <Notice tone="error">{error}</Notice> : null}
        {noModel ? (
          <section className="card">
            <h1>No model yet</h1>
            <p>
              The chat needs a model to talk to. Add one (Anthropic, OpenAI, or any OpenAI-compatible endpoint such as Ollama) in{' '}
              <a href="/settings/models" onClick={followLink}>
                Settings › Models
              </a>
              . Everything else in Patchbay works without one.
            </p>
          </section>
        ) : props.id && models ? (
          <ConversationView key={props.id} id={props.id} models={models} connectors={connectors} onChanged={reload} />
        ) : (
          <section className="card">
            <h1>Chat</h1>
            <p>Talk with a model that uses the tools of your connectors, with your permissions. Start a new conversation, or open one on the left.</p>
          </section>
        )}
      </div>
    </main>
  );
}
