import { useCallback, useEffect, useMemo, useState } from 'react';
import { ApiError, apiRequest, connectorPath, messageOf } from '../api.ts';
import { ActivityList } from '../components/activity-list.tsx';
import { ApprovalsList } from '../components/approvals-list.tsx';
import { ConnectorDefaults } from '../components/connector-defaults.tsx';
import { ConnectorSettings } from '../components/connector-settings.tsx';
import { CredentialsCard } from '../components/credentials-card.tsx';
import { DoctorPanel } from '../components/doctor-panel.tsx';
import { PromptsPanel, ResourcesPanel } from '../components/previews.tsx';
import { ConfirmDialog } from '../components/modal.tsx';
import { SignInPanel } from '../components/sign-in-panel.tsx';
import { Badge, Notice } from '../components/status-badge.tsx';
import { ToolsTable } from '../components/tools-table.tsx';
import { Markdown } from '../markdown.tsx';
import { followLink, navigate } from '../router.ts';
import type { Connector, ToolPolicies } from '../types.ts';
import { useWaitingApprovals } from '../waiting-approvals.tsx';
import { isLoopbackHostname } from '../url-check.ts';
import { describeStatus, formatTime, SIGN_IN_OUTCOMES } from '../words.ts';
import { setFlash, takeFlash } from '../flash.ts';


/** The server's instructions: markdown rendered safely, or the text exactly as written. */
function Instructions(props: { text: string }) {
  const [plain, setPlain] = useState(false);
  return (
    <section aria-labelledby="instructions-title">
      <div className="section-head">
        <h3 id="instructions-title">Instructions from the server</h3>
        <button type="button" className="button button-small" aria-pressed={plain} onClick={() => setPlain(!plain)}>
          {plain ? 'Show formatted' : 'Show as written'}
        </button>
      </div>
      {plain ? (
        <>
          <p className="muted">Exactly as the server wrote it.</p>
          <pre className="code-block instructions">{props.text}</pre>
        </>
      ) : (
        <>
          <p className="muted">Formatted from the server’s markdown: no HTML, no pictures loaded, only web links (they open another site).</p>
          <Markdown text={props.text} className="instructions-formatted" />
        </>
      )}
    </section>
  );
}

function ServerInfo(props: { connector: Connector }) {
  const { connector } = props;
  let host = connector.url;
  let https = false;
  let loopback = false;
  try {
    const url = new URL(connector.url);
    host = url.host;
    https = url.protocol === 'https:';
    loopback = isLoopbackHostname(url.hostname);
  } catch {
    // Shown as stored.
  }
  const server = connector.server;
  return (
    <section className="card" aria-labelledby="server-title">
      <h2 id="server-title">Server</h2>
      <dl className="facts">
        <dt>Address</dt>
        <dd className="break">{connector.url}</dd>
        <dt>Host</dt>
        <dd>{host}</dd>
        <dt>Connection</dt>
        <dd>{https ? 'https (encrypted)' : loopback ? 'http on this machine (not encrypted)' : 'plain http (not encrypted)'}</dd>
        {server ? (
          <>
            <dt>Name (as the server states it)</dt>
            <dd>{server.serverInfo.name}</dd>
            {server.serverInfo.title ? (
              <>
                <dt>Title</dt>
                <dd>{server.serverInfo.title}</dd>
              </>
            ) : null}
            <dt>Version</dt>
            <dd>{server.serverInfo.version ?? '—'}</dd>
            <dt>Protocol</dt>
            <dd>{server.protocolVersion ?? '—'}</dd>
            <dt>Transport</dt>
            <dd>{server.transport === 'sse' ? 'HTTP+SSE (legacy)' : 'Streamable HTTP'}</dd>
            <dt>Last connected</dt>
            <dd>{formatTime(server.connectedAt)}</dd>
          </>
        ) : (
          <>
            <dt>Server</dt>
            <dd className="muted">Not known until Patchbay has connected.</dd>
          </>
        )}
        <dt>Project</dt>
        <dd>{connector.project ?? '—'}</dd>
        <dt>Tags</dt>
        <dd>{connector.tags.length ? connector.tags.join(', ') : '—'}</dd>
      </dl>
      {server?.instructions ? <Instructions text={server.instructions} /> : null}
    </section>
  );
}

