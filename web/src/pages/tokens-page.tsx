import { SettingsTabs } from '../components/settings-tabs.tsx';
import { useCallback, useEffect, useId, useState } from 'react';
import { ApiError, apiRequest, messageOf } from '../api.ts';
import { Field } from '../components/field.tsx';
import { ConfirmDialog, Modal } from '../components/modal.tsx';
import { Badge, Notice } from '../components/status-badge.tsx';
import { clientSnippets, gatewayUrl } from '../gateway-snippets.ts';
import type { AccessToken, Connector } from '../types.ts';
import { formatTime } from '../words.ts';

/** Copies text to the clipboard; says so, or says how to copy by hand when the browser refuses. */
function CopyButton(props: { text: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.text);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <span className="copy">
      <button type="button" className="button button-small" onClick={() => void copy()}>
        {props.label}
      </button>
      <span role="status" className="muted">
        {state === 'copied' ? 'Copied.' : state === 'failed' ? 'The browser did not allow copying: select the text and press Ctrl+C (⌘C).' : ''}
      </span>
    </span>
  );
}

function CreatedToken(props: { token: AccessToken; secret: string; onDone: () => void }) {
  const url = gatewayUrl(location.origin);
  const secretId = useId();
  const urlId = useId();
  return (
    <>
      <div className="modal-body">
        <Notice tone="warn">This is the only time the token is shown: Patchbay keeps only its hash. Copy it into your MCP client now.</Notice>
        <div className="field">
          <label htmlFor={secretId}>Token “{props.token.name}”</label>
          <input id={secretId} className="secret" readOnly value={props.secret} onFocus={(e) => e.currentTarget.select()} />
          <CopyButton text={props.secret} label="Copy token" />
        </div>
        <div className="field">
          <label htmlFor={urlId}>Gateway address</label>
          <input id={urlId} readOnly value={url} onFocus={(e) => e.currentTarget.select()} />
          <CopyButton text={url} label="Copy address" />
          <p className="field-hint">
            Send the token as <code>Authorization: Bearer &lt;token&gt;</code>.{' '}
            {props.token.projects ? `It reaches only the connectors of project${props.token.projects.length > 1 ? 's' : ''} ${props.token.projects.join(', ')}.` : 'It reaches every connector you have.'}
          </p>
        </div>
        <h3>Client configuration</h3>
        {clientSnippets(url, props.secret).map((snippet) => (
          <section key={snippet.client} className="snippet" aria-label={`${snippet.client} configuration`}>
            <h4>
              {snippet.client} <span className="muted">— {snippet.where}</span>
            </h4>
            <pre className="code-block">{snippet.text}</pre>
            <CopyButton text={snippet.text} label={`Copy ${snippet.client} configuration`} />
          </section>
        ))}
      </div>
      <div className="modal-actions">
        <button type="button" className="button button-primary" onClick={props.onDone}>
          Done
        </button>
      </div>
    </>
  );
}

