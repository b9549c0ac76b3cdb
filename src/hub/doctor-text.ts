/**
 * How the connection doctor shows what a server sent: short, with every control
 * character visible, and with anything that could be a credential taken out first.
 */

/** Longest excerpt of a raw answer in a report. */
export const EXCERPT_CHARS = 500;

const REDACTED = '‹redacted›';

// Secrets inside JSON bodies: OAuth token responses, client registrations, echoed forms.
const SECRET_FIELDS = /("(?:access_token|refresh_token|id_token|client_secret|password|code_verifier|assertion|api_key|apikey)"\s*:\s*")((?:[^"\\]|\\.)*)(")/gi;
// A server that echoes our request (or logs it into its error page) would show these. A
// challenge (`Bearer realm="…"`, `Bearer resource_metadata=…`) names parameters, not a credential.
const CREDENTIAL_SCHEMES = /\b(Bearer|Basic|DPoP)(\s+)(?![A-Za-z0-9_-]+\s*=\s*["A-Za-z0-9])[A-Za-z0-9._~+/-]{6,}=*/gi;
const CREDENTIAL_HEADERS = /\b(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key)(\s*[:=]\s*)[^\n\r]*/gi;
// Capability URLs: a legacy SSE session id or a signed link is as good as a password.
const QUERY_SECRETS = /([?&](?:session_?id|token|access_token|code|key|api_key|apikey|sig|signature|secret|password)=)[^&#\s"'<>\\]*/gi;

// C0 and C1 controls, DEL, bidi and zero-width characters, line separators, the BOM and tag characters.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]|[\u{e0000}-\u{e007f}]/gu;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

/** Removes known secret values and anything shaped like a credential. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  // Longest first, so a secret that contains another is removed whole.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 4) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(SECRET_FIELDS, `$1${REDACTED}$3`)
    .replace(CREDENTIAL_SCHEMES, `$1$2${REDACTED}`)
    .replace(CREDENTIAL_HEADERS, `$1$2${REDACTED}`)
    .replace(QUERY_SECRETS, `$1${REDACTED}`);
}

/** Every control, bidi and invisible character written as an escape (`\n`, `\x1b`, `\u202e`). */
export function showControls(text: string): string {
  return text.replace(INVISIBLE, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Cuts to `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

/**
 * Text a server chose (a name, an error message), made safe for a report line:
 * credentials out, controls visible, at most `max` characters.
 */
export function quoteServerText(text: unknown, secrets: readonly string[] = [], max = 200): string {
  return clip(showControls(redactSecrets(String(text), secrets)), max);
}

/** The first bytes of a raw answer as a report shows them; undefined when there are none. */
export function excerptOf(text: string, secrets: readonly string[] = [], max = EXCERPT_CHARS): string | undefined {
  if (text.length === 0) return undefined;
  // Redact before cutting, so a cut never leaves half a secret behind.
  return clip(showControls(redactSecrets(text, secrets)), max);
}

/** A URL as a report shows it: no user info, query values that could be secrets redacted, no fragment. */
export function showUrl(url: string | URL, secrets: readonly string[] = []): string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch {
    return quoteServerText(url, secrets, 200);
  }
  parsed.username = '';
  parsed.password = '';
  parsed.hash = '';
  return quoteServerText(parsed.href, secrets, 300);
}

/** "3 min", "2 h 5 min", "40 s". */
export function formatDuration(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  if (s < 90) return `${s} s`;
  const min = Math.round(s / 60);
  if (min < 120) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h ${min % 60} min`;
  return `${Math.round(h / 24)} days`;
}

/** "1 MiB", "256 KiB", "900 bytes". */
export function formatBytes(n: number): string {
  if (n >= 1024 * 1024 && n % (1024 * 1024) === 0) return `${n / (1024 * 1024)} MiB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KiB`;
  return `${n} bytes`;
}
