import { useCallback, useEffect, useMemo, useState } from 'react';
import { apiRequest, connectorPath, messageOf } from '../api.ts';
import { AddConnectorDialog } from '../components/add-connector-dialog.tsx';
import { Badge, Notice } from '../components/status-badge.tsx';
import { connectorPage, followLink, navigate } from '../router.ts';
import type { Connector, ToolPolicies } from '../types.ts';
import { describeStatus, plural, SIGN_IN_OUTCOMES } from '../words.ts';
import { takeFlash } from '../flash.ts';

interface ToolSummary {
  count: number;
  suspended: number;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function matches(connector: Connector, search: string): boolean {
  if (!search) return true;
  const haystack = [connector.name, connector.url, connector.project ?? '', ...connector.tags, connector.server?.serverInfo.name ?? '', connector.server?.serverInfo.title ?? '']
    .join(' ')
    .toLowerCase();
  return search
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => haystack.includes(word));
}

function EmptyState(props: { onAdd: () => void }) {
  return (
    <section className="empty card">
      <h2>No connectors yet</h2>
      <p>
        A <strong>connector</strong> links Patchbay to a remote MCP server: a service that offers tools (actions), resources (things to read) and prompts. Once added and signed
        in, its tools can be used from Patchbay’s CLI, its API and any MCP client you connect — with the permissions you set here.
      </p>
      <p>To try it, start the example server in a terminal:</p>
      <pre className="code-block">npx patchbay example-server --auth --interactive</pre>
      <p>
        then add it by its address, <code>http://127.0.0.1:7411/mcp</code>.
      </p>
      <button type="button" className="button button-primary" onClick={props.onAdd}>
        Add custom connector
      </button>
    </section>
  );
}

function ConnectorRow(props: { connector: Connector; summary: ToolSummary | 'error' | undefined }) {
  const { connector, summary } = props;
  const status = describeStatus(connector, summary && summary !== 'error' ? summary.suspended : 0);
  const href = connectorPage(connector.name);
  const serverName = connector.server?.serverInfo.title ?? connector.server?.serverInfo.name;
  return (
    <li className="connector-row">
      <div className="connector-main">
        <a className="connector-name" href={href} onClick={followLink}>
          {connector.name}
        </a>
        <span className="connector-meta">
          <span>{hostOf(connector.url)}</span>
          {serverName ? <span>{serverName}</span> : null}
          <span>{summary === undefined ? (connector.status === 'needs-sign-in' ? 'tools after sign-in' : '…') : summary === 'error' ? 'tools unknown' : plural(summary.count, 'tool')}</span>
        </span>
        {connector.tags.length > 0 ? (
          <ul className="tags" aria-label="Tags">
            {connector.tags.map((tag) => (
              <li key={tag}>{tag}</li>
            ))}
          </ul>
        ) : null}
      </div>
      <div className="connector-status">
        <Badge tone={status.tone}>{status.label}</Badge>
        {status.detail ? <p className="status-detail">{status.detail}</p> : null}
      </div>
    </li>
  );
}

/** /connectors: every connector grouped by project, a search box, and "Add custom connector". */
export function ConnectorsPage(props: { query: URLSearchParams }) {
  const [connectors, setConnectors] = useState<Connector[]>();
  const [summaries, setSummaries] = useState<Record<string, ToolSummary | 'error'>>({});
  const [error, setError] = useState<string>();
  const [search, setSearch] = useState('');
  const [adding, setAdding] = useState(false);
  const outcome = props.query.get('signin');
  const [banner, setBanner] = useState(() => {
    const flash = takeFlash();
    return flash ? { tone: 'ok' as const, text: flash } : outcome ? SIGN_IN_OUTCOMES[outcome] : undefined;
  });

  useEffect(() => {
    if (props.query.has('signin')) navigate('/connectors', { replace: true });
  }, [props.query]);

  const load = useCallback(async () => {
    try {
      const { connectors: list } = await apiRequest<{ connectors: Connector[] }>('GET', '/api/connectors');
      setConnectors(list);
      setError(undefined);
      const entries = await Promise.all(
        list
          .filter((c) => c.status !== 'needs-sign-in')
          .map(async (c): Promise<[string, ToolSummary | 'error']> => {
            try {
              const { tools } = await apiRequest<ToolPolicies>('GET', connectorPath(c.name, '/tool-policies'));
              return [c.name, { count: tools.length, suspended: tools.filter((t) => t.setting.reviewState === 'changed').length }];
            } catch {
              return [c.name, 'error'];
            }
          }),
      );
      setSummaries(Object.fromEntries(entries));
    } catch (err) {
      setError(messageOf(err));
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);

  const groups = useMemo(() => {
    const byProject = new Map<string, Connector[]>();
    for (const connector of (connectors ?? []).filter((c) => matches(c, search))) {
      const key = connector.project ?? '';
      byProject.set(key, [...(byProject.get(key) ?? []), connector]);
    }
    return [...byProject.entries()].sort(([a], [b]) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b)));
  }, [connectors, search]);

  return (
    <main className="page" aria-labelledby="page-title">
      <div className="page-head">
        <div>
          <h1 id="page-title">Connectors</h1>
          <p className="muted">Remote MCP servers Patchbay can use for you.</p>
        </div>
        <button type="button" className="button button-primary" onClick={() => setAdding(true)}>
          Add custom connector
        </button>
      </div>
      {banner ? (
        <Notice tone={banner.tone} onDismiss={() => setBanner(undefined)}>
          {banner.text}
        </Notice>
      ) : null}
      {error ? <Notice tone="error">{error}</Notice> : null}
      {connectors && connectors.length === 0 ? <EmptyState onAdd={() => setAdding(true)} /> : null}
      {connectors && connectors.length > 0 ? (
        <>
          <div className="search">
            <label htmlFor="connector-search">Search connectors</label>
            <input id="connector-search" type="search" value={search} onChange={(e) => setSearch(e.target.value)} placeholder="Name, address, project or tag" autoComplete="off" />
          </div>
          {groups.length === 0 ? <p className="empty-small">No connector matches “{search}”.</p> : null}
          {groups.map(([project, list]) => (
            <section key={project} className="group" aria-label={project ? `Project ${project}` : 'No project'}>
              {groups.length > 1 || project ? <h2 className="group-title">{project || 'No project'}</h2> : null}
              <ul className="connector-list">
                {list.map((connector) => (
                  <ConnectorRow key={connector.id} connector={connector} summary={summaries[connector.name]} />
                ))}
              </ul>
            </section>
          ))}
        </>
      ) : null}
      {connectors === undefined && !error ? <p className="muted">Loading…</p> : null}
      {adding ? <AddConnectorDialog onClose={() => setAdding(false)} onAdded={() => void load()} /> : null}
    </main>
  );
}
