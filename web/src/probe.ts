/**
 * Reads a connection doctor report (`POST /api/doctor`) into the few facts the Add
 * dialog shows before anything is saved. The report speaks in step details, so the
 * facts are read from the sentences the doctor writes (src/hub/doctor-mcp.ts and
 * doctor-auth.ts); anything not found is simply left out. Every value is server text.
 */
import type { DoctorReport } from './types.ts';

export interface ProbeSummary {
  verdict: DoctorReport['verdict'];
  /** The server's name and version, as it states them ("name version (title)"). */
  server?: string;
  protocol?: string;
  transport?: string;
  /** How Patchbay would register with the authorization server. */
  registration?: string;
  scopes?: string;
  /** When the check failed: the step's title and what came back. */
  failure?: { title: string; detail: string };
  advice: string;
}

export function summarizeProbe(report: DoctorReport): ProbeSummary {
  const step = (id: string) => report.steps.find((s) => s.id === id);
  const summary: ProbeSummary = { verdict: report.verdict, advice: report.advice };
  const initialize = step('initialize');
  if (initialize?.status === 'ok') {
    const facts = /protocol (\S+); server (.+?); capabilities /.exec(initialize.detail);
    if (facts) {
      summary.protocol = facts[1];
      summary.server = facts[2];
    }
    summary.transport = 'Streamable HTTP';
  } else if (step('fallback')?.status === 'ok') {
    summary.transport = 'HTTP+SSE (legacy)';
  }
  const registration = step('registration');
  if (registration && registration.status !== 'skipped') summary.registration = registration.detail;
  const resource = step('resource-metadata')?.detail ?? '';
  const scopes = /scope "([^"]*)"/.exec(resource)?.[1] ?? /scopes supported: (.+?)\.$/.exec(resource)?.[1];
  if (scopes) summary.scopes = scopes;
  const failed = report.steps.find((s) => s.status === 'fail');
  if (failed) summary.failure = { title: failed.title, detail: failed.detail };
  return summary;
}