/** /connectors/:name — what the server is, what its tools may do, what happened, and removal. */
export function ConnectorPage(props: { name: string; query: URLSearchParams }) {
  const { name } = props;
  const [connector, setConnector] = useState<Connector>();
  const [policies, setPolicies] = useState<ToolPolicies>();
  const waiting = useWaitingApprovals();
  const approvals = useMemo(() => (waiting.approvals ?? []).filter((a) => a.connectorId === connector?.id), [waiting.approvals, connector?.id]);
  const [error, setError] = useState<string>();
  const [notFound, setNotFound] = useState(false);
  const [tab, setTab] = useState<'tools' | 'resources' | 'prompts' | 'activity'>('tools');
  const [removing, setRemoving] = useState<'ask' | 'busy'>();
  const [removeError, setRemoveError] = useState<string>();
  const [testing, setTesting] = useState(false);
  const outcome = props.query.get('signin');
  const [banner, setBanner] = useState(() => {
    const flash = takeFlash();
    return flash ? { tone: 'ok' as const, text: flash } : outcome ? SIGN_IN_OUTCOMES[outcome] : undefined;
  });

  useEffect(() => {
    if (props.query.has('signin')) navigate(`/connectors/${encodeURIComponent(name)}`, { replace: true });
  }, [props.query, name]);

  const load = useCallback(async () => {
    try {
      const data = await apiRequest<{ connector: Connector }>('GET', connectorPath(name));
      setConnector(data.connector);
      setError(undefined);
      if (data.connector.status !== 'needs-sign-in') {
        try {
          setPolicies(await apiRequest<ToolPolicies>('GET', connectorPath(name, '/tool-policies')));
          // Listing the tools may have been the first connection since sign-in: the server has now said who it is.
          if (!data.connector.server) setConnector((await apiRequest<{ connector: Connector }>('GET', connectorPath(name))).connector);
        } catch (err) {
          setPolicies(undefined);
          setError(messageOf(err));
          // The failure may have changed the connector's status (error, needs sign-in).
          setConnector((await apiRequest<{ connector: Connector }>('GET', connectorPath(name))).connector);
        }
      } else {
        setPolicies(undefined);
      }
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CONNECTOR_NOT_FOUND') setNotFound(true);
      else setError(messageOf(err));
    }
  }, [name]);
  useEffect(() => {
    void load();
  }, [load]);

  const reconnect = async () => {
    setTesting(true);
    try {
      await apiRequest('POST', connectorPath(name, '/test'), {});
      setBanner({ tone: 'ok', text: 'Connected, and the list of tools is up to date.' });
    } catch (err) {
      setBanner({ tone: 'error', text: messageOf(err) });
    } finally {
      setTesting(false);
      void load();
    }
  };

  const signOut = async () => {
    if (!connector) return;
    setTesting(true);
    try {
      if (connector.authKind === 'oauth') await apiRequest('POST', connectorPath(name, '/sign-out'), {});
      else await apiRequest('DELETE', connectorPath(name, '/credentials'));
      setBanner({ tone: 'ok', text: connector.authKind === 'oauth' ? 'Signed out. Patchbay forgot your sign-in and asked the server to revoke it.' : 'Signed out. Patchbay forgot the stored key or password.' });
    } catch (err) {
      setBanner({ tone: 'error', text: messageOf(err) });
    } finally {
      setTesting(false);
      void load();
    }
  };

  const remove = async () => {
    setRemoving('busy');
    try {
      await apiRequest('DELETE', connectorPath(name));
      setFlash(`Removed “${name}”, with its settings and sign-in.`);
      navigate('/connectors');
    } catch (err) {
      setRemoveError(messageOf(err));
      setRemoving('ask');
    }
  };

  if (notFound) {
    return (
      <main className="page">
        <a className="back" href="/connectors" onClick={followLink}>
          ← Connectors
        </a>
        <h1>No such connector</h1>
        <p>There is no connector named “{name}”. It may have been removed or renamed.</p>
      </main>
    );
  }

  const usesStaticCredentials = connector?.authKind === 'headers' || connector?.authKind === 'basic';
  const status = connector ? describeStatus(connector, policies?.tools.filter((t) => t.setting.reviewState === 'changed').length ?? 0) : undefined;
  return (
    <main className="page" aria-labelledby="page-title">
      <a className="back" href="/connectors" onClick={followLink}>
        ← Connectors
      </a>
      <div className="page-head">
        <div>
          <h1 id="page-title">{name}</h1>
          {status ? (
            <p className="status-line">
              <Badge tone={status.tone}>{status.label}</Badge>
              {status.detail ? <span className="status-detail">{status.detail}</span> : null}
            </p>
          ) : null}
        </div>
        <div className="row">
          {connector && (connector.status !== 'needs-sign-in' || usesStaticCredentials) ? (
            <button type="button" className="button" onClick={reconnect} disabled={testing}>
              {testing ? 'Connecting…' : 'Reconnect'}
            </button>
          ) : null}
          {connector && connector.status !== 'needs-sign-in' && connector.authKind !== 'none' && connector.authKind !== 'client-credentials' ? (
            <button type="button" className="button" onClick={signOut} disabled={testing}>
              Sign out
            </button>
          ) : null}
          <button type="button" className="button button-danger-quiet" onClick={() => setRemoving('ask')} disabled={!connector}>
            Remove
          </button>
        </div>
      </div>
      {banner ? (
        <Notice tone={banner.tone} onDismiss={() => setBanner(undefined)}>
          {banner.text}
        </Notice>
      ) : null}
      {error ? <Notice tone="error">{error}</Notice> : null}
      {connector?.status === 'needs-sign-in' && usesStaticCredentials ? (
        <Notice tone="warn">The server refused the stored key or password. Replace them under Credentials, then Reconnect.</Notice>
      ) : null}
      {connector?.status === 'needs-sign-in' && !usesStaticCredentials ? (
        <section className="card" aria-label="Sign in">
          <h2>Sign in to use this connector</h2>
          <p>The server asks you to sign in. You will see what it asks for before your browser goes to its sign-in page.</p>
          <SignInPanel connector={name} onSignedIn={() => void load()} />
        </section>
      ) : null}
      {connector?.status === 'error' ? <DoctorPanel key={`doctor-${connector.id}`} connector={name} failing /> : null}
      <ApprovalsList
        approvals={approvals}
        onAnswered={() => {
          waiting.refresh();
          // "Always allow" changed the tool's setting: the table shows it at once.
          void load();
        }}
      />
      {connector ? <ServerInfo connector={connector} /> : <p className="muted">Loading…</p>}
      {connector ? (
        <ConnectorDefaults
          connector={name}
          policy={connector.policy}
          onChanged={(changed) => {
            setConnector(changed);
            void load();
          }}
        />
      ) : null}
      {connector && connector.status !== 'needs-sign-in' ? (
        <section className="card">
          <div className="tabs" role="tablist" aria-label="Connector details">
            <button type="button" role="tab" id="tab-tools" aria-selected={tab === 'tools'} aria-controls="panel-tools" onClick={() => setTab('tools')}>
              Tools{policies ? ` (${policies.tools.length})` : ''}
            </button>
            <button type="button" role="tab" id="tab-resources" aria-selected={tab === 'resources'} aria-controls="panel-resources" onClick={() => setTab('resources')}>
              Resources
            </button>
            <button type="button" role="tab" id="tab-prompts" aria-selected={tab === 'prompts'} aria-controls="panel-prompts" onClick={() => setTab('prompts')}>
              Prompts
            </button>
            <button type="button" role="tab" id="tab-activity" aria-selected={tab === 'activity'} aria-controls="panel-activity" onClick={() => setTab('activity')}>
              Activity
            </button>
          </div>
          {tab === 'tools' ? (
            <div role="tabpanel" id="panel-tools" aria-labelledby="tab-tools">
              <p className="muted">
                Switch a tool off to hide it everywhere. <em>Ask</em> means a person approves each call made by a model or another client; your own calls from the CLI are
                approved by making them.
              </p>
              {policies ? <ToolsTable connector={name} policies={policies} onChanged={() => void load()} /> : null}
            </div>
          ) : tab === 'resources' ? (
            <div role="tabpanel" id="panel-resources" aria-labelledby="tab-resources">
              <ResourcesPanel connector={name} />
            </div>
          ) : tab === 'prompts' ? (
            <div role="tabpanel" id="panel-prompts" aria-labelledby="tab-prompts">
              <PromptsPanel connector={name} />
            </div>
          ) : (
            <div role="tabpanel" id="panel-activity" aria-labelledby="tab-activity">
              <ActivityList connector={name} />
            </div>
          )}
        </section>
      ) : null}
      {connector ? (
        <ConnectorSettings
          key={`settings-${connector.id}`}
          connector={connector}
          onSaved={(changed) => {
            if (changed.name !== name) {
              setFlash(`Saved. “${name}” is now called “${changed.name}”.`);
              navigate(`/connectors/${encodeURIComponent(changed.name)}`, { replace: true });
              return;
            }
            setConnector(changed);
            void load();
          }}
        />
      ) : null}
      {connector ? <CredentialsCard key={`credentials-${connector.id}`} connector={name} onChanged={() => void load()} /> : null}
      {connector && connector.status !== 'error' ? <DoctorPanel key={`doctor-${connector.id}`} connector={name} failing={false} /> : null}
      {removing ? (
        <ConfirmDialog
          title={`Remove ${name}?`}
          confirmLabel="Remove connector"
          busy={removing === 'busy'}
          error={removeError}
          onConfirm={remove}
          onCancel={() => {
            setRemoving(undefined);
            setRemoveError(undefined);
          }}
        >
          <p>Patchbay forgets this connector, your tool settings and your sign-in (tokens are revoked at the server when it supports that). Its tools stop working everywhere.</p>
        </ConfirmDialog>
      ) : null}
    </main>
  );
}
