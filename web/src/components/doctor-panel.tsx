import { useCallback, useEffect, useState } from 'react';
import { apiRequest, connectorPath, messageOf } from '../api.ts';
import type { DoctorReport, DoctorStepStatus } from '../types.ts';
import type { Tone } from '../words.ts';
import { Badge } from './status-badge.tsx';

const STATUS: Record<DoctorStepStatus, { label: string; tone: Tone }> = {
  ok: { label: 'OK', tone: 'ok' },
  warn: { label: 'Warning', tone: 'warn' },
  fail: { label: 'Failed', tone: 'error' },
  skipped: { label: 'Skipped', tone: 'neutral' },
};

const VERDICT: Record<DoctorReport['verdict'], string> = {
  ok: 'Every step worked.',
  'needs-sign-in': 'The server answers and wants sign-in.',
  failed: 'A step failed.',
};

/**
 * The connection doctor on the connector page: each step in order with its status, time,
 * what came back and an excerpt of the raw answer, and what to do at the failing step.
 * Runs by itself when the connector is failing; otherwise on "Run diagnosis".
 */
export function DoctorPanel(props: { connector: string; failing: boolean }) {
  const [report, setReport] = useState<DoctorReport>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const run = useCallback(async () => {
    setBusy(true);
    setError(undefined);
    try {
      setReport((await apiRequest<{ report: DoctorReport }>('GET', connectorPath(props.connector, '/doctor'))).report);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  }, [props.connector]);

  useEffect(() => {
    if (props.failing) void run();
  }, [props.failing, run]);

  const failed = report?.steps.find((s) => s.status === 'fail');
  return (
    <section className="card" aria-labelledby="doctor-title">
      <div className="section-head">
        <h2 id="doctor-title">Connection doctor</h2>
        <button type="button" className="button" onClick={() => void run()} disabled={busy}>
          {busy ? 'Diagnosing…' : report ? 'Run again' : 'Run diagnosis'}
        </button>
      </div>
      <p className="muted">Each step of reaching the server, in order. It only looks: nothing is changed, and no credential is shown.</p>
      {error ? (
        <p className="notice notice-error" role="alert">
          {error}
        </p>
      ) : null}
      {report ? (
        <>
          <p role="status" className="doctor-verdict">
            <strong>{VERDICT[report.verdict]}</strong>
          </p>
          <ol className="doctor-steps" aria-label="Diagnosis steps">
            {report.steps.map((step) => (
              <li key={step.id} className={`doctor-step doctor-step-${step.status}`} data-step={step.id}>
                <div className="doctor-step-head">
                  <span className="doctor-step-title">{step.title}</span>
                  <Badge tone={STATUS[step.status].tone}>{STATUS[step.status].label}</Badge>
                  {step.status !== 'skipped' ? <span className="muted">{step.ms} ms</span> : null}
                </div>
                <p className="doctor-detail break">{step.detail}</p>
                {step === failed ? (
                  <p className="doctor-advice">
                    <strong>What to do: </strong>
                    {report.advice}
                  </p>
                ) : null}
                {step.excerpt ? (
                  <details className="doctor-excerpt">
                    <summary>What came back</summary>
                    <pre className="code-block">{step.excerpt}</pre>
                  </details>
                ) : null}
              </li>
            ))}
          </ol>
          {!failed ? <p className="muted">{report.advice}</p> : null}
        </>
      ) : null}
    </section>
  );
}
