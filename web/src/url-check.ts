const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]', '::1']);

export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** Why a connector URL cannot be used (a sentence for the person), or undefined when it can. */
export function checkConnectorUrl(text: string, options: { allowHttp: boolean }): string | undefined {
  const value = text.trim();
  if (value === '') return 'Enter the server’s address, for example https://example.com/mcp.';
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'This is not a full address. It should look like https://example.com/mcp.';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'The address must start with https:// (or http:// for a server on this machine).';
  if (url.hostname === '') return 'The address has no host name.';
  if (url.username !== '' || url.password !== '') return 'Leave the user name and password out of the address; enter them under Advanced settings.';
  if (url.protocol === 'http:' && !isLoopbackHostname(url.hostname) && !options.allowHttp) {
    return 'Plain http is only used for servers on this machine. Use https, or allow plain http under Advanced settings.';
  }
  return undefined;
}

/** Only ordinary web addresses are ever opened: never `javascript:`, `data:` or anything else. */
export function isSafeNavigationUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHostname(url.hostname));
  } catch {
    return false;
  }
}

/** Where the authorization server sends the browser back: this page's own origin when on this machine. */
export function signInRedirectUrl(): string | undefined {
  return isLoopbackHostname(location.hostname) ? `${location.origin}/oauth/callback` : undefined;
}

/** The limits the API puts on a connector's tags (so a form says so itself, in words). */
const MAX_TAG_CHARS = 64;
const MAX_TAGS = 32;

/** Tags typed as a comma-separated list. */
export function splitTags(text: string): string[] {
  return text
    .split(',')
    .map((t) => t.trim())
    .filter(Boolean);
}

/** Why the tags cannot be saved, or undefined when they can. */
export function checkTags(text: string): string | undefined {
  const tags = splitTags(text);
  if (tags.length > MAX_TAGS) return `At most ${MAX_TAGS} tags.`;
  if (tags.some((t) => t.length > MAX_TAG_CHARS)) return `A tag has at most ${MAX_TAG_CHARS} characters.`;
  return undefined;
}
