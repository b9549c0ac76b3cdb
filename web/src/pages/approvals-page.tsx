import { useCallback, useEffect, useState } from 'react';
import { apiRequest, messageOf } from '../api.ts';
import { ApprovalsList } from '../components/approvals-list.tsx';
import type { ApprovalRequest, Connector } from '../types.ts';

const POLL_MS = 4000;

/** /approvals — every call waiting for the person, from every connector, with its full arguments. */
export function ApprovalsPage() {
  const [approvals, setApprovals] = useState<ApprovalRequest[]>();
  const [names, setNames] = useState<ReadonlyMap<string, string>>(new Map());
  const [error, setError] = useState<string>();

  const load = useCallback(async () => {
    try {
      const [waiting, listed] = await Promise.all([
        apiRequest<{ approvals: ApprovalRequest[] }>('GET', '/api/approvals'),
        apiRequest<{ connectors: Connector[] }>('GET', '/api/connectors'),
      ]);
      setNames(new Map(listed.connectors.map((c) => [c.id, c.name])));
      setApprovals(waiting.approvals);
      setError(undefined);
    } catch (err) {
      setError(messageOf(err));
    }
  }, []);

  useEffect(() => {
    void load();
    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void load();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [load]);

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
      {approvals ? <ApprovalsList approvals={approvals} connectorNames={names} onAnswered={() => void load()} empty="Nothing is waiting for your approval." /> : <p className="muted">Loading…</p>}
    </main>
  );
}
