import { type FormEvent, useState } from 'react';
import { ApiError, apiRequest, connectorPath, messageOf } from '../api.ts';
import type { Connector } from '../types.ts';
import { checkConnectorUrl, checkTags, splitTags } from '../url-check.ts';
import { Field } from './field.tsx';

const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** Which field a refusal is about, so the message is shown beside it. */
function fieldOf(error: unknown): 'name' | 'url' | undefined {
  if (!(error instanceof ApiError)) return undefined;
  if (error.code === 'NAME_TAKEN' || error.code === 'INVALID_NAME') return 'name';
  if (error.code === 'INVALID_URL' || error.code === 'SSRF_BLOCKED') return 'url';
  if (error.code === 'VALIDATION_FAILED') return /^Invalid request: url:/.test(error.message) ? 'url' : /^Invalid request: name:/.test(error.message) ? 'name' : undefined;
  return undefined;
}

interface Draft {
  name: string;
  url: string;
  project: string;
  tags: string;
  allowHttp: boolean;
}

function draftOf(connector: Connector): Draft {
  return { name: connector.name, url: connector.url, project: connector.project ?? '', tags: connector.tags.join(', '), allowHttp: connector.allowHttp };
}

/**
 * Name, address, project and tags of a connector. A new address is checked here and
 * again by Patchbay (and connects afresh); a name already in use is refused in words.
 */
export function ConnectorSettings(props: { connector: Connector; onSaved: (connector: Connector) => void }) {
  const [draft, setDraft] = useState(() => draftOf(props.connector));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field?: 'name' | 'url'; message: string }>();
  const [saved, setSaved] = useState(false);
  const set = (change: Partial<Draft>) => {
    setDraft((d) => ({ ...d, ...change }));
    setSaved(false);
  };

  const nameError =
    draft.name === ''
      ? 'A connector needs a name: lowercase letters, digits and hyphens.'
      : !NAME_PATTERN.test(draft.name)
        ? 'Use lowercase letters, digits and hyphens (for example “team-notes”).'
        : undefined;
  const urlError = checkConnectorUrl(draft.url, { allowHttp: draft.allowHttp });
  const tagsError = checkTags(draft.tags);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    if (nameError || urlError || tagsError) return;
    const original = draftOf(props.connector);
    const change: Record<string, unknown> = {};
    if (draft.name !== original.name) change.name = draft.name;
    if (draft.url.trim() !== original.url) change.url = draft.url.trim();
    if (draft.allowHttp !== original.allowHttp) change.allowHttp = draft.allowHttp;
    if (draft.project.trim() !== original.project) change.project = draft.project.trim() === '' ? null : draft.project.trim();
    const tags = splitTags(draft.tags);
    if (tags.join(',') !== props.connector.tags.join(',')) change.tags = tags;
    if (Object.keys(change).length === 0) {
      setSaved(true);
      return;
    }
    setBusy(true);
    try {
      const { connector } = await apiRequest<{ connector: Connector }>('PATCH', connectorPath(props.connector.name), change);
      setDraft(draftOf(connector));
      setSaved(true);
      props.onSaved(connector);
    } catch (err) {
      setError({ field: fieldOf(err), message: messageOf(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      <form onSubmit={save} noValidate>
        <div className="field-row">
          <Field label="Name" hint="How you call it in the CLI and the API." error={nameError ?? (error?.field === 'name' ? error.message : undefined)}>
            {({ id, describedBy }) => (
              <input
                id={id}
                value={draft.name}
                maxLength={64}
                onChange={(e) => set({ name: e.target.value })}
                aria-invalid={nameError || error?.field === 'name' ? true : undefined}
                aria-describedby={describedBy}
                autoComplete="off"
                spellCheck={false}
              />
            )}
          </Field>
          <Field label="Project">{({ id }) => <input id={id} value={draft.project} maxLength={100} onChange={(e) => set({ project: e.target.value })} autoComplete="off" />}</Field>
        </div>
        <Field label="Server address" hint="Changing it connects afresh; tool approvals stay." error={urlError ?? (error?.field === 'url' ? error.message : undefined)}>
          {({ id, describedBy }) => (
            <input
              id={id}
              type="url"
              value={draft.url}
              onChange={(e) => set({ url: e.target.value })}
              aria-invalid={urlError || error?.field === 'url' ? true : undefined}
              aria-describedby={describedBy}
              autoComplete="off"
              spellCheck={false}
            />
          )}
        </Field>
        <Field label="Tags" hint="Separated by commas." error={tagsError}>
          {({ id, describedBy }) => (
            <input id={id} value={draft.tags} onChange={(e) => set({ tags: e.target.value })} aria-describedby={describedBy} aria-invalid={tagsError ? true : undefined} autoComplete="off" />
          )}
        </Field>
        <label className="checkbox">
          <input type="checkbox" checked={draft.allowHttp} onChange={(e) => set({ allowHttp: e.target.checked })} />
          Allow plain http for this server (not encrypted)
        </label>
        {error && !error.field ? (
          <p className="notice notice-error" role="alert">
            {error.message}
          </p>
        ) : null}
        <div className="row">
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Saving…' : 'Save settings'}
          </button>
          <span role="status" className="muted">
            {saved ? 'Saved.' : ''}
          </span>
        </div>
      </form>
    </section>
  );
}
