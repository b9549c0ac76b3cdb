import { type FormEvent, type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { apiRequest, connectorPath, messageOf } from '../api.ts';
import { type AttachmentInput, conversationPath } from '../chat-api.ts';

interface Resource {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
}
interface ResourceTemplate {
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
}
interface Prompt {
  name: string;
  title?: string;
  description?: string;
  arguments?: Array<{ name: string; description?: string; required?: boolean }>;
}
interface Group {
  connector: string;
  resources: Resource[];
  resourceTemplates: ResourceTemplate[];
  prompts: Prompt[];
  error: { code: string; message: string } | null;
}

/** An attachment chosen for the next message, with the words its chip shows. */
export interface ChosenAttachment {
  key: string;
  label: string;
  input: AttachmentInput;
}

type Form =
  | { kind: 'template'; connector: string; template: ResourceTemplate; fields: string[] }
  | { kind: 'prompt'; connector: string; prompt: Prompt; fields: string[] };

/** The variables of an RFC 6570 URI template, in order (`{id}`, `{+path}`, `{?q,page}`). */
export function templateVariables(template: string): string[] {
  const names: string[] = [];
  for (const match of template.matchAll(/\{([^}]+)\}/g)) {
    for (const raw of match[1].replace(/^[+#./;?&]/, '').split(',')) {
      const name = raw.replace(/\*$|:\d+$/, '');
      if (name && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

/** Expands the simple and reserved forms of a URI template with the values given. */
export function expandTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^}]+)\}/g, (_, expression: string) => {
    const operator = /^[+#./;?&]/.test(expression) ? expression[0] : '';
    const names = expression
      .slice(operator.length)
      .split(',')
      .map((n) => n.replace(/\*$|:\d+$/, ''));
    const encode = (v: string) => (operator === '+' || operator === '#' ? encodeURI(v) : encodeURIComponent(v));
    if (operator === '?' || operator === '&') {
      const pairs = names.filter((n) => values[n] !== undefined && values[n] !== '').map((n) => `${n}=${encodeURIComponent(values[n])}`);
      return pairs.length ? `${operator}${pairs.join('&')}` : '';
    }
    const parts = names.map((n) => encode(values[n] ?? ''));
    return (operator === '#' || operator === '.' || operator === '/' ? operator : '') + parts.join(operator === '.' || operator === '/' ? operator : ',');
  });
}

function matches(search: string, ...texts: Array<string | undefined>): boolean {
  const hay = texts.filter(Boolean).join(' ').toLowerCase();
  return search
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((w) => hay.includes(w));
}

function CompletingField(props: {
  connector: string;
  refValue: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string };
  name: string;
  label: string;
  hint?: string;
  required: boolean;
  values: Record<string, string>;
  onChange: (value: string) => void;
  autoFocus: boolean;
}) {
  const id = useId();
  const input = useRef<HTMLInputElement | null>(null);
  useEffect(() => {
    if (props.autoFocus) input.current?.focus();
  }, [props.autoFocus]);
  const [suggestions, setSuggestions] = useState<string[]>([]);
  const value = props.values[props.name] ?? '';
  // Suggestions follow what is typed in this field; the other fields only give context.
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetching on every other field's keystroke would be noise
  useEffect(() => {
    let live = true;
    const others = Object.fromEntries(Object.entries(props.values).filter(([k]) => k !== props.name));
    apiRequest<{ result: { completion: { values: string[] } } }>('POST', connectorPath(props.connector, '/complete'), {
      ref: props.refValue,
      argument: { name: props.name, value },
      context: { arguments: others },
    }).then(
      (r) => {
        if (live) setSuggestions(r.result.completion.values.slice(0, 50));
      },
      () => {
        if (live) setSuggestions([]);
      },
    );
    return () => {
      live = false;
    };
  }, [value, props.connector, props.name]);
  return (
    <div className="field">
      <label htmlFor={id}>
        {props.label}
        {props.required ? ' (required)' : ''}
      </label>
      <input ref={input} id={id} list={`${id}-list`} value={value} required={props.required} onChange={(e) => props.onChange(e.target.value)} autoComplete="off" />
      <datalist id={`${id}-list`}>
        {suggestions.map((s) => (
          <option key={s} value={s} />
        ))}
      </datalist>
      {suggestions.length > 0 ? (
        <p className="field-hint" aria-live="polite">
          Suggestions: {suggestions.slice(0, 5).join(', ')}
        </p>
      ) : props.hint ? (
        <p className="field-hint">{props.hint}</p>
      ) : null}
    </div>
  );
}

