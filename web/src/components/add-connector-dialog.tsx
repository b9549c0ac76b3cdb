import { type FormEvent, useState } from 'react';
import { apiRequest, messageOf } from '../api.ts';
import { connectorPage, navigate } from '../router.ts';
import { type ProbeSummary, summarizeProbe } from '../probe.ts';
import type { AddConnectorInput, Connector, Credentials, DoctorReport } from '../types.ts';
import { checkConnectorUrl, checkTags, splitTags } from '../url-check.ts';
import { Field } from './field.tsx';
import { Modal } from './modal.tsx';
import { ProbeResult } from './probe-result.tsx';
import { SignInPanel } from './sign-in-panel.tsx';

type AuthChoice = 'none' | 'header' | 'basic';

/** "Add custom connector": an address, optional sign-in details, then Add; sign-in follows when the server wants it. */
export function AddConnectorDialog(props: { onClose: () => void; onAdded: () => void }) {
  const [url, setUrl] = useState('');
  const [touched, setTouched] = useState(false);
  const [name, setName] = useState('');
  const [project, setProject] = useState('');
  const [tags, setTags] = useState('');
  const [allowHttp, setAllowHttp] = useState(false);
  const [auth, setAuth] = useState<AuthChoice>('none');
  const [headerName, setHeaderName] = useState('Authorization');
  const [headerValue, setHeaderValue] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [added, setAdded] = useState<Connector>();
  const [probe, setProbe] = useState<{ url: string; summary: ProbeSummary; existing?: string }>();
  const [probing, setProbing] = useState(false);

  const urlError = touched ? checkConnectorUrl(url, { allowHttp }) : undefined;
  const headerError = auth === 'header' && touched && (headerName.trim() === '' || headerValue === '') ? 'Enter the header’s name and its value.' : undefined;
  const basicError = auth === 'basic' && touched && username.trim() === '' ? 'Enter the user name.' : undefined;

  /** Asks the connection doctor about the address; nothing is saved. */
  const check = async (): Promise<(ProbeSummary & { existing?: string }) | undefined> => {
    setTouched(true);
    if (checkConnectorUrl(url, { allowHttp })) return undefined;
    const target = url.trim();
    setProbing(true);
    setError(undefined);
    try {
      const [{ report }, { connectors }] = await Promise.all([
        apiRequest<{ report: DoctorReport }>('POST', '/api/doctor', { url: target }),
        apiRequest<{ connectors: Connector[] }>('GET', '/api/connectors'),
      ]);
      const summary = summarizeProbe(report);
      const existing = connectors.find((c) => sameAddress(c.url, target))?.name;
      setProbe({ url: target, summary, existing });
      return { ...summary, existing };
    } catch (err) {
      setError(messageOf(err));
      return undefined;
    } finally {
      setProbing(false);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setTouched(true);
    const form = event.currentTarget as HTMLFormElement;
    if (checkConnectorUrl(url, { allowHttp }) || checkTags(tags) || (auth === 'header' && (headerName.trim() === '' || headerValue === '')) || (auth === 'basic' && username.trim() === '')) {
      form.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
      return;
    }
    // The first Add checks the server; after a failed check, Add adds anyway: saved without connecting, since the check just said it would fail.
    // A server already added is said so first; Add then adds it again (a second connector, with its own settings and sign-in).
    if (probe?.url !== url.trim()) {
      const summary = await check();
      if (!summary || summary.verdict === 'failed' || summary.existing) return;
    }
    const input: AddConnectorInput = { url: url.trim() };
    if (probe?.summary.verdict === 'failed') input.connect = false;
    if (name.trim()) input.name = name.trim();
    if (project.trim()) input.project = project.trim();
    const tagList = splitTags(tags);
    if (tagList.length) input.tags = tagList;
    if (allowHttp) input.allowHttp = true;
    let credentials: Credentials | undefined;
    if (auth === 'header') credentials = { kind: 'headers', headers: { [headerName.trim()]: headerValue } };
    if (auth === 'basic') credentials = { kind: 'basic', username: username.trim(), password };
    if (credentials) input.credentials = credentials;
    setBusy(true);
    setError(undefined);
    try {
      const result = await apiRequest<{ connector: Connector }>('POST', '/api/connectors', input);
      props.onAdded();
      if (result.connector.status === 'needs-sign-in') setAdded(result.connector);
      else navigate(connectorPage(result.connector.name));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  if (added) {
    return (
      <Modal title="Sign in to finish" onClose={props.onClose}>
        <div className="modal-body">
          <p>
            Added <strong>{added.name}</strong>. This server asks you to sign in before Patchbay can use it.
          </p>
          <SignInPanel connector={added.name} autoFocus onSignedIn={() => navigate(connectorPage(added.name))} />
          <p className="muted">
            Or{' '}
            <button type="button" className="link-button" onClick={() => navigate(connectorPage(added.name))}>
              sign in later
            </button>{' '}
            from the connector’s page.
          </p>
        </div>
      </Modal>
    );
  }

  return (
    <Modal title="Add custom connector" onClose={props.onClose}>
      <form className="modal-body" onSubmit={submit} noValidate>
        <p className="muted">Connect a remote MCP server by its address. Only add servers you trust: their tools act with the access you give them.</p>
        <Field label="Server URL" hint="The server’s MCP endpoint, for example https://example.com/mcp." error={urlError}>
          {({ id, describedBy }) => (
            <input
              id={id}
              type="url"
              inputMode="url"
              autoComplete="off"
              spellCheck={false}
              placeholder="https://example.com/mcp"
              value={url}
              onChange={(e) => {
                setUrl(e.target.value);
                setProbe(undefined);
              }}
              onBlur={() => url !== '' && setTouched(true)}
              aria-invalid={urlError ? true : undefined}
              aria-describedby={describedBy}
              data-autofocus
              required
            />
          )}
        </Field>
        <div className="row">
          <button type="button" className="button" onClick={() => void check()} disabled={probing || busy}>
            {probing ? 'Checking…' : 'Check'}
          </button>
          <span className="muted">See what the server is before adding it.</span>
        </div>
        {probe && probe.url === url.trim() ? <ProbeResult summary={probe.summary} /> : null}
        {probe?.existing && probe.url === url.trim() ? (
          <p className="notice" role="status">
            You already have this server as “{probe.existing}”. Add it again only for a second set of settings or another account: it becomes a connector of its own.
          </p>
        ) : null}
        <details className="advanced">
          <summary>Advanced settings</summary>
          <Field label="Name" hint="Optional: lowercase letters, digits and hyphens, up to 64. Taken from the server when left empty.">
            {({ id, describedBy }) => <input id={id} value={name} maxLength={64} onChange={(e) => setName(e.target.value)} aria-describedby={describedBy} autoComplete="off" />}
          </Field>
          <div className="field-row">
            <Field label="Project">{({ id }) => <input id={id} value={project} maxLength={100} onChange={(e) => setProject(e.target.value)} autoComplete="off" />}</Field>
            <Field label="Tags" hint="Separated by commas." error={checkTags(tags)}>
              {({ id, describedBy }) => (
                <input id={id} value={tags} onChange={(e) => setTags(e.target.value)} aria-describedby={describedBy} aria-invalid={checkTags(tags) ? true : undefined} autoComplete="off" />
              )}
            </Field>
          </div>
          <Field label="Sign-in" hint="Servers that use OAuth need nothing here: you sign in after adding.">
            {({ id, describedBy }) => (
              <select id={id} value={auth} onChange={(e) => setAuth(e.target.value as AuthChoice)} aria-describedby={describedBy}>
                <option value="none">OAuth, or none</option>
                <option value="header">API key or custom header</option>
                <option value="basic">User name and password</option>
              </select>
            )}
          </Field>
          {auth === 'header' ? (
            <div className="field-row">
              <Field label="Header name">{({ id }) => <input id={id} value={headerName} onChange={(e) => setHeaderName(e.target.value)} autoComplete="off" spellCheck={false} />}</Field>
              <Field label="Header value" hint="For example: Bearer <your API key>." error={headerError}>
                {({ id, describedBy }) => (
                  <input
                    id={id}
                    type="password"
                    value={headerValue}
                    onChange={(e) => setHeaderValue(e.target.value)}
                    autoComplete="off"
                    aria-invalid={headerError ? true : undefined}
                    aria-describedby={describedBy}
                  />
                )}
              </Field>
            </div>
          ) : null}
          {auth === 'basic' ? (
            <div className="field-row">
              <Field label="User name" error={basicError}>
                {({ id, describedBy }) => (
                  <input id={id} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" aria-invalid={basicError ? true : undefined} aria-describedby={describedBy} />
                )}
              </Field>
              <Field label="Password">{({ id }) => <input id={id} type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />}</Field>
            </div>
          ) : null}
          <label className="checkbox">
            <input type="checkbox" checked={allowHttp} onChange={(e) => setAllowHttp(e.target.checked)} />
            Allow plain http for this server (not encrypted)
          </label>
        </details>
        {error ? (
          <p className="notice notice-error" role="alert">
            {error}
          </p>
        ) : null}
        <div className="modal-actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy || probing}>
            {busy ? 'Adding…' : probe?.url !== url.trim() ? 'Add' : probe.summary.verdict === 'failed' ? 'Add anyway' : probe.existing ? 'Add again' : 'Add'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** The same server address, however it was typed (case of the scheme and host, a default port). */
function sameAddress(a: string, b: string): boolean {
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return a === b;
  }
}
