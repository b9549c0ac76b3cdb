import { useId, useState } from 'react';
import { apiRequest, connectorPath, messageOf } from '../api.ts';
import type { Approval, Connector, ConnectorPolicy } from '../types.ts';
import { describeLimits, LimitsForm } from './limits-form.tsx';

/** The connector's defaults: what a tool set to "Default" does, and whether read-only tools skip asking. */
export function ConnectorDefaults(props: { connector: string; policy: ConnectorPolicy; onChanged: (connector: Connector) => void }) {
  const approvalId = useId();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [saved, setSaved] = useState(false);

  const save = async (change: Partial<Pick<ConnectorPolicy, 'defaultApproval' | 'allowReadOnly'>>) => {
    setBusy(true);
    setError(undefined);
    setSaved(false);
    try {
      const { connector } = await apiRequest<{ connector: Connector }>('PATCH', connectorPath(props.connector, '/policy'), change);
      setSaved(true);
      props.onChanged(connector);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="defaults-title">
      <h2 id="defaults-title">Defaults</h2>
      <p className="muted">Tools set to “Default” follow these.</p>
      <div className="field">
        <label htmlFor={approvalId}>Default approval</label>
        <select id={approvalId} value={props.policy.defaultApproval} disabled={busy} onChange={(e) => void save({ defaultApproval: e.target.value as Approval })}>
          <option value="allow">Allow</option>
          <option value="ask">Ask</option>
          <option value="block">Block</option>
        </select>
      </div>
      <label className="checkbox">
        <input type="checkbox" checked={props.policy.allowReadOnly} disabled={busy} onChange={(e) => void save({ allowReadOnly: e.target.checked })} />
        Allow tools the server marks read-only
      </label>
      <p className="muted">The server decides what it marks read-only; only trust this for servers you trust.</p>
      <p role="status" className="muted">
        {saved ? 'Saved.' : ''}
      </p>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      <section aria-labelledby={`${approvalId}-limits`}>
        <h3 id={`${approvalId}-limits`}>Limits for the whole connector</h3>
        <p className="muted">
          Counted over every tool of this connector, from every door; each tool can have its own limits too. Now: <span className="limits-now">{describeLimits(props.policy.limits)}</span>.
        </p>
        <LimitsForm
          limits={props.policy.limits}
          onSave={async (limits) => {
            const { connector } = await apiRequest<{ connector: Connector }>('PATCH', connectorPath(props.connector, '/policy'), { limits });
            props.onChanged(connector);
          }}
        />
      </section>
    </section>
  );
}
