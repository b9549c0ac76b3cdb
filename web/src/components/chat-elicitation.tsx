import { type FormEvent, useId, useState } from 'react';
import { apiRequest, messageOf } from '../api.ts';
import { conversationPath, type ElicitationCard, type SamplingCard } from '../chat-api.ts';

/** Sends a card's answer (busy while it travels); the card closes when it is taken, and shows why when it is not. */
function useAnswer(conversationId: string, id: string, onDone: () => void) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const send = async (body: unknown) => {
    setBusy(true);
    setError(null);
    try {
      await apiRequest('POST', conversationPath(conversationId, `/elicitations/${encodeURIComponent(id)}`), body);
      onDone();
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
  };
  return { error, busy, send };
}

/** A server asking to open a web page: the full address is shown, and opened only when the person clicks it. */
function UrlRequest(props: { conversationId: string; card: ElicitationCard; onDone: () => void }) {
  const { error, busy, send } = useAnswer(props.conversationId, props.card.id, props.onDone);
  const safe = typeof props.card.url === 'string' && /^https?:\/\//i.test(props.card.url);
  const answer = (action: 'accept' | 'decline' | 'cancel') => send({ action });
  return (
    <section className="chat-approval chat-elicitation" aria-label={`${props.card.connector} asks you to open a page`}>
      <h3>
        <strong>{props.card.connector}</strong> asks you to open a page:
      </h3>
      <p className="chat-approval-description">{props.card.message}</p>
      <p>
        <code className="chat-url">{props.card.url}</code>
      </p>
      {error ? <p className="field-error">{error}</p> : null}
      <div className="chat-approval-actions">
        {safe ? (
          <a className="button" href={props.card.url} target="_blank" rel="noopener noreferrer">
            Open page
          </a>
        ) : null}
        <button type="button" className="button button-primary" disabled={busy} onClick={() => answer('accept')}>
          Done
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => answer('decline')}>
          Decline
        </button>
        <button type="button" className="button button-danger-quiet" disabled={busy} onClick={() => answer('cancel')}>
          Cancel
        </button>
      </div>
    </section>
  );
}

/** A server asking to use the conversation's model: what it would send, for the person to allow or deny. */
export function ChatSamplingCard(props: { conversationId: string; card: SamplingCard; onDone: () => void }) {
  const { error, busy, send } = useAnswer(props.conversationId, props.card.id, props.onDone);
  const answer = (action: 'accept' | 'decline') => send({ action });
  return (
    <section className="chat-approval" aria-label={`${props.card.connector} asks to use your model`}>
      <h3>
        <strong>{props.card.connector}</strong> asks to use your model
      </h3>
      <p className="muted">It would send this (at most {props.card.maxTokens} tokens back):</p>
      {props.card.systemPrompt ? (
        <>
          <h4>Instructions</h4>
          <pre className="chat-tool-text">{props.card.systemPrompt}</pre>
        </>
      ) : null}
      {props.card.messages.map((m, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the messages are fixed for the card's life
        <div key={i}>
          <h4>{m.role === 'user' ? 'Message' : 'Answer so far'}</h4>
          <pre className="chat-tool-text">{m.text}</pre>
        </div>
      ))}
      {error ? <p className="field-error">{error}</p> : null}
      <div className="chat-approval-actions">
        <button type="button" className="button button-primary" disabled={busy} onClick={() => answer('accept')}>
          Allow
        </button>
        <button type="button" className="button button-danger-quiet" disabled={busy} onClick={() => answer('decline')}>
          Deny
        </button>
      </div>
    </section>
  );
}

interface FieldSchema {
  type?: string;
  title?: string;
  description?: string;
  enum?: string[];
  enumNames?: string[];
  oneOf?: Array<{ const: string; title?: string }>;
  default?: unknown;
  format?: string;
}

function Field(props: { name: string; schema: FieldSchema; required: boolean; value: unknown; onChange: (v: unknown) => void }) {
  const id = useId();
  const { schema } = props;
  const label = `${schema.title ?? props.name}${props.required ? ' (required)' : ''}`;
  const options = schema.oneOf?.map((o) => ({ value: o.const, label: o.title ?? o.const })) ?? schema.enum?.map((v, i) => ({ value: v, label: schema.enumNames?.[i] ?? v }));
  let control: React.ReactNode;
  if (schema.type === 'boolean') {
    return (
      <div className="field">
        <label className="checkbox">
          <input type="checkbox" checked={props.value === true} onChange={(e) => props.onChange(e.target.checked)} />
          {label}
        </label>
        {schema.description ? <p className="field-hint">{schema.description}</p> : null}
      </div>
    );
  }
  if (options) {
    control = (
      <select id={id} value={String(props.value ?? '')} required={props.required} onChange={(e) => props.onChange(e.target.value)}>
        <option value="">Choose…</option>
        {options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
    );
  } else {
    const numeric = schema.type === 'number' || schema.type === 'integer';
    const type = numeric ? 'number' : schema.format === 'email' ? 'email' : schema.format === 'uri' ? 'url' : schema.format === 'date' ? 'date' : 'text';
    control = (
      <input
        id={id}
        type={type}
        step={schema.type === 'integer' ? 1 : undefined}
        value={String(props.value ?? '')}
        required={props.required}
        onChange={(e) => props.onChange(numeric ? (e.target.value === '' ? undefined : Number(e.target.value)) : e.target.value)}
      />
    );
  }
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {control}
      {schema.description ? <p className="field-hint">{schema.description}</p> : null}
    </div>
  );
}

/** A server's request for input during a tool call, in the conversation: a form, or a page to open. */
export function ChatElicitationForm(props: { conversationId: string; card: ElicitationCard; onDone: () => void }) {
  if (props.card.mode === 'url') return <UrlRequest {...props} />;
  return <FormRequest {...props} />;
}

function FormRequest(props: { conversationId: string; card: ElicitationCard; onDone: () => void }) {
  const schema = props.card.requestedSchema ?? {};
  const properties = (schema.properties ?? {}) as Record<string, FieldSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  const [values, setValues] = useState<Record<string, unknown>>(() =>
    Object.fromEntries(Object.entries(properties).flatMap(([k, s]) => (s.default !== undefined ? [[k, s.default]] : []))),
  );
  const { error, busy, send } = useAnswer(props.conversationId, props.card.id, props.onDone);
  const answer = (action: 'accept' | 'decline' | 'cancel') => {
    const content = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== ''));
    return send(action === 'accept' ? { action, content } : { action });
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void answer('accept');
  };
  return (
    <form className="chat-approval chat-elicitation" aria-label={`${props.card.connector} asks for input`} onSubmit={submit}>
      <h3>
        <strong>{props.card.connector}</strong> asks:
      </h3>
      <p className="chat-approval-description">{props.card.message}</p>
      {Object.entries(properties).map(([name, schema]) => (
        <Field key={name} name={name} schema={schema} required={required.has(name)} value={values[name]} onChange={(v) => setValues((all) => ({ ...all, [name]: v }))} />
      ))}
      {error ? <p className="field-error">{error}</p> : null}
      <div className="chat-approval-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          Send answer
        </button>
        <button type="button" className="button" disabled={busy} onClick={() => answer('decline')}>
          Decline
        </button>
        <button type="button" className="button button-danger-quiet" disabled={busy} onClick={() => answer('cancel')}>
          Cancel
        </button>
      </div>
    </form>
  );
}
