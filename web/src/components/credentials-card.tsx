import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { apiRequest, connectorPath, messageOf } from '../api.ts';
import type { ConfiguredOAuthClients, Connector, Credentials } from '../types.ts';
import { Field } from './field.tsx';

type Status = { tone: 'ok' | 'error'; text: string } | undefined;

function StatusLine(props: { status: Status }) {
  if (!props.status) return <span role="status" className="muted" />;
  if (props.status.tone === 'error') {
    return (
      <p className="notice notice-error" role="alert">
        {props.status.text}
      </p>
    );
  }
  return (
    <span role="status" className="muted">
      {props.status.text}
    </span>
  );
}

/** A form's busy flag and status line, and one request run with them: its text on success, the error's on failure. */
function useRequestStatus() {
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<Status>();
  const run = async (request: () => Promise<string>) => {
    setBusy(true);
    try {
      setStatus({ tone: 'ok', text: await request() });
    } catch (err) {
      setStatus({ tone: 'error', text: messageOf(err) });
    } finally {
      setBusy(false);
    }
  };
  return { busy, status, setStatus, run };
}

/** What is stored, values masked by Patchbay (the page never receives a secret back). */
function StoredCredentials(props: { stored: Credentials | null }) {
  const { stored } = props;
  if (!stored) return <p className="muted stored-credentials">Nothing stored.</p>;
  return (
    <dl className="facts stored-credentials">
      {stored.kind === 'basic' ? (
        <>
          <dt>User name</dt>
          <dd>{stored.username}</dd>
          <dt>Password</dt>
          <dd>{stored.password}</dd>
        </>
      ) : (
        Object.entries(stored.headers).map(([name, value]) => (
          <div key={name} className="facts-pair">
            <dt>{name}</dt>
            <dd>{value}</dd>
          </div>
        ))
      )}
    </dl>
  );
}

function StaticCredentialsForm(props: { connector: string; onChanged: () => void }) {
  const [stored, setStored] = useState<Credentials | null>();
  const [kind, setKind] = useState<'headers' | 'basic'>('headers');
  const [headerName, setHeaderName] = useState('Authorization');
  const [headerValue, setHeaderValue] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, status, setStatus, run } = useRequestStatus();

  const load = useCallback(async () => {
    try {
      const data = await apiRequest<{ credentials: Credentials | null }>('GET', connectorPath(props.connector, '/credentials'));
      setStored(data.credentials);
      if (data.credentials) setKind(data.credentials.kind);
    } catch (err) {
      setStatus({ tone: 'error', text: messageOf(err) });
    }
  }, [props.connector, setStatus]);
  useEffect(() => {
    void load();
  }, [load]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setStatus(undefined);
    if (kind === 'headers' && (headerName.trim() === '' || headerValue === '')) return setStatus({ tone: 'error', text: 'Enter the header’s name and its value.' });
    if (kind === 'basic' && (username.trim() === '' || password === '')) return setStatus({ tone: 'error', text: 'Enter the user name and the password.' });
    const body: Credentials = kind === 'headers' ? { kind, headers: { [headerName.trim()]: headerValue } } : { kind, username: username.trim(), password };
    await run(async () => {
      const data = await apiRequest<{ credentials: Credentials }>('PUT', connectorPath(props.connector, '/credentials'), body);
      setStored(data.credentials);
      // The secret is gone from the page once saved.
      setHeaderValue('');
      setPassword('');
      props.onChanged();
      return 'Saved. Patchbay sends them with every request to this server.';
    });
  };

  const clear = async () => {
    setStatus(undefined);
    await run(async () => {
      await apiRequest('DELETE', connectorPath(props.connector, '/credentials'));
      setStored(null);
      props.onChanged();
      return 'Cleared. Nothing is sent any more.';
    });
  };

  return (
    <section aria-labelledby="static-credentials-title" className="credentials-part">
      <h3 id="static-credentials-title">API key, header or password</h3>
      <StoredCredentials stored={stored ?? null} />
      <form onSubmit={save} noValidate>
        <Field label="Kind">
          {({ id }) => (
            <select id={id} value={kind} onChange={(e) => setKind(e.target.value as 'headers' | 'basic')}>
              <option value="headers">API key or custom header</option>
              <option value="basic">User name and password</option>
            </select>
          )}
        </Field>
        {kind === 'headers' ? (
          <div className="field-row">
            <Field label="Header name">{({ id }) => <input id={id} value={headerName} onChange={(e) => setHeaderName(e.target.value)} autoComplete="off" spellCheck={false} />}</Field>
            <Field label="Header value" hint="For example: Bearer <your API key>.">
              {({ id, describedBy }) => <input id={id} type="password" value={headerValue} onChange={(e) => setHeaderValue(e.target.value)} autoComplete="off" aria-describedby={describedBy} />}
            </Field>
          </div>
        ) : (
          <div className="field-row">
            <Field label="User name">{({ id }) => <input id={id} value={username} onChange={(e) => setUsername(e.target.value)} autoComplete="off" />}</Field>
            <Field label="Password">{({ id }) => <input id={id} type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" />}</Field>
          </div>
        )}
        <div className="row">
          <button type="submit" className="button button-primary" disabled={busy}>
            {stored ? 'Replace credentials' : 'Save credentials'}
          </button>
          {stored ? (
            <button type="button" className="button button-danger-quiet" onClick={() => void clear()} disabled={busy}>
              Clear credentials
            </button>
          ) : null}
        </div>
        <StatusLine status={status} />
      </form>
    </section>
  );
}

