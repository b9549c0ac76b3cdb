import { useState } from 'react';
import { apiRequest, connectorPath, messageOf } from '../api.ts';
import type { ToolApproval, ToolPolicies, ToolPolicyRow } from '../types.ts';
import { describeApproval } from '../words.ts';
import { describeLimits, LimitsForm } from './limits-form.tsx';
import { Modal } from './modal.tsx';
import { ReviewDialog } from './review-dialog.tsx';
import { Badge } from './status-badge.tsx';

/** The server's annotations, labelled as what they are: claims Patchbay cannot check. */
function ServerClaims(props: { row: ToolPolicyRow }) {
  const a = props.row.annotations;
  const claims: string[] = [];
  if (a?.readOnlyHint === true) claims.push('read-only');
  if (a?.destructiveHint === true) claims.push('destructive');
  if (a?.destructiveHint === false && a?.readOnlyHint !== true) claims.push('not destructive');
  if (a?.idempotentHint === true) claims.push('idempotent');
  if (a?.openWorldHint === true) claims.push('reaches the internet');
  if (claims.length === 0) return <span className="muted">none</span>;
  return (
    <ul className="claims">
      {claims.map((claim) => (
        <li key={claim} className={claim === 'destructive' ? 'claim claim-warn' : 'claim'}>
          {claim}
        </li>
      ))}
    </ul>
  );
}

/** Every tool with its switch, its approval and what to look at; changes are saved at once. */
export function ToolsTable(props: { connector: string; policies: ToolPolicies; onChanged: () => void }) {
  const [rows, setRows] = useState(props.policies.tools);
  const [saving, setSaving] = useState<string>();
  const [error, setError] = useState<string>();
  const [reviewing, setReviewing] = useState<string>();
  const [limiting, setLimiting] = useState<ToolPolicyRow>();
  const [seen, setSeen] = useState(props.policies);
  if (seen !== props.policies) {
    setSeen(props.policies);
    setRows(props.policies.tools);
  }

  const save = async (row: ToolPolicyRow, change: { enabled?: boolean; approval?: ToolApproval }) => {
    setSaving(row.name);
    setError(undefined);
    setRows((all) => all.map((r) => (r.name === row.name ? { ...r, setting: { ...r.setting, ...change } } : r)));
    try {
      await apiRequest('PATCH', connectorPath(props.connector, `/tools/${encodeURIComponent(row.name)}/setting`), change);
      props.onChanged();
    } catch (err) {
      setRows((all) => all.map((r) => (r.name === row.name ? row : r)));
      setError(`${row.name}: ${messageOf(err)}`);
    } finally {
      setSaving(undefined);
    }
  };

  if (rows.length === 0) return <p className="muted">This server offers no tools.</p>;
  const defaultApproval = describeApproval(props.policies.policy.defaultApproval);
  return (
    <>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      <table className="tools">
        <thead>
          <tr>
            <th scope="col">Tool</th>
            <th scope="col">On</th>
            <th scope="col">When it is called</th>
            <th scope="col">Limits</th>
            <th scope="col" title="What the server says about the tool; Patchbay cannot check it">
              Server’s claims
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => {
            const state = row.setting.reviewState;
            return (
              <tr key={row.name} className={row.setting.enabled ? undefined : 'row-off'} data-tool={row.name}>
                <td className="tool-cell">
                  <div className="tool-name">
                    <code>{row.name}</code>
                    {row.title && row.title !== row.name ? <span className="tool-title">{row.title}</span> : null}
                    {state === 'new' ? <Badge tone="neutral">new</Badge> : null}
                    {state === 'changed' ? <Badge tone="warn">changed since you approved</Badge> : null}
                    {row.hidden ? <Badge tone="error">hidden characters</Badge> : null}
                  </div>
                  {/* With hidden characters, the description is shown with them made visible: a bidi override must not reorder what the person reads. */}
                  {row.description ? <p className="tool-description">{row.hidden?.visibleDescription ?? row.description}</p> : null}
                  {row.hidden ? (
                    <details className="hidden-text">
                      <summary>What is hidden</summary>
                      <p className="muted">{row.hidden.findings.map((f) => `${f.path}: ${f.description}`).join(' · ')}</p>
                    </details>
                  ) : null}
                  {state === 'changed' || state === 'new' ? (
                    <button type="button" className="button button-small" onClick={() => setReviewing(row.name)}>
                      Review
                    </button>
                  ) : null}
                </td>
                <td>
                  <label className="switch">
                    <input type="checkbox" checked={row.setting.enabled} disabled={saving === row.name} onChange={(e) => save(row, { enabled: e.target.checked })} />
                    <span className="visually-hidden">Enable {row.name}</span>
                  </label>
                </td>
                <td>
                  <label>
                    <span className="visually-hidden">Approval for {row.name}</span>
                    <select value={row.setting.approval} disabled={saving === row.name} onChange={(e) => save(row, { approval: e.target.value as ToolApproval })}>
                      <option value="default">Default ({defaultApproval})</option>
                      <option value="allow">Allow</option>
                      <option value="ask">Ask</option>
                      <option value="block">Block</option>
                    </select>
                  </label>
                  {row.setting.approval === 'default' && row.effective !== props.policies.policy.defaultApproval ? (
                    <p className="field-hint">Applies: {describeApproval(row.effective)}</p>
                  ) : null}
                </td>
                <td className="limits-cell">
                  <span className="muted">{describeLimits(row.setting.limits)}</span>
                  <button type="button" className="button button-small" onClick={() => setLimiting(row)} aria-label={`Change limits for ${row.name}`}>
                    Change
                  </button>
                </td>
                <td>
                  <ServerClaims row={row} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {limiting ? (
        <Modal title={`Limits for ${limiting.name}`} onClose={() => setLimiting(undefined)}>
          <div className="modal-body">
            <p className="muted">Calls of this tool over a limit are refused, whoever makes them. An empty field is no limit.</p>
            <LimitsForm
              limits={limiting.setting.limits}
              onSave={async (limits) => {
                await apiRequest('PATCH', connectorPath(props.connector, `/tools/${encodeURIComponent(limiting.name)}/setting`), { limits });
                setRows((all) => all.map((r) => (r.name === limiting.name ? { ...r, setting: { ...r.setting, limits } } : r)));
                props.onChanged();
              }}
            />
          </div>
        </Modal>
      ) : null}
      {reviewing ? (
        <ReviewDialog
          connector={props.connector}
          tool={reviewing}
          onClose={() => setReviewing(undefined)}
          onApproved={() => {
            setReviewing(undefined);
            props.onChanged();
          }}
        />
      ) : null}
    </>
  );
}
