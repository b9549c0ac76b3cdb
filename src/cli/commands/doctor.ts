import type { DoctorReport, DoctorStep } from '../../hub/index.ts';
import type { CommandSpec } from '../command.ts';
import type { Printer } from '../io.ts';
import { flagOption, integerOption } from '../option-values.ts';

const MARKS: Record<DoctorStep['status'], string> = { ok: '✓', warn: '!', fail: '✗', skipped: '–' };
/** Exit codes: 0 works, 4 needs sign-in (as AUTH_REQUIRED), 5 failed (as the remote-server errors). */
const EXIT: Record<DoctorReport['verdict'], number> = { ok: 0, 'needs-sign-in': 4, failed: 5 };
const STEP_COUNT = 10;

export const doctorCommand: CommandSpec = {
  name: 'doctor',
  group: 'connectors',
  summary: 'Diagnose a connector (or a URL) step by step: where and why it fails.',
  description:
    'Diagnose a connector, or a server URL not added yet, step by step: the URL, DNS and the address policy, TCP/TLS and the certificate, ' +
    'the Streamable HTTP initialize (and the 2026-07-28 discovery probe), the legacy HTTP+SSE fallback, the sign-in metadata when the server asks for sign-in, ' +
    'what you have stored (never shown), and tools/list. Each step shows its time, what came back, and an excerpt of the raw answer. ' +
    'Nothing is changed, registered or refreshed. Exits 0 when everything works, 4 when the server needs sign-in, 5 when a step failed.',
  positionals: [{ name: 'name|url', required: true, description: 'Connector name, or the URL of a server not added yet.' }],
  options: {
    timeout: { type: 'string', value: 'MS', description: 'Time limit of each step in milliseconds (default: PATCHBAY_CONNECT_TIMEOUT_MS).' },
    'allow-http': { type: 'boolean', description: 'For a URL not added yet: plain http to a server on your network, as `add --allow-http` would (local mode only).' },
  },
  examples: ['patchbay doctor github', 'patchbay doctor https://mcp.example.com/mcp', 'patchbay doctor github --json'],
  async run(ctx, { values, positionals }) {
    const stepTimeoutMs = integerOption(values, 'timeout', 'doctor', { min: 100, max: 600_000 });
    const patchbay = await ctx.open();
    let done = 0;
    const report = await ctx.remote(`Diagnosing ${positionals[0]}`, (control) =>
      patchbay.hub.diagnose(patchbay.actor('cli'), positionals[0], {
        signal: control.signal,
        stepTimeoutMs,
        allowHttp: flagOption(values, 'allow-http'),
        onStep: (step) => control.onProgress?.({ progress: ++done, total: STEP_COUNT, message: step.title }),
      }),
    );
    return { json: report, print: (out) => printReport(out, report), exitCode: EXIT[report.verdict] };
  },
};

/** One line per step — mark, title, time, detail — with the excerpt under it, then the verdict and advice. */
export function printReport(out: Printer, report: DoctorReport): void {
  out.line(`Doctor: ${report.target.connector ? `"${report.target.connector}" at ` : ''}${report.target.url}`);
  const titleWidth = Math.max(...report.steps.map((s) => s.title.length));
  const times = report.steps.map((s) => (s.status === 'skipped' ? '' : `${s.ms} ms`));
  const timeWidth = Math.max(...times.map((t) => t.length));
  report.steps.forEach((step, i) => {
    out.line(`${MARKS[step.status]} ${step.title.padEnd(titleWidth)}  ${times[i].padStart(timeWidth)}  ${oneLine(step.detail)}`);
    if (step.excerpt) out.line(`${' '.repeat(titleWidth + timeWidth + 6)}│ ${oneLine(step.excerpt)}`);
  });
  const verdict = { ok: 'works', 'needs-sign-in': 'needs sign-in', failed: 'failed' }[report.verdict];
  out.line();
  out.line(`${MARKS[report.verdict === 'ok' ? 'ok' : report.verdict === 'failed' ? 'fail' : 'warn']} ${verdict}: ${oneLine(report.advice)}`);
}

function oneLine(text: string): string {
  return text.replace(/[\r\n\t]+/g, ' ');
}