function ItemForm(props: { form: Form; onAttach: (a: ChosenAttachment) => void; onBack: () => void }) {
  const { form } = props;
  const [values, setValues] = useState<Record<string, string>>({});
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (form.kind === 'template') {
      const uri = expandTemplate(form.template.uriTemplate, values);
      props.onAttach({ key: `r:${form.connector}:${uri}`, label: `${form.connector} · ${uri}`, input: { kind: 'resource', connector: form.connector, uri } });
    } else {
      const args = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
      props.onAttach({
        key: `p:${form.connector}:${form.prompt.name}:${JSON.stringify(args)}`,
        label: `${form.connector} · ${form.prompt.title ?? form.prompt.name}`,
        input: { kind: 'prompt', connector: form.connector, name: form.prompt.name, arguments: args },
      });
    }
  };
  const attachButton = useRef<HTMLButtonElement | null>(null);
  useEffect(() => {
    if (form.fields.length === 0) attachButton.current?.focus();
  }, [form]);
  const title = form.kind === 'template' ? (form.template.title ?? form.template.name) : (form.prompt.title ?? form.prompt.name);
  const ref = form.kind === 'template' ? ({ type: 'ref/resource', uri: form.template.uriTemplate } as const) : ({ type: 'ref/prompt', name: form.prompt.name } as const);
  return (
    <form className="chat-attach-form" onSubmit={submit} aria-label={`${form.kind === 'template' ? 'Resource template' : 'Prompt'} ${title}`}>
      <h3>{title}</h3>
      <p className="muted">{form.kind === 'template' ? form.template.uriTemplate : form.prompt.description}</p>
      {form.fields.length === 0 ? <p className="muted">No arguments.</p> : null}
      {form.fields.map((name, i) => {
        const arg = form.kind === 'prompt' ? form.prompt.arguments?.find((a) => a.name === name) : undefined;
        return (
          <CompletingField
            key={name}
            connector={form.connector}
            refValue={ref}
            name={name}
            label={name}
            hint={arg?.description}
            required={form.kind === 'template' || Boolean(arg?.required)}
            values={values}
            onChange={(v) => setValues((all) => ({ ...all, [name]: v }))}
            autoFocus={i === 0}
          />
        );
      })}
      <div className="chat-attach-actions">
        <button ref={attachButton} type="submit" className="button button-primary">
          Attach
        </button>
        <button type="button" className="button" onClick={props.onBack}>
          Back
        </button>
      </div>
    </form>
  );
}

/**
 * The paperclip: everything the conversation's connectors offer to read or insert —
 * resources, resource templates (a form for the variables) and prompts (a form for the
 * arguments), grouped by connector, searchable, and usable from the keyboard alone.
 */
