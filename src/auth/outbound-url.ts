import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import { PatchbayError } from '../core/errors.ts';
import { type AddressPolicy, analyzeAddress, describeRefusal } from './address-policy.ts';

/**
 * Checks a URL named by an untrusted party (a remote server, its metadata) before
 * anything is opened: `https:` only, or `http:` to this machine in local mode
 * (`policy.allowLoopback`); no user name or password; an IP literal host must be
 * allowed by `policy`. `localhost` and `*.localhost` count as loopback (RFC 6761).
 * Other host names are checked when they are resolved, by the guarded fetch or
 * {@link resolveOutboundUrl}.
 *
 * Throws `INVALID_URL` for text that is not an absolute URL or carries credentials,
 * `SSRF_BLOCKED` for a scheme or address the policy refuses.
 */
export function checkOutboundUrl(raw: string, policy: AddressPolicy): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new PatchbayError('INVALID_URL', `Refused to fetch "${clip(raw)}": it is not an absolute URL.`, { cause: error, details: { reason: 'unparseable' } });
  }
  const shown = describeUrl(url);
  if (url.username !== '' || url.password !== '') {
    // "https://trusted.example@evil.example/" reads as one host and connects to another.
    throw new PatchbayError('INVALID_URL', `Refused to fetch ${shown}: URLs with a user name or password are not followed. Give credentials through the connector's sign-in settings instead.`, {
      details: { reason: 'userinfo', origin: url.origin },
    });
  }
  const loopbackHost = isLoopbackHostname(url.hostname);
  if (url.protocol === 'http:') {
    if (!policy.allowPlainHttp && (!policy.allowLoopback || !loopbackHost)) {
      const why = loopbackHost ? 'plain http is allowed only to this machine in local mode' : 'plain http is allowed only to this machine (127.0.0.1, ::1, localhost) in local mode';
      throw blocked(`Refused to fetch ${shown}: ${why}. Use an https:// URL.`, { reason: 'scheme', origin: url.origin });
    }
  } else if (url.protocol !== 'https:') {
    throw blocked(`Refused to fetch ${shown}: the ${url.protocol} scheme is not allowed; only https:// URLs are fetched.`, { reason: 'scheme', scheme: url.protocol });
  }
  const host = hostOf(url);
  if (isIP(host) !== 0) {
    const refusal = describeRefusal(host, policy);
    if (refusal) throw blocked(`Refused to fetch ${shown}: ${refusal}.`, { reason: 'address', origin: url.origin, address: host });
  } else if (loopbackHost && !policy.allowLoopback) {
    throw blocked(`Refused to fetch ${shown}: ${host} names this machine (loopback), which is reachable only in local mode.`, { reason: 'address', origin: url.origin });
  }
  return url;
}

/**
 * {@link checkOutboundUrl}, then resolves the host and checks every address it
 * resolves to, without connecting. For telling a person early that a URL will be
 * refused; the guarded fetch checks again at connect time, on the addresses it uses.
 */
export async function resolveOutboundUrl(raw: string, policy: AddressPolicy, options: { lookup?: LookupFunction } = {}): Promise<{ url: URL; addresses: string[] }> {
  const url = checkOutboundUrl(raw, policy);
  const host = hostOf(url);
  if (isIP(host) !== 0) return { url, addresses: [host] };
  const check = addressCheckFor(url.protocol, policy);
  const lookup = createCheckedLookup(check, options.lookup);
  const addresses = await new Promise<LookupAddress[]>((resolve, reject) => {
    lookup(host, { all: true }, (error, result) => (error ? reject(error) : resolve(result as LookupAddress[])));
  });
  return { url, addresses: addresses.map((a) => a.address) };
}

/** Throws `SSRF_BLOCKED` when a connection for `hostname` may not go to `address`. */
export type AddressCheck = (hostname: string, address: string) => void;

/**
 * What a connection may reach: https follows the policy; plain http (local mode only)
 * must stay on this machine even where the policy allows private networks, since
 * {@link checkOutboundUrl} admitted it for that reason alone.
 */
