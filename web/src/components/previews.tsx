import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { apiRequest, connectorPath, messageOf } from '../api.ts';
import { MessageContentView, ResourceContentView } from '../content-view.tsx';
import { Markdown } from '../markdown.tsx';
import type { Catalog, CompletionResult, PromptInfo, PromptResult, ResourceContent, ResourceTemplateInfo } from '../types.ts';
import { expandTemplate, templateVariables } from '../uri-template.ts';
import { CompletingInput } from './completing-input.tsx';

/** The connector's catalog (resources, templates, prompts), as last listed. */
export function useCatalog(connector: string): { catalog?: Catalog; error?: string } {
  const [state, setState] = useState<{ catalog?: Catalog; error?: string }>({});
  useEffect(() => {
    let cancelled = false;
    apiRequest<Catalog>('GET', connectorPath(connector, '/catalog')).then(
      (catalog) => !cancelled && setState({ catalog }),
      (err) => !cancelled && setState({ error: messageOf(err) }),
    );
    return () => {
      cancelled = true;
    };
  }, [connector]);
  return state;
}

function completer(connector: string, ref: { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string }, name: string, others: Record<string, string>) {
  return async (value: string) => {
    const { result } = await apiRequest<{ result: CompletionResult }>('POST', connectorPath(connector, '/complete'), {
      ref,
      argument: { name, value },
      context: { arguments: Object.fromEntries(Object.entries(others).filter(([k, v]) => k !== name && v !== '')) },
    });
    return Array.isArray(result?.completion?.values) ? result.completion.values : [];
  };
}

function ResourcePreview(props: { title: string; contents: ResourceContent[] | undefined; error?: string; busy: boolean }) {
  return (
    <section className="preview" aria-label={props.title}>
      <h4>{props.title}</h4>
      {props.busy ? <p className="muted">Reading…</p> : null}
      {props.error ? (
        <p className="notice notice-error" role="alert">
          {props.error}
        </p>
      ) : null}
      {props.contents?.length === 0 ? <p className="muted">The server sent no content.</p> : null}
      {props.contents?.map((content, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: contents have no id and never reorder
        <ResourceContentView key={i} content={content} />
      ))}
    </section>
  );
}

function TemplateForm(props: { connector: string; template: ResourceTemplateInfo; onRead: (uri: string) => void }) {
  const names = templateVariables(props.template.uriTemplate);
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(names.map((n) => [n, ''])));
  const uri = expandTemplate(props.template.uriTemplate, values);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    props.onRead(uri);
  };
  return (
    <form onSubmit={submit} className="template-form" aria-label={`Fill in ${props.template.name}`}>
      {names.map((name) => (
        <CompletingInput
          key={name}
          label={name}
          value={values[name] ?? ''}
          onChange={(value) => setValues((v) => ({ ...v, [name]: value }))}
          complete={completer(props.connector, { type: 'ref/resource', uri: props.template.uriTemplate }, name, values)}
        />
      ))}
      <p className="muted">
        Address: <code className="expanded-uri">{uri}</code>
      </p>
      <button type="submit" className="button button-primary">
        Read
      </button>
    </form>
  );
}

/** Resources and resource templates, each with a preview of what reading it returns. */
export function ResourcesPanel(props: { connector: string }) {
  const { catalog, error } = useCatalog(props.connector);
  const [preview, setPreview] = useState<{ uri: string; busy: boolean; contents?: ResourceContent[]; error?: string }>();
  const [filling, setFilling] = useState<string>();

  const read = useCallback(
    async (uri: string) => {
      setPreview({ uri, busy: true });
      try {
        const { result } = await apiRequest<{ result: { contents: ResourceContent[] } }>('POST', connectorPath(props.connector, '/resources/read'), { uri });
        setPreview({ uri, busy: false, contents: Array.isArray(result?.contents) ? result.contents : [] });
      } catch (err) {
        setPreview({ uri, busy: false, error: messageOf(err) });
      }
    },
    [props.connector],
  );

  if (error) return <p className="notice notice-error">{error}</p>;
  if (!catalog) return <p className="muted">Loading…</p>;
  return (
    <>
      <h3>Resources</h3>
      {catalog.resources.length === 0 ? <p className="muted">This server lists no resources.</p> : null}
      <ul className="catalog-list" aria-label="Resources">
        {catalog.resources.map((r) => (
          <li key={r.uri} data-uri={r.uri}>
            <div className="catalog-item">
              <div>
                <strong>{r.title ?? r.name}</strong> <code className="muted">{r.uri}</code>
                {r.mimeType ? <span className="muted"> · {r.mimeType}</span> : null}
                {r.description ? <Markdown text={r.description} className="catalog-description" /> : null}
              </div>
              <button type="button" className="button button-small" onClick={() => void read(r.uri)} aria-label={`Preview ${r.title ?? r.name}`}>
                Preview
              </button>
            </div>
          </li>
        ))}
      </ul>
      <h3>Resource templates</h3>
      {catalog.resourceTemplates.length === 0 ? <p className="muted">This server offers no resource templates.</p> : null}
      <ul className="catalog-list" aria-label="Resource templates">
        {catalog.resourceTemplates.map((t) => (
          <li key={t.uriTemplate}>
            <div className="catalog-item">
              <div>
                <strong>{t.title ?? t.name}</strong> <code className="muted">{t.uriTemplate}</code>
                {t.description ? <Markdown text={t.description} className="catalog-description" /> : null}
              </div>
              <button type="button" className="button button-small" onClick={() => setFilling(t.uriTemplate)} aria-label={`Fill in ${t.title ?? t.name}`}>
                Fill in
              </button>
            </div>
            {filling === t.uriTemplate ? <TemplateForm connector={props.connector} template={t} onRead={(uri) => void read(uri)} /> : null}
          </li>
        ))}
      </ul>
      {preview ? <ResourcePreview title={`Preview of ${preview.uri}`} busy={preview.busy} contents={preview.contents} error={preview.error} /> : null}
    </>
  );
}

