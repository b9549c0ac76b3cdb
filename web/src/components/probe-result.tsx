import type { ProbeSummary } from '../probe.ts';

const HEADINGS: Record<ProbeSummary['verdict'], string> = {
  ok: 'The server answers.',
  'needs-sign-in': 'The server answers, and needs sign-in.',
  failed: 'The check failed.',
};

/** What the check found, before anything is saved: all of it plain text from the server. */
export function ProbeResult(props: { summary: ProbeSummary }) {
  const { summary } = props;
  const tone = summary.verdict === 'failed' ? 'notice-error' : summary.verdict === 'needs-sign-in' ? 'notice-warn' : 'notice-ok';
  return (
    <section className={`notice probe-result ${tone}`} aria-label="Check result" role="status">
      <p>
        <strong>{HEADINGS[summary.verdict]}</strong>
      </p>
      <dl className="facts">
        {summary.server ? (
          <>
            <dt>Server</dt>
            <dd>{summary.server}</dd>
          </>
        ) : null}
        {summary.protocol ? (
          <>
            <dt>Protocol</dt>
            <dd>{summary.protocol}</dd>
          </>
        ) : null}
        {summary.transport ? (
          <>
            <dt>Transport</dt>
            <dd>{summary.transport}</dd>
          </>
        ) : null}
        {summary.verdict === 'needs-sign-in' ? (
          <>
            <dt>Sign-in</dt>
            <dd>Needs sign-in</dd>
          </>
        ) : null}
        {summary.registration ? (
          <>
            <dt>Registration</dt>
            <dd>{summary.registration}</dd>
          </>
        ) : null}
        {summary.scopes ? (
          <>
            <dt>Scopes</dt>
            <dd>{summary.scopes}</dd>
          </>
        ) : null}
        {summary.failure ? (
          <>
            <dt>{summary.failure.title}</dt>
            <dd className="break">{summary.failure.detail}</dd>
          </>
        ) : null}
      </dl>
      {summary.verdict === 'failed' ? <p className="muted">{summary.advice}</p> : null}
    </section>
  );
}
