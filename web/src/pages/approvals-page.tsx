import { useEffect, useState } from 'react';
import { apiRequest, messageOf } from '../api.ts';
import { ApprovalsList } from '../components/approvals-list.tsx';
import type { Connector } from '../types.ts';
import { useWaitingApprovals } from '../waiting-approvals.tsx';

/** /approvals — every call waiting for the person, from every connector, with its full arguments; a new one appears as it starts waiting. */
export function ApprovalsPage() {
  const { approvals, error: waitError, refresh } = useWaitingApprovals();
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  const [namesError, setNamesError] = useState<string>();
  /** The unknown connectors the last successful read of the names was for. */
  const [readFor, setReadFor] = useState<string>();

  // Connector names, read again when a request names a connector not known yet; until then the list waits,
  // rather than calling the connector removed.
  const unknown = [...new Set(approvals?.filter((a) => !names.has(a.connectorId)).map((a) => a.connectorId))].sort().join(',');
  useEffect(() => {
    if (!unknown) return;
    void apiRequest<{ connectors: Connector[] }>('GET', '/api/connectors').then(
      (listed) => {
        setNames(new Map(listed.connectors.map((c) => [c.id, c.name])));
        setReadFor(unknown);
        setNamesError(undefined);
      },
      (err: unknown) => setNamesError(messageOf(err)),
    );
  }, [unknown]);
  const error = waitError ?? namesError;
  const ready = approvals !== undefined && (unknown === '' || readFor === unknown || namesError !== undefined);

  return (
    <main className="page" aria-labelledby="approvals-title">
      <h1 id="approvals-title">Approvals</h1>
      <p className="muted">
        Calls made by a model or another client to tools set to <em>Ask</em> wait here until you answer. <em>Allow once</em> lets that one call through; <em>Always allow</em>{' '}
        also sets the tool to Allow.
      </p>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      {ready ? <ApprovalsList approvals={approvals} connectorNames={names} onAnswered={refresh} empty="Nothing is waiting for your approval." /> : <p className="muted">Loading…</p>}
    </main>
  );
}