function PromptForm(props: { connector: string; prompt: PromptInfo }) {
  const args = props.prompt.arguments ?? [];
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(args.map((a) => [a.name, ''])));
  const [result, setResult] = useState<{ busy: boolean; value?: PromptResult; error?: string }>();
  const missing = args.filter((a) => a.required && (values[a.name] ?? '').trim() === '').map((a) => a.name);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (missing.length > 0) {
      setResult({ busy: false, error: `Fill in ${missing.join(', ')}: the prompt needs ${missing.length === 1 ? 'it' : 'them'}.` });
      return;
    }
    setResult({ busy: true });
    try {
      const filled = Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ''));
      const { result: value } = await apiRequest<{ result: PromptResult }>('POST', connectorPath(props.connector, `/prompts/${encodeURIComponent(props.prompt.name)}`), { arguments: filled });
      setResult({ busy: false, value });
    } catch (err) {
      setResult({ busy: false, error: messageOf(err) });
    }
  };

  return (
    <form onSubmit={submit} className="prompt-form" aria-label={`Arguments of ${props.prompt.name}`}>
      {args.length === 0 ? <p className="muted">This prompt takes no arguments.</p> : null}
      {args.map((a) => (
        <CompletingInput
          key={a.name}
          label={a.required ? `${a.name} (required)` : a.name}
          hint={a.description}
          required={a.required}
          value={values[a.name] ?? ''}
          onChange={(value) => setValues((v) => ({ ...v, [a.name]: value }))}
          complete={completer(props.connector, { type: 'ref/prompt', name: props.prompt.name }, a.name, values)}
        />
      ))}
      <button type="submit" className="button button-primary" disabled={result?.busy}>
        Get prompt
      </button>
      {result?.error ? (
        <p className="notice notice-error" role="alert">
          {result.error}
        </p>
      ) : null}
      {result?.value ? (
        <section className="preview" aria-label={`Messages of ${props.prompt.name}`}>
          {result.value.description ? <p className="muted">{result.value.description}</p> : null}
          <ol className="prompt-messages">
            {(Array.isArray(result.value.messages) ? result.value.messages : []).map((m, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: messages have no id and never reorder
              <li key={i} className="prompt-message">
                <span className="badge badge-neutral">{String(m.role)}</span>
                <MessageContentView content={m.content} />
              </li>
            ))}
          </ol>
        </section>
      ) : null}
    </form>
  );
}

/** Prompts, each with its arguments (with completions) and the messages it renders to. */
export function PromptsPanel(props: { connector: string }) {
  const { catalog, error } = useCatalog(props.connector);
  const [open, setOpen] = useState<string>();
  if (error) return <p className="notice notice-error">{error}</p>;
  if (!catalog) return <p className="muted">Loading…</p>;
  if (catalog.prompts.length === 0) return <p className="muted">This server offers no prompts.</p>;
  return (
    <ul className="catalog-list" aria-label="Prompts">
      {catalog.prompts.map((p) => (
        <li key={p.name} data-prompt={p.name}>
          <div className="catalog-item">
            <div>
              <strong>{p.title ?? p.name}</strong> <code className="muted">{p.name}</code>
              {p.description ? <Markdown text={p.description} className="catalog-description" /> : null}
            </div>
            <button type="button" className="button button-small" onClick={() => setOpen(open === p.name ? undefined : p.name)} aria-expanded={open === p.name} aria-label={`Try ${p.title ?? p.name}`}>
              Try
            </button>
          </div>
          {open === p.name ? <PromptForm connector={props.connector} prompt={p} /> : null}
        </li>
      ))}
    </ul>
  );
}
