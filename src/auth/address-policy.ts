import { isIPv4, isIPv6 } from 'node:net';
import { PatchbayError } from '../core/errors.ts';

/** What kind of network an IP address belongs to, for deciding whether Patchbay may connect to it. */
export type AddressClass = 'loopback' | 'private' | 'link-local' | 'ula' | 'cgnat' | 'multicast' | 'unspecified' | 'reserved' | 'public';

/**
 * Which non-public networks outbound requests may reach. Public addresses are always
 * allowed; link-local, multicast, unspecified and reserved addresses never are.
 */
export interface AddressPolicy {
  /** This machine (127.0.0.0/8, ::1): local mode, where the person runs their servers beside Patchbay. */
  allowLoopback: boolean;
  /** Private networks (RFC 1918, IPv6 unique-local, carrier-grade NAT): a team install reaching internal servers. */
  allowPrivate: boolean;
  /**
   * Plain http beyond this machine: only a local Patchbay, for a connector the person added
   * with --allow-http (a server on their own LAN). Otherwise plain http goes to loopback only.
   */
  allowPlainHttp?: boolean;
}

/** Where an IPv6 range carries an IPv4 address, and how to read it out. */
type Embedding = 'last-32-bits' | '6to4';

interface Range {
  bytes: Uint8Array;
  prefix: number;
  kind: AddressClass | Embedding;
}

/**
 * Special-purpose IPv4 ranges, first match wins. Anything unlisted is public.
 * @see https://www.iana.org/assignments/iana-ipv4-special-registry/
 */
const IPV4_RANGES = ranges([
  ['255.255.255.255/32', 'reserved'], // limited broadcast
  ['0.0.0.0/8', 'unspecified'], // "this network": Linux connects 0.0.0.0 to this machine
  ['10.0.0.0/8', 'private'],
  ['100.64.0.0/10', 'cgnat'],
  ['127.0.0.0/8', 'loopback'],
  ['169.254.0.0/16', 'link-local'], // holds the cloud metadata endpoint 169.254.169.254
  ['172.16.0.0/12', 'private'],
  ['192.0.0.0/24', 'reserved'], // IETF protocol assignments
  ['192.0.2.0/24', 'reserved'], // TEST-NET-1
  ['192.88.99.0/24', 'reserved'], // deprecated 6to4 relay anycast
  ['192.168.0.0/16', 'private'],
  ['198.18.0.0/15', 'reserved'], // benchmarking
  ['198.51.100.0/24', 'reserved'], // TEST-NET-2
  ['203.0.113.0/24', 'reserved'], // TEST-NET-3
  ['224.0.0.0/4', 'multicast'],
  ['240.0.0.0/4', 'reserved'],
]);

/**
 * IPv6 ranges, first match wins. Only 2000::/3 is allocated for global unicast, so
 * anything unlisted outside it is reserved. Ranges that carry an IPv4 address are
 * classified as that address: that is where a connection to them ends up.
 * @see https://www.iana.org/assignments/iana-ipv6-special-registry/
 */
const IPV6_RANGES = ranges([
  ['::/128', 'unspecified'],
  ['::1/128', 'loopback'],
  ['::ffff:0:0/96', 'last-32-bits'], // IPv4-mapped (RFC 4291)
  ['::ffff:0:0:0/96', 'last-32-bits'], // IPv4-translated (RFC 2765)
  ['::/96', 'reserved'], // deprecated IPv4-compatible
  ['64:ff9b::/96', 'last-32-bits'], // NAT64 well-known prefix (RFC 6052)
  ['64:ff9b:1::/48', 'private'], // local-use NAT64 (RFC 8215)
  ['100::/64', 'reserved'], // discard-only
  ['2001:db8::/32', 'reserved'], // documentation
  ['2001::/23', 'reserved'], // IETF protocol assignments, Teredo among them
  ['2002::/16', '6to4'], // 6to4 (RFC 3056): the relay delivers to the embedded IPv4 host
  ['3fff::/20', 'reserved'], // documentation (RFC 9637)
  ['5f00::/16', 'reserved'], // SRv6 SIDs
  ['fc00::/7', 'ula'],
  ['fe80::/10', 'link-local'],
  ['fec0::/10', 'reserved'], // deprecated site-local
  ['ff00::/8', 'multicast'],
  ['2000::/3', 'public'],
  ['::/0', 'reserved'],
]);

/**
 * Cloud metadata and host agent endpoints that sit outside link-local space, so a
 * policy allowing private (or any) networks would otherwise reach them. Never allowed.
 */
const METADATA_ADDRESSES = new Set([
  '169.254.169.254', // AWS, GCP, Azure, OpenStack, DigitalOcean
  '169.254.170.2', // AWS ECS task metadata
  '100.100.100.200', // Alibaba Cloud (inside carrier-grade NAT space)
  '168.63.129.16', // Azure host agent (inside public space)
  '192.0.0.192', // Oracle Cloud
  'fd00:ec2::254', // AWS IPv6 (inside unique-local space)
]);

export interface AddressAnalysis {
  class: AddressClass;
  /** The address a connection would reach, canonical: the embedded IPv4 for mapped, NAT64 and 6to4 forms. */
  effective: string;
}

/**
 * Parses and classifies an IP address. Accepts dotted-quad IPv4, any IPv6 text form
 * (with or without brackets or a zone id), and the legacy IPv4 forms WHATWG URLs and
 * `inet_aton` read (`0x7f.1`, `2130706433`, `0177.0.0.1`, `127.1`).
 * Throws `VALIDATION_FAILED` for anything else.
 */
