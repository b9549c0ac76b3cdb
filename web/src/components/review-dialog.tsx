import { useEffect, useState } from 'react';
import { apiRequest, connectorPath, messageOf } from '../api.ts';
import type { ToolReview } from '../types.ts';
import { Modal } from './modal.tsx';

function pretty(value: unknown): string {
  return JSON.stringify(value, null, 2) ?? '';
}

/** One side of the comparison; lines absent from the other side are marked. */
function DefinitionText(props: { label: string; text: string | null; other: string | null; empty: string }) {
  if (props.text === null) {
    return (
      <section className="definition" aria-label={props.label}>
        <h3>{props.label}</h3>
        <p className="muted">{props.empty}</p>
      </section>
    );
  }
  const others = new Set((props.other ?? '').split('\n'));
  return (
    <section className="definition" aria-label={props.label}>
      <h3>{props.label}</h3>
      <pre className="code-block">
        {props.text.split('\n').map((line, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: lines have no identity of their own
          <span key={i} className={props.other !== null && !others.has(line) ? 'line line-changed' : 'line'}>
            {line}
            {'\n'}
          </span>
        ))}
      </pre>
    </section>
  );
}

/** What the person approved beside what the server offers now, and a button to approve the new one. */
export function ReviewDialog(props: { connector: string; tool: string; onClose: () => void; onApproved: () => void }) {
  const [review, setReview] = useState<ToolReview>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const base = connectorPath(props.connector, `/tools/${encodeURIComponent(props.tool)}/review`);

  useEffect(() => {
    apiRequest<ToolReview>('GET', base).then(setReview, (err) => setError(messageOf(err)));
  }, [base]);

  const approve = async () => {
    setBusy(true);
    try {
      await apiRequest('POST', base, {});
      props.onApproved();
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  };

  const pinned = review && review.pinned !== null && review.pinned !== undefined ? pretty(review.pinned) : null;
  const current = review ? pretty(review.current) : null;
  return (
    <Modal title={`Review ${props.tool}`} onClose={props.onClose} wide>
      <div className="modal-body">
        {review?.reviewState === 'changed' ? (
          <p>The server changed this tool since you approved it. Until you approve the new definition, Patchbay does not let anyone call it.</p>
        ) : review?.reviewState === 'new' ? (
          <p>This tool appeared after you first reviewed the connector.</p>
        ) : null}
        {error ? (
          <p className="notice notice-error" role="alert">
            {error}
          </p>
        ) : null}
        {review ? (
          <div className="side-by-side">
            <DefinitionText label="What you approved" text={pinned} other={current} empty="Nothing yet: this tool is new." />
            <DefinitionText label="What the server offers now" text={current} other={pinned} empty="" />
          </div>
        ) : error ? null : (
          <p className="muted">Loading…</p>
        )}
      </div>
      <div className="modal-actions">
        <button type="button" className="button" onClick={props.onClose}>
          Cancel
        </button>
        <button type="button" className="button button-primary" onClick={approve} disabled={!review || busy} data-autofocus>
          Approve this version
        </button>
      </div>
    </Modal>
  );
}
