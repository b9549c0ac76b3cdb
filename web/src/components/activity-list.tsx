import { useCallback, useEffect, useState } from 'react';
import { apiRequest, messageOf } from '../api.ts';
import type { AuditEvent } from '../types.ts';
import { describeDecision, describeDoor, describeErrorCode, formatTime } from '../words.ts';
import { Badge } from './status-badge.tsx';

const PAGE_SIZE = 25;

interface AuditPage {
  events: AuditEvent[];
  older: string | null;
  newer: string | null;
}

/** The audit of one connector's tool calls, newest first, from every door, a page at a time. */
export function ActivityList(props: { connector: string; pageSize?: number }) {
  const [page, setPage] = useState<AuditPage>();
  const [at, setAt] = useState<{ before?: string; after?: string }>({});
  const [error, setError] = useState<string>();
  const pageSize = props.pageSize ?? PAGE_SIZE;
  const load = useCallback(() => {
    const query = new URLSearchParams({ connector: props.connector, limit: String(pageSize) });
    if (at.before) query.set('before', at.before);
    if (at.after) query.set('after', at.after);
    apiRequest<AuditPage>('GET', `/api/audit?${query}`).then(
      (data) => {
        setPage(data);
        setError(undefined);
      },
      (err) => setError(messageOf(err)),
    );
  }, [props.connector, pageSize, at]);
  useEffect(load, [load]);
  const events = page?.events;

  return (
    <div>
      <div className="section-head">
        <p className="muted">Every call to this connector’s tools, from the CLI, the API, the chat and other MCP clients.</p>
        <button type="button" className="button button-small" onClick={load}>
          Refresh
        </button>
      </div>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      {events && events.length === 0 ? <p className="empty-small">No tool calls yet.</p> : null}
      {events && events.length > 0 ? (
        <table className="activity">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Tool</th>
              <th scope="col">From</th>
              <th scope="col">Decision</th>
              <th scope="col">Took</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {events.map((event) => {
              const decision = describeDecision(event.decision);
              return (
                <tr key={event.id}>
                  <td>{formatTime(event.at)}</td>
                  <td>
                    <code>{event.toolName}</code>
                  </td>
                  <td>{describeDoor(event.door)}</td>
                  <td>
                    <Badge tone={decision.tone}>{decision.text}</Badge>
                  </td>
                  <td>{event.latencyMs === null ? '—' : `${event.latencyMs} ms`}</td>
                  <td>{event.errorCode ? <span title={event.errorCode}>{describeErrorCode(event.errorCode)}</span> : event.resultBytes === null ? '—' : `${event.resultBytes} bytes`}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {page && (page.older || page.newer || at.before || at.after) ? (
        <nav className="row pager" aria-label="Activity pages">
          <button type="button" className="button button-small" disabled={!page.newer && !at.before && !at.after} onClick={() => setAt({})}>
            Newest
          </button>
          <button type="button" className="button button-small" disabled={!page.newer} onClick={() => page.newer && setAt({ after: page.newer })}>
            ← Newer
          </button>
          <button type="button" className="button button-small" disabled={!page.older} onClick={() => page.older && setAt({ before: page.older })}>
            Older →
          </button>
        </nav>
      ) : null}
    </div>
  );
}