export function analyzeAddress(ip: string): AddressAnalysis {
  const bytes = parseAddress(ip);
  if (!bytes) {
    throw new PatchbayError('VALIDATION_FAILED', `"${ip.slice(0, 80)}" is not an IP address.`, { details: { address: ip.slice(0, 80) } });
  }
  if (bytes.length === 4) return { class: matchRange(IPV4_RANGES, bytes) as AddressClass, effective: formatIPv4(bytes) };
  const kind = matchRange(IPV6_RANGES, bytes);
  if (kind === 'last-32-bits') return analyzeEmbedded(bytes.subarray(12, 16));
  if (kind === '6to4') return analyzeEmbedded(bytes.subarray(2, 6));
  return { class: kind, effective: formatIPv6(bytes) };
}

function analyzeEmbedded(ipv4: Uint8Array): AddressAnalysis {
  return { class: matchRange(IPV4_RANGES, ipv4) as AddressClass, effective: formatIPv4(ipv4) };
}

/** The network class of an IP address; see {@link analyzeAddress} for the accepted forms. */
export function classifyAddress(ip: string): AddressClass {
  return analyzeAddress(ip).class;
}

/** Why an address is refused under a policy, or undefined when it is allowed. */
export function describeRefusal(ip: string, policy: AddressPolicy): string | undefined {
  let analysis: AddressAnalysis;
  try {
    analysis = analyzeAddress(ip);
  } catch {
    return 'it is not a valid IP address';
  }
  const { class: kind, effective } = analysis;
  if (METADATA_ADDRESSES.has(effective)) return `${effective} is a cloud metadata endpoint`;
  switch (kind) {
    case 'public':
      return undefined;
    case 'loopback':
      return policy.allowLoopback ? undefined : `${effective} is on this machine (loopback), which is reachable only in local mode`;
    case 'private':
    case 'ula':
    case 'cgnat':
      return policy.allowPrivate ? undefined : `${effective} is on a private network (${kind}), which outbound requests may not reach unless private networks are allowed`;
    default:
      return `${effective} is a ${kind} address, which outbound requests never reach`;
  }
}

/** Whether a connection to `ip` is allowed under `policy`. Unparseable input is refused. */
export function isAddressAllowed(ip: string, policy: AddressPolicy): boolean {
  return describeRefusal(ip, policy) === undefined;
}

/** 4 bytes for IPv4, 16 for IPv6, undefined when `text` is not an IP address. */
export function parseAddress(text: string): Uint8Array | undefined {
  let host = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  const zone = host.indexOf('%');
  if (zone > 0 && host.includes(':')) host = host.slice(0, zone);
  if (isIPv4(host)) return Uint8Array.from(host.split('.'), Number);
  if (isIPv6(host)) return parseIPv6(host);
  return parseLegacyIPv4(host);
}

/**
 * The WHATWG host parser reads hex, octal and shortened IPv4 forms the way `inet_aton`
 * does; reuse it rather than imitate it. The character gate keeps it from seeing
 * anything that could parse as another part of a URL.
 */
function parseLegacyIPv4(host: string): Uint8Array | undefined {
  if (!/^[0-9a-fx.]+$/i.test(host)) return undefined;
  let hostname: string;
  try {
    hostname = new URL(`http://${host}/`).hostname;
  } catch {
    return undefined;
  }
  return isIPv4(hostname) ? Uint8Array.from(hostname.split('.'), Number) : undefined;
}

/** Expects text `isIPv6` accepted. */
function parseIPv6(text: string): Uint8Array {
  const bytes = new Uint8Array(16);
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const headWords = wordsOf(head);
  bytes.set(headWords, 0);
  if (tail !== undefined) {
    const tailWords = wordsOf(tail);
    bytes.set(tailWords, 16 - tailWords.length);
  }
  return bytes;
}

/** The bytes of colon-separated hex groups, the last of which may be a dotted IPv4 address. */
function wordsOf(part: string): Uint8Array {
  if (part === '') return new Uint8Array(0);
  const out: number[] = [];
  for (const group of part.split(':')) {
    if (group.includes('.')) {
      out.push(...group.split('.').map(Number));
    } else {
      const value = Number.parseInt(group, 16);
      out.push(value >> 8, value & 0xff);
    }
  }
  return Uint8Array.from(out);
}

function formatIPv4(bytes: Uint8Array): string {
  return Array.from(bytes).join('.');
}

/** RFC 5952 text: lowercase, the longest run of two or more zero groups shortened to `::`. */
export function formatIPv6(bytes: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i] << 8) | bytes[i + 1]);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

function ranges(table: Array<[string, AddressClass | Embedding]>): Range[] {
  return table.map(([cidr, kind]) => {
    const [address, prefix] = cidr.split('/');
    const bytes = parseAddress(address);
    if (!bytes) throw new Error(`Bad range ${cidr}`);
    return { bytes, prefix: Number(prefix), kind };
  });
}

function matchRange(table: Range[], bytes: Uint8Array): AddressClass | Embedding {
  for (const range of table) {
    if (range.bytes.length === bytes.length && hasPrefix(bytes, range.bytes, range.prefix)) return range.kind;
  }
  return 'public';
}

function hasPrefix(bytes: Uint8Array, network: Uint8Array, prefix: number): boolean {
  const whole = prefix >> 3;
  for (let i = 0; i < whole; i++) if (bytes[i] !== network[i]) return false;
  const rest = prefix & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (bytes[whole] & mask) === (network[whole] & mask);
}