function HandRegisteredClientForm(props: { connector: string; current: ConfiguredOAuthClients['preregistered']; onSaved: () => void }) {
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [method, setMethod] = useState('');
  const { busy, status, setStatus, run } = useRequestStatus();

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setStatus(undefined);
    if (clientId.trim() === '') return setStatus({ tone: 'error', text: 'Enter the client ID the authorization server gave you.' });
    const body: Record<string, string> = { client_id: clientId.trim() };
    if (secret !== '') body.client_secret = secret;
    if (method !== '') body.token_endpoint_auth_method = method;
    await run(async () => {
      await apiRequest('PUT', connectorPath(props.connector, '/oauth-client'), body);
      setSecret('');
      props.onSaved();
      return 'Saved. The next sign-in uses this client.';
    });
  };

  const current = props.current;
  return (
    <section aria-labelledby="hand-client-title" className="credentials-part">
      <h3 id="hand-client-title">OAuth client registered by hand</h3>
      <p className="muted">For servers that do not let Patchbay register itself: register a client with the server’s authorization server, then enter it here before signing in.</p>
      {current ? (
        <p className="stored-client">
          In use: <code>{current.client_id}</code>
          {current.has_secret ? ', with a secret (not shown)' : ', without a secret'}
          {current.token_endpoint_auth_method ? ` · ${current.token_endpoint_auth_method}` : ''}
        </p>
      ) : (
        <p className="muted stored-client">None: Patchbay registers itself when it can.</p>
      )}
      <form onSubmit={save} noValidate>
        <div className="field-row">
          <Field label="Client ID">{({ id }) => <input id={id} value={clientId} onChange={(e) => setClientId(e.target.value)} autoComplete="off" spellCheck={false} />}</Field>
          <Field label="Client secret" hint="Optional; leave empty for a public client.">
            {({ id, describedBy }) => <input id={id} type="password" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="off" aria-describedby={describedBy} />}
          </Field>
          <Field label="Client authentication">
            {({ id }) => (
              <select id={id} value={method} onChange={(e) => setMethod(e.target.value)}>
                <option value="">Default (basic with a secret, none without)</option>
                <option value="client_secret_basic">client_secret_basic</option>
                <option value="client_secret_post">client_secret_post</option>
                <option value="none">none</option>
              </select>
            )}
          </Field>
        </div>
        <div className="row">
          <button type="submit" className="button" disabled={busy}>
            Save client
          </button>
        </div>
        <StatusLine status={status} />
      </form>
    </section>
  );
}

