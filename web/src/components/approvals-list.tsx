import { useState } from 'react';
import { apiRequest, messageOf } from '../api.ts';
import type { ApprovalRequest } from '../types.ts';
import { connectorPage, followLink } from '../router.ts';
import { describeDoor, formatTime } from '../words.ts';

function ConnectorLink(props: { name: string | undefined }) {
  if (!props.name) return <p className="approval-connector muted">A connector that was removed</p>;
  return (
    <p className="approval-connector">
      Connector{' '}
      <a href={connectorPage(props.name)} onClick={followLink}>
        {props.name}
      </a>
    </p>
  );
}

function argumentsText(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? '';
  } catch {
    return String(value);
  }
}

/** Calls waiting for the person: the tool, its description and the exact arguments, then an answer. */
export function ApprovalsList(props: {
  approvals: ApprovalRequest[];
  onAnswered: () => void;
  /** Connector names by id: given, each approval says which connector it is for. */
  connectorNames?: ReadonlyMap<string, string>;
  /** Shown when nothing waits; without it the list is not shown at all. */
  empty?: string;
}) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<string>();
  const answer = async (id: string, value: 'once' | 'always' | 'deny') => {
    setBusy(id);
    setError(undefined);
    try {
      await apiRequest('POST', `/api/approvals/${encodeURIComponent(id)}`, { answer: value });
      props.onAnswered();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(undefined);
    }
  };
  if (props.approvals.length === 0) return props.empty ? <p className="empty-small">{props.empty}</p> : null;
  return (
    <section className="card approvals" aria-label="Waiting for your approval">
      <h2>Waiting for your approval</h2>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      {props.approvals.map((approval) => (
        <article key={approval.id} className="approval" aria-label={`${approval.toolName} waiting`}>
          {props.connectorNames ? <ConnectorLink name={props.connectorNames.get(approval.connectorId)} /> : null}
          <p>
            <code>{approval.toolName}</code> wants to run, asked through {describeDoor(approval.door)} at {formatTime(approval.createdAt)}.
          </p>
          {approval.description ? <p className="tool-description">{approval.description}</p> : null}
          <h3 className="label-small">Arguments</h3>
          <pre className="code-block">
            {argumentsText(approval.arguments)}
          </pre>
          <div className="row">
            <button type="button" className="button button-primary" disabled={busy === approval.id} onClick={() => answer(approval.id, 'once')}>
              Allow once
            </button>
            <button type="button" className="button" disabled={busy === approval.id} onClick={() => answer(approval.id, 'always')}>
              Always allow
            </button>
            <button type="button" className="button button-danger" disabled={busy === approval.id} onClick={() => answer(approval.id, 'deny')}>
              Deny
            </button>
          </div>
        </article>
      ))}
    </section>
  );
}
