/**
 * Reads a connection doctor report (`POST /api/doctor`) into the few facts the Add
 * dialog shows before anything is saved: the report's `server` fields, the registration
 * step and the first failing step. Every value is server text.
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
  const facts = report.server;
  const summary: ProbeSummary = { verdict: report.verdict, advice: report.advice };
  if (facts.name !== null) {
    const title = facts.title && facts.title !== facts.name ? ` (${facts.title})` : '';
    summary.server = `${facts.name}${facts.version ? ` ${facts.version}` : ''}${title}`;
  }
  if (facts.protocolVersion) summary.protocol = facts.protocolVersion;
  if (facts.transport) summary.transport = facts.transport === 'sse' ? 'HTTP+SSE (legacy)' : 'Streamable HTTP';
  const registration = report.steps.find((s) => s.id === 'registration');
  if (registration && registration.status !== 'skipped') summary.registration = registration.detail;
  if (facts.scopes.length > 0) summary.scopes = facts.scopes.join(' ');
  const failed = report.steps.find((s) => s.status === 'fail');
  if (failed) summary.failure = { title: failed.title, detail: failed.detail };
  return summary;
}
