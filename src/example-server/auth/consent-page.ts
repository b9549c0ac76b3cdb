/**
 * The consent page of the interactive mode: who asks, for what, where the browser will
 * be sent, and an "Allow" and a "Deny" button posting back to the authorization
 * endpoint. Everything shown comes from the request or the client, so all of it is escaped.
 */

import type { ServerResponse } from 'node:http';
import { isLoopbackHostname } from './redirect-uris.ts';

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char]);
}

export interface ConsentDetails {
  /** Identifies the waiting authorization request; posted back with the decision. */
  consentId: string;
  clientName: string | undefined;
  clientId: string;
  redirectUri: string;
  scopes: readonly string[];
  resource: string;
}

export function renderConsentPage(details: ConsentDetails): string {
  const redirectHost = new URL(details.redirectUri).host;
  // spec (CIMD security): the redirect URI host MUST be shown, with a warning for localhost
  const loopbackWarning = isLoopbackHostname(new URL(details.redirectUri).hostname)
    ? '<p class="warn">It returns to a program on this computer. Allow only if you just started the sign-in yourself.</p>'
    : '';
  const who = details.clientName === undefined ? escapeHtml(details.clientId) : `${escapeHtml(details.clientName)} <small>(${escapeHtml(details.clientId)})</small>`;
  const scopes = details.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Allow access? — Patchbay example server</title>
<style>body{font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;line-height:1.5}.warn{color:#8a4b00}button{font-size:1rem;padding:.4rem 1.2rem;margin-right:.5rem}</style>
</head>
<body>
<h1>Allow access?</h1>
<p><strong>${who}</strong> asks to use the example MCP server at <code>${escapeHtml(details.resource)}</code> with:</p>
<ul>${scopes}</ul>
<p>After you answer, your browser goes to <strong>${escapeHtml(redirectHost)}</strong>.</p>
${loopbackWarning}
<form method="post" action="/authorize">
<input type="hidden" name="consent" value="${escapeHtml(details.consentId)}">
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body>
</html>
`;
}

/** Answers with an HTML page that no one may frame or cache (clickjacking, shared machines). */
export function writeHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'referrer-policy': 'no-referrer',
  });
  res.end(html);
}

/** A page saying why an authorization request cannot go back to the client (RFC 6749 §4.1.2.1). */
export function renderErrorPage(error: string, description: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Sign-in failed — Patchbay example server</title></head>
<body>
<h1>Sign-in failed</h1>
<p><code>${escapeHtml(error)}</code>: ${escapeHtml(description)}</p>
</body>
</html>
`;
}