function MachineSignInForm(props: { connector: string; current: ConfiguredOAuthClients['machine']; onSignedIn: () => void }) {
  const [clientId, setClientId] = useState('');
  const [secret, setSecret] = useState('');
  const [method, setMethod] = useState('');
  const [scope, setScope] = useState('');
  const { busy, status, setStatus, run } = useRequestStatus();

  const signIn = async (event: FormEvent) => {
    event.preventDefault();
    setStatus(undefined);
    if (clientId.trim() === '' || secret === '') return setStatus({ tone: 'error', text: 'Enter the client ID and its secret.' });
    const body: Record<string, string> = { client_id: clientId.trim(), client_secret: secret };
    if (method !== '') body.token_endpoint_auth_method = method;
    if (scope.trim() !== '') body.scope = scope.trim();
    await run(async () => {
      await apiRequest<{ connector: Connector }>('POST', connectorPath(props.connector, '/sign-in/client-credentials'), body);
      setSecret('');
      props.onSignedIn();
      return 'Signed in as a machine client.';
    });
  };

  const current = props.current;
  return (
    <section aria-labelledby="machine-title" className="credentials-part">
      <h3 id="machine-title">Machine sign-in (client credentials)</h3>
      <p className="muted">Signs in without a person, as a client the authorization server knows. Patchbay asks for a new token whenever the last one runs out.</p>
      {current ? (
        <p className="stored-client">
          Signed in as <code>{current.client_id}</code>
          {current.scope ? ` · scope ${current.scope}` : ''} (its secret is not shown)
        </p>
      ) : null}
      <form onSubmit={signIn} noValidate>
        <div className="field-row">
          <Field label="Machine client ID">{({ id }) => <input id={id} value={clientId} onChange={(e) => setClientId(e.target.value)} autoComplete="off" spellCheck={false} />}</Field>
          <Field label="Machine client secret">{({ id }) => <input id={id} type="password" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="off" />}</Field>
        </div>
        <div className="field-row">
          <Field label="Machine client authentication">
            {({ id }) => (
              <select id={id} value={method} onChange={(e) => setMethod(e.target.value)}>
                <option value="">Default (client_secret_basic)</option>
                <option value="client_secret_basic">client_secret_basic</option>
                <option value="client_secret_post">client_secret_post</option>
              </select>
            )}
          </Field>
          <Field label="Scope" hint="Optional, separated by spaces; default: what the server asks for.">
            {({ id, describedBy }) => <input id={id} value={scope} onChange={(e) => setScope(e.target.value)} autoComplete="off" aria-describedby={describedBy} />}
          </Field>
        </div>
        <div className="row">
          <button type="submit" className="button" disabled={busy}>
            {busy ? 'Signing in…' : 'Sign in as this client'}
          </button>
        </div>
        <StatusLine status={status} />
      </form>
    </section>
  );
}

/**
 * How Patchbay signs in to the server, for this person: a key, header or password sent
 * with every request; or OAuth with a hand-registered client or as a machine client.
 * Secrets go in and never come back: the page shows only what Patchbay masks.
 */
export function CredentialsCard(props: { connector: string; onChanged: () => void }) {
  const [clients, setClients] = useState<ConfiguredOAuthClients>({ preregistered: null, machine: null });
  const [error, setError] = useState<string>();
  const loadClients = useCallback(async () => {
    try {
      setClients(await apiRequest<ConfiguredOAuthClients>('GET', connectorPath(props.connector, '/oauth-clients')));
    } catch (err) {
      setError(messageOf(err));
    }
  }, [props.connector]);
  useEffect(() => {
    void loadClients();
  }, [loadClients]);

  return (
    <section className="card" aria-labelledby="credentials-title">
      <h2 id="credentials-title">Credentials</h2>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      <StaticCredentialsForm connector={props.connector} onChanged={props.onChanged} />
      <details className="advanced">
        <summary>OAuth clients</summary>
        <HandRegisteredClientForm connector={props.connector} current={clients.preregistered} onSaved={() => void loadClients()} />
        <MachineSignInForm
          connector={props.connector}
          current={clients.machine}
          onSignedIn={() => {
            void loadClients();
            props.onChanged();
          }}
        />
      </details>
    </section>
  );
}