export function addressCheckFor(protocol: string, policy: AddressPolicy): AddressCheck {
  if (protocol === 'https:' || (protocol === 'http:' && policy.allowPlainHttp)) {
    return (hostname, address) => {
      const refusal = describeRefusal(address, policy);
      if (refusal) throw blocked(`Refused to connect to ${hostname}: it resolves to ${address}, and ${refusal}.`, { reason: 'address', host: hostname, address });
    };
  }
  if (protocol === 'http:') {
    return (hostname, address) => {
      const refusal = describeRefusal(address, policy);
      const loopback = !refusal && safeClass(address) === 'loopback';
      if (!loopback) {
        throw blocked(`Refused to connect to ${hostname} over plain http: it resolves to ${address}, and plain http is allowed only to this machine in local mode.`, {
          reason: 'address',
          host: hostname,
          address,
        });
      }
    };
  }
  return (hostname) => {
    throw blocked(`Refused to connect to ${hostname}: the ${protocol} scheme is not allowed.`, { reason: 'scheme', host: hostname });
  };
}

/**
 * Local mode's check for MCP connections: a person's own machine may reach anything a
 * connector URL names — loopback, the LAN, plain http — except cloud metadata endpoints,
 * which hand out the machine's credentials to whoever asks.
 */
export function metadataCheck(): AddressCheck {
  const everything: AddressPolicy = { allowLoopback: true, allowPrivate: true };
  return (hostname, address) => {
    const refusal = describeRefusal(address, everything);
    if (refusal) throw blocked(`Refused to connect to ${hostname}: it resolves to ${address}, and ${refusal}.`, { reason: 'address', host: hostname, address });
  };
}

/**
 * A `lookup` for `net.connect` that resolves once, checks every address, and hands the
 * same addresses to the socket: what was checked is what is connected to, so a name
 * that answers differently on a second query (DNS rebinding) gains nothing.
 * One refused address refuses the name: a connection may fall back to any of them.
 */
export function createCheckedLookup(check: AddressCheck, lookup: LookupFunction = dnsLookup as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    const answer = (error: unknown, result: string | LookupAddress[], family?: number) => {
      if (error) return callback(error as Error, '', 0);
      const addresses = (Array.isArray(result) ? result : [{ address: result, family }]).map((a) => ({ address: a.address, family: isIP(a.address) }));
      if (addresses.length === 0) {
        return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND', hostname }), '', 0);
      }
      try {
        for (const { address, family } of addresses) {
          // The socket is handed these strings as they are: only a canonical address is checked the way it will be used.
          if (family === 0) throw blocked(`Refused to connect to ${hostname}: the resolver answered "${clip(address, 60)}", which is not an IP address.`, { reason: 'address', host: hostname });
          check(hostname, address);
        }
      } catch (refusal) {
        return callback(refusal as Error, '', 0);
      }
      if (options.all) return callback(null, addresses);
      callback(null, addresses[0].address, addresses[0].family);
    };
    try {
      lookup(hostname, { ...options, all: true }, answer);
    } catch (error) {
      answer(error, '');
    }
  };
}

export function isLoopbackHostname(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/\.$/, '');
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  return isIP(unbracket(host)) !== 0 && safeClass(unbracket(host)) === 'loopback';
}

/** The URL's host without IPv6 brackets or a trailing dot. */
export function hostOf(url: URL): string {
  return unbracket(url.hostname).replace(/\.$/, '');
}

export function unbracket(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** Origin and path, never the query or fragment (they may carry codes or tokens). */
export function describeUrl(url: URL): string {
  return url.origin === 'null' ? `${url.protocol}${clip(url.pathname, 40)}` : `${url.origin}${clip(url.pathname, 80)}`;
}

function blocked(message: string, details: Record<string, unknown>): PatchbayError {
  return new PatchbayError('SSRF_BLOCKED', message, { details });
}

function safeClass(address: string): string | undefined {
  try {
    return analyzeAddress(address).class;
  } catch {
    return undefined;
  }
}

function clip(text: string, max = 120): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