function CreateTokenDialog(props: { projects: string[]; onClose: () => void; onCreated: () => void }) {
  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ field?: 'name'; message: string }>();
  const [created, setCreated] = useState<{ token: AccessToken; secret: string }>();

  const submit = async (event: React.FormEvent) => {
    event.preventDefault();
    if (!name.trim()) {
      setError({ field: 'name', message: 'Give the token a name, such as the client that will use it.' });
      return;
    }
    setBusy(true);
    try {
      const answer = await apiRequest<{ token: AccessToken; secret: string }>('POST', '/api/tokens', { name: name.trim(), projects: chosen.length > 0 ? chosen : null });
      setCreated(answer);
      setError(undefined);
      props.onCreated();
    } catch (err) {
      setError({ field: err instanceof ApiError && err.code === 'NAME_TAKEN' ? 'name' : undefined, message: messageOf(err) });
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <Modal title="Token created" onClose={props.onClose} wide>
        <CreatedToken token={created.token} secret={created.secret} onDone={props.onClose} />
      </Modal>
    );
  }
  return (
    <Modal title="Create access token" onClose={props.onClose}>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <div className="modal-body">
          <Field label="Name" hint="Which client uses it, e.g. claude-desktop." error={error?.field === 'name' ? error.message : undefined}>
            {({ id, describedBy }) => (
              <input id={id} aria-describedby={describedBy} aria-invalid={error?.field === 'name'} value={name} onChange={(e) => setName(e.target.value)} maxLength={64} autoComplete="off" data-autofocus />
            )}
          </Field>
          {props.projects.length > 0 ? (
            <fieldset className="field">
              <legend>Projects</legend>
              <p className="field-hint">Leave all unchecked for a token that reaches every connector.</p>
              {props.projects.map((project) => (
                <label key={project} className="checkbox">
                  <input
                    type="checkbox"
                    checked={chosen.includes(project)}
                    onChange={(e) => setChosen(e.target.checked ? [...chosen, project] : chosen.filter((p) => p !== project))}
                  />
                  {project}
                </label>
              ))}
            </fieldset>
          ) : (
            <p className="field-hint">The token reaches every connector. Give connectors a project to make tokens that reach only some.</p>
          )}
          {error && !error.field ? (
            <p className="notice notice-error" role="alert">
              {error.message}
            </p>
          ) : null}
        </div>
        <div className="modal-actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create token'}
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** /settings/tokens — personal access tokens for other MCP clients reaching the gateway. */
export function TokensPage() {
  const [tokens, setTokens] = useState<AccessToken[]>();
  const [projects, setProjects] = useState<string[]>([]);
  const [error, setError] = useState<string>();
  const [creating, setCreating] = useState(false);
  const [revoking, setRevoking] = useState<AccessToken>();
  const [revokeState, setRevokeState] = useState<{ busy: boolean; error?: string }>({ busy: false });

  const load = useCallback(async () => {
    try {
      const [listed, connectors] = await Promise.all([
        apiRequest<{ tokens: AccessToken[] }>('GET', '/api/tokens'),
        apiRequest<{ connectors: Connector[] }>('GET', '/api/connectors'),
      ]);
      setTokens(listed.tokens);
      setProjects([...new Set(connectors.connectors.flatMap((c) => (c.project ? [c.project] : [])))].sort((a, b) => a.localeCompare(b)));
      setError(undefined);
    } catch (err) {
      setError(messageOf(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const revoke = async (token: AccessToken) => {
    setRevokeState({ busy: true });
    try {
      await apiRequest('DELETE', `/api/tokens/${encodeURIComponent(token.id)}`);
      setRevoking(undefined);
      setRevokeState({ busy: false });
      await load();
    } catch (err) {
      setRevokeState({ busy: false, error: messageOf(err) });
    }
  };

  return (
    <main className="page" aria-labelledby="tokens-title">
      <SettingsTabs current="tokens" />
      <div className="page-head">
        <div>
          <h1 id="tokens-title">Access tokens</h1>
          <p className="muted">
            Other MCP clients — Claude Desktop or Code, Cursor, VS Code, an agent — reach your connectors through Patchbay’s gateway at <code>{gatewayUrl(location.origin)}</code>{' '}
            with one of these tokens, under your permissions and limits.
          </p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setCreating(true)}>
          Create token
        </button>
      </div>
      {error ? <Notice tone="error">{error}</Notice> : null}
      {tokens && tokens.length === 0 ? <p className="empty-small">No tokens yet.</p> : null}
      {tokens && tokens.length > 0 ? (
        <table className="tokens" aria-label="Access tokens">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Projects</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {tokens.map((token) => (
              <tr key={token.id}>
                <th scope="row">
                  {token.name} <code className="muted">{token.prefix}…</code>
                </th>
                <td>{token.projects ? token.projects.join(', ') : 'All'}</td>
                <td>{formatTime(token.createdAt)}</td>
                <td>{token.lastUsedAt ? formatTime(token.lastUsedAt) : 'Never'}</td>
                <td>{token.revokedAt ? <Badge tone="neutral" title={`Revoked ${formatTime(token.revokedAt)}`}>{`Revoked ${formatTime(token.revokedAt)}`}</Badge> : <Badge tone="ok">Active</Badge>}</td>
                <td>
                  {token.revokedAt ? null : (
                    <button type="button" className="button button-small button-danger-quiet" aria-label={`Revoke ${token.name}`} onClick={() => setRevoking(token)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
      {tokens === undefined && !error ? <p className="muted">Loading…</p> : null}
      {creating ? <CreateTokenDialog projects={projects} onClose={() => setCreating(false)} onCreated={() => void load()} /> : null}
      {revoking ? (
        <ConfirmDialog
          title={`Revoke token “${revoking.name}”?`}
          confirmLabel="Revoke token"
          busyLabel="Revoking…"
          busy={revokeState.busy}
          error={revokeState.error}
          onConfirm={() => void revoke(revoking)}
          onCancel={() => {
            setRevoking(undefined);
            setRevokeState({ busy: false });
          }}
        >
          <p>Clients using it are refused from the next request on. This cannot be undone; create a new token to let a client in again.</p>
        </ConfirmDialog>
      ) : null}
    </main>
  );
}