export function ChatAttachMenu(props: { conversationId: string; onAttach: (a: ChosenAttachment) => void }) {
  const [open, setOpen] = useState(false);
  const [groups, setGroups] = useState<Group[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [search, setSearch] = useState('');
  const [form, setForm] = useState<Form | null>(null);
  const button = useRef<HTMLButtonElement | null>(null);
  const panel = useRef<HTMLDivElement | null>(null);
  const searchId = useId();
  const searchInput = useRef<HTMLInputElement | null>(null);
  useEffect(() => {
    if (open && !form) searchInput.current?.focus();
  }, [open, form]);

  useEffect(() => {
    if (!open) return;
    setGroups(null);
    setError(null);
    apiRequest<{ connectors: Group[] }>('GET', conversationPath(props.conversationId, '/attachables')).then(
      (r) => setGroups(r.connectors),
      (e) => setError(messageOf(e)),
    );
  }, [open, props.conversationId]);

  const close = () => {
    setOpen(false);
    setForm(null);
    setSearch('');
    button.current?.focus();
  };
  const attach = (a: ChosenAttachment) => {
    props.onAttach(a);
    close();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      if (form) setForm(null);
      else close();
      return;
    }
    if (form || (event.key !== 'ArrowDown' && event.key !== 'ArrowUp')) return;
    const items = [...(panel.current?.querySelectorAll<HTMLButtonElement>('button.chat-attach-item') ?? [])];
    if (items.length === 0) return;
    event.preventDefault();
    const at = items.indexOf(document.activeElement as HTMLButtonElement);
    const next = event.key === 'ArrowDown' ? (at + 1) % items.length : at <= 0 ? items.length - 1 : at - 1;
    items[next].focus();
  };

  const visible = (groups ?? []).map((g) => ({
    ...g,
    resources: g.resources.filter((r) => matches(search, r.name, r.title, r.uri, r.description, g.connector)),
    resourceTemplates: g.resourceTemplates.filter((t) => matches(search, t.name, t.title, t.uriTemplate, t.description, g.connector)),
    prompts: g.prompts.filter((p) => matches(search, p.name, p.title, p.description, g.connector)),
  }));
  const count = visible.reduce((n, g) => n + g.resources.length + g.resourceTemplates.length + g.prompts.length, 0);

  return (
    <div className="chat-attach">
      <button
        ref={button}
        type="button"
        className="button chat-attach-button"
        aria-label="Attach resources and prompts"
        aria-haspopup="dialog"
        aria-expanded={open}
        onClick={() => (open ? close() : setOpen(true))}
      >
        <svg aria-hidden="true" width="18" height="18" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
          <path d="M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19a2 2 0 0 1-2.83-2.83l8.49-8.48" />
        </svg>
      </button>
      {open ? (
        <div ref={panel} className="chat-attach-panel" role="dialog" aria-label="Attach" onKeyDown={onKeyDown}>
          {form ? (
            <ItemForm form={form} onAttach={attach} onBack={() => setForm(null)} />
          ) : (
            <>
              <label className="visually-hidden" htmlFor={searchId}>
                Search resources and prompts
              </label>
              <input id={searchId} className="search" type="search" placeholder="Search resources and prompts" value={search} onChange={(e) => setSearch(e.target.value)} ref={searchInput} />
              {error ? <p className="field-error">{error}</p> : null}
              {groups === null && !error ? <p className="muted">Loading…</p> : null}
              {groups !== null && count === 0 ? <p className="muted">{search ? 'Nothing matches.' : 'The connectors of this conversation offer no resources or prompts.'}</p> : null}
              {visible.map((g) =>
                g.resources.length + g.resourceTemplates.length + g.prompts.length === 0 && !g.error ? null : (
                  <section key={g.connector} className="chat-attach-group" aria-label={g.connector}>
                    <h3>{g.connector}</h3>
                    {g.error ? <p className="field-error">{g.error.message}</p> : null}
                    <ul>
                      {g.resources.map((r) => (
                        <li key={`r:${r.uri}`}>
                          <button
                            type="button"
                            className="chat-attach-item"
                            onClick={() => attach({ key: `r:${g.connector}:${r.uri}`, label: `${g.connector} · ${r.title ?? r.name}`, input: { kind: 'resource', connector: g.connector, uri: r.uri } })}
                          >
                            <span className="chat-attach-kind">Resource</span> {r.title ?? r.name} <span className="muted">{r.uri}</span>
                          </button>
                        </li>
                      ))}
                      {g.resourceTemplates.map((t) => (
                        <li key={`t:${t.uriTemplate}`}>
                          <button
                            type="button"
                            className="chat-attach-item"
                            onClick={() => setForm({ kind: 'template', connector: g.connector, template: t, fields: templateVariables(t.uriTemplate) })}
                          >
                            <span className="chat-attach-kind">Template</span> {t.title ?? t.name} <span className="muted">{t.uriTemplate}</span>
                          </button>
                        </li>
                      ))}
                      {g.prompts.map((p) => (
                        <li key={`p:${p.name}`}>
                          <button
                            type="button"
                            className="chat-attach-item"
                            onClick={() => setForm({ kind: 'prompt', connector: g.connector, prompt: p, fields: (p.arguments ?? []).map((a) => a.name) })}
                          >
                            <span className="chat-attach-kind">Prompt</span> {p.title ?? p.name} {p.description ? <span className="muted">{p.description}</span> : null}
                          </button>
                        </li>
                      ))}
                    </ul>
                  </section>
                ),
              )}
            </>
          )}
        </div>
      ) : null}
    </div>
  );
}
