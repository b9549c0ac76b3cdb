import { isIP } from 'node:net';
import { PatchbayError } from '../core/errors.ts';

/** Connector names: what people type in the CLI and what models see as a prefix. */
export const NAME_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

export function validateName(name: string): string {
  if (!NAME_PATTERN.test(name)) {
    throw new PatchbayError(
      'INVALID_NAME',
      `"${truncate(name, 80)}" is not a valid connector name: use 1–64 lowercase letters, digits and hyphens, starting and ending with a letter or digit (for example "github" or "team-notes").`,
      { details: { name: truncate(name, 80) } },
    );
  }
  return name;
}

/**
 * A connector name derived from what the server calls itself (untrusted text):
 * lowercased, anything else turned into hyphens, trimmed to 64 characters.
 * Falls back to the URL's host when the server's name has nothing usable.
 */
export function deriveName(serverName: string | undefined, url: string): string {
  const slug = (text: string) =>
    text
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 64)
      .replace(/-+$/g, '');
  // ANSI escape sequences are markup, not part of the name: drop them whole.
  const visible = (serverName ?? '').replace(/\u001b(?:\[[0-?]*[ -/]*[@-~]|\][^\u0007\u001b]*(?:\u0007|\u001b\\)?|[@-_])/g, '');
  const fromServer = visible ? slug(visible.replace(/^@[^/]+\//, '')) : '';
  if (fromServer && NAME_PATTERN.test(fromServer)) return fromServer;
  const host = new URL(url).hostname.replace(/^www\./, '');
  const fromHost = slug(host);
  return fromHost && NAME_PATTERN.test(fromHost) ? fromHost : 'connector';
}

/** Adds -2, -3, ... until `taken` says no. */
export function uniqueName(base: string, taken: (name: string) => boolean): string {
  if (!taken(base)) return base;
  for (let i = 2; i < 1000; i++) {
    const suffix = `-${i}`;
    const candidate = `${base.slice(0, 64 - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!taken(candidate)) return candidate;
  }
  throw new PatchbayError('NAME_TAKEN', `Could not find a free name based on "${base}". Pass a name explicitly.`);
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^::ffff:127\./.test(host) || /^::ffff:7f[0-9a-f]{2}:/.test(host);
  return false;
}

export interface UrlRuleOptions {
  /** Allow plain http for a non-loopback host (an explicit choice of the person). */
  allowHttp?: boolean;
}

/**
 * Checks and normalizes a connector URL: absolute http(s) with any path, https
 * required except for loopback hosts or when allowHttp is set; no credentials in
 * the URL, no fragment. Normalization lowercases scheme and host, drops default
 * ports and the fragment, and keeps path and query as given.
 */
export function normalizeConnectorUrl(raw: string, options: UrlRuleOptions = {}): string {
  const text = raw.trim();
  const schemeless = withoutScheme(text);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidUrl(text, schemeless ?? 'it is not an absolute URL. Paste the full address, for example https://mcp.example.com/mcp');
  }
  // "localhost:7411/mcp" parses, with "localhost:" as its scheme.
  if (schemeless) throw invalidUrl(text, schemeless);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalidUrl(text, `"${url.protocol}" is not supported; remote MCP servers are reached over https (or http on this machine)`);
  }
  if (url.username || url.password) {
    throw invalidUrl(text, 'it contains a user name or password. Remove them from the URL and add the credentials as the connector\'s sign-in instead');
  }
  if (!url.hostname) throw invalidUrl(text, 'it has no host');
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname) && !options.allowHttp) {
    throw invalidUrl(
      text,
      'plain http would send everything unencrypted. Use https, or pass --allow-http if you trust the network (for example a server on your own LAN)',
    );
  }
  url.hash = '';
  return url.toString();
}

/** For a host (and port and path) typed without a scheme, what to say: the URL it probably meant. */
function withoutScheme(text: string): string | undefined {
  const typed = /^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?(?=[/?]|$)/i.exec(text);
  if (!typed || text.includes('://')) return undefined;
  // A bare word ("notes/mcp") is more likely a relative path than a host.
  const host = typed[1];
  if (!host.includes('.') && !host.startsWith('[') && host.toLowerCase() !== 'localhost') return undefined;
  const scheme = isLoopbackHost(host) ? 'http' : 'https';
  return `it has no scheme (try ${scheme}://${truncate(text, 200)})`;
}

function invalidUrl(text: string, why: string): PatchbayError {
  return new PatchbayError('INVALID_URL', `Cannot use "${truncate(text, 200)}" as a connector URL: ${why}.`, { details: { url: truncate(text, 200) } });
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
