import { type FormEvent, useId, useState } from 'react';
import { apiRequest, messageOf } from '../api.ts';
import { conversationPath } from '../chat-api.ts';

export interface ElicitationCard {
  id: string;
  connector: string;
  message: string;
  requestedSchema: Record<string, unknown>;
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

/** A server's request for input during a tool call, as a form in the conversation. */
export function ChatElicitationForm(props: { conversationId: string; card: ElicitationCard; onDone: () => void }) {
  const properties = (props.card.requestedSchema.properties ?? {}) as Record<string, FieldSchema>;
  const required = new Set((props.card.requestedSchema.required ?? []) as string[]);
  const [values, setValues] = useState<Record<string, unknown>>(() =>
    Object.fromEntries(Object.entries(properties).flatMap(([k, s]) => (s.default !== undefined ? [[k, s.default]] : []))),
  );
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const answer = async (action: 'accept' | 'decline' | 'cancel') => {
    setBusy(true);
    setError(null);
    try {
      const content = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined && v !== ''));
      await apiRequest('POST', conversationPath(props.conversationId, `/elicitations/${encodeURIComponent(props.card.id)}`), action === 'accept' ? { action, content } : { action });
      props.onDone();
    } catch (e) {
      setError(messageOf(e));
      setBusy(false);
    }
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
