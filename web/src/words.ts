import type { Approval, Connector } from './types.ts';

export type Tone = 'ok' | 'warn' | 'error' | 'neutral';

/** A connector's state as a person would say it. */
export function describeStatus(connector: Connector, suspended = 0): { label: string; tone: Tone; detail?: string } {
  switch (connector.status) {
    case 'needs-sign-in':
      return { label: 'Needs sign-in', tone: 'warn' };
    case 'error':
      return { label: 'Error', tone: 'error', detail: connector.lastError?.message ?? 'The last connection failed.' };
    case 'new':
      return { label: 'Not connected yet', tone: 'neutral' };
    default:
      if (suspended > 0) return { label: `Connected · ${suspended} suspended ${suspended === 1 ? 'tool' : 'tools'}`, tone: 'warn' };
      return { label: 'Connected', tone: 'ok' };
  }
}

/**
 * What the sign-in callback reports. The address carries only these codes, never text
 * from the authorization server.
 */
export const SIGN_IN_OUTCOMES: Record<string, { tone: Tone; text: string }> = {
  ok: { tone: 'ok', text: 'Signed in. Patchbay can now use this connector.' },
  denied: { tone: 'error', text: 'Sign-in was cancelled or access was refused on the server’s page. Sign in again if that was a mistake.' },
  expired: { tone: 'error', text: 'That sign-in link was already used or is older than 10 minutes. Start the sign-in again.' },
  removed: { tone: 'error', text: 'The connector was removed while you were signing in.' },
  unsafe: { tone: 'error', text: 'The server named an address Patchbay will not use for sign-in, so the sign-in was stopped.' },
  failed: { tone: 'error', text: 'Sign-in did not finish. Try again; if it keeps failing, check the server’s sign-in settings.' },
};

export const LOGIN_OUTCOMES: Record<string, string> = {
  invalid: 'That link does not carry this Patchbay’s access token. Open the link printed by `patchbay serve` again.',
};

export function describeApproval(approval: Approval): string {
  return { allow: 'Allow', ask: 'Ask', block: 'Block' }[approval];
}

export function describeDoor(door: string): string {
  return ({ cli: 'CLI', api: 'API', chat: 'Chat', gateway: 'Gateway' } as Record<string, string>)[door] ?? door;
}

/** An audit decision (`allowed`, `allowed-by-approval`, `refused:TOOL_BLOCKED`, ...) in words. */
/** Why a call was allowed, as the audit records it (`allowed:<because>`). */
const ALLOWED_BECAUSE: Record<string, string> = {
  setting: 'Allowed by your setting',
  'read-only-claim': 'Allowed: the server says read-only',
  'direct-call': 'Allowed: you called it',
  approval: 'Allowed after you approved',
};

/** What went wrong with a call, in words; the code itself is shown on hover. */
const ERROR_WORDS: Record<string, string> = {
  APPROVAL_REQUIRED: 'Needed your approval',
  APPROVAL_INVALID: 'Approval not valid',
  APPROVAL_EXPIRED: 'Approval expired',
  USAGE_LIMIT_EXCEEDED: 'Over a limit',
  TOOL_BLOCKED: 'Blocked',
  TOOL_DISABLED: 'Disabled',
  TOOL_DEFINITION_CHANGED: 'Changed since you approved',
  INVALID_ARGUMENTS: 'Arguments did not fit',
  TIMEOUT: 'Timed out',
  CANCELLED: 'Cancelled',
  CONNECTOR_UNREACHABLE: 'Server unreachable',
  SERVER_ERROR: 'Server error',
  PROTOCOL_ERROR: 'Bad answer from the server',
  RESPONSE_TOO_LARGE: 'Answer too large',
  AUTH_REQUIRED: 'Needs sign-in',
  ELICITATION_DECLINED: 'Question declined',
  INTERNAL: 'Patchbay error',
};

export function describeErrorCode(code: string): string {
  return ERROR_WORDS[code] ?? code;
}

export function describeDecision(decision: string): { text: string; tone: Tone } {
  if (decision === 'allowed') return { text: 'Allowed', tone: 'ok' };
  if (decision === 'allowed-by-approval') return { text: 'Allowed after you approved', tone: 'ok' };
  if (decision.startsWith('allowed:')) return { text: ALLOWED_BECAUSE[decision.slice('allowed:'.length)] ?? 'Allowed', tone: 'ok' };
  // The answer, if it came, is a row of its own.
  if (decision === 'asked') return { text: 'Asked for your approval', tone: 'warn' };
  if (decision.startsWith('refused:')) {
    const code = decision.slice('refused:'.length);
    const reasons: Record<string, string> = {
      TOOL_BLOCKED: 'blocked',
      TOOL_DISABLED: 'disabled',
      TOOL_DEFINITION_CHANGED: 'changed since you approved',
      APPROVAL_REQUIRED: 'needs approval',
      APPROVAL_INVALID: 'approval not valid',
      USAGE_LIMIT_EXCEEDED: 'over a limit',
    };
    return { text: `Refused: ${reasons[code] ?? code}`, tone: 'error' };
  }
  return { text: decision, tone: 'neutral' };
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
