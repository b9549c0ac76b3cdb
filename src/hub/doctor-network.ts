/**
 * The connection doctor's first three steps: the URL, where its name resolves (and
 * whether the deployment's address policy lets Patchbay go there), and the TCP
 * connection with, for https, the TLS handshake and certificate.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { connect as netConnect, isIP, type LookupFunction, type Socket } from 'node:net';
import { checkServerIdentity, connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { type AddressClass, type AddressPolicy, classifyAddress, isAddressAllowed } from '../auth/index.ts';
import { isLoopbackHost } from './connector-rules.ts';
import { describeFailure, networkCode } from './doctor-http.ts';
import type { StepContext, StepResult } from './doctor-step.ts';
import { formatDuration, quoteServerText, showUrl } from './doctor-text.ts';

export interface UrlFacts {
  url: URL;
  /** The host without IPv6 brackets or a trailing dot. */
  host: string;
  port: number;
  secure: boolean;
}

/** Certificates that expire sooner than this are worth a warning. */
const EXPIRY_WARNING_MS = 14 * 24 * 3600 * 1000;

export function checkUrl(raw: string, policy: AddressPolicy): StepResult<UrlFacts> {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    return {
      status: 'fail',
      detail: `"${quoteServerText(raw, [], 120)}" is not an absolute URL.`,
      advice: 'Give the full address of the MCP endpoint, with its scheme, for example https://mcp.example.com/mcp.',
    };
  }
  const shown = showUrl(url);
  if (url.username !== '' || url.password !== '') {
    return {
      status: 'fail',
      detail: `${shown} carries a user name or password in the URL, which Patchbay never sends.`,
      advice: 'Remove the credentials from the URL and give them with `patchbay auth <name>` instead.',
    };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return { status: 'fail', detail: `${shown} uses the ${url.protocol} scheme; MCP servers are reached over https (or http on this machine).`, advice: 'Use the https:// address of the MCP endpoint.' };
  }
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  const secure = url.protocol === 'https:';
  const port = Number(url.port || (secure ? 443 : 80));
  const facts: UrlFacts = { url, host, port, secure };
  const where = `host ${quoteServerText(host, [], 100)}, port ${port}, path ${quoteServerText(url.pathname, [], 100)}`;
  if (secure) return { status: 'ok', detail: `${shown}: https to ${where}.`, value: facts };
  if (!isLoopbackHost(host) && policy.allowPlainHttp) {
    return { status: 'ok', detail: `${shown}: plain http to ${where}, allowed for this connector in local mode (unencrypted on the network).`, value: facts };
  }
  if (!isLoopbackHost(host)) {
    return {
      status: 'fail',
      detail: `${shown}: plain http to a host that is not this machine. Credentials and tool results would cross the network unencrypted, and the address guard allows plain http only to this machine.`,
      advice: 'Use the https:// address of the server.',
    };
  }
  if (!policy.allowLoopback) {
    return {
      status: 'fail',
      detail: `${shown}: plain http to this machine, which this shared deployment does not reach (only a local Patchbay does).`,
      advice: "Use an https URL of a server outside the deployment's own machine.",
    };
  }
  return { status: 'ok', detail: `${shown}: plain http to this machine (${where}), allowed in local mode.`, value: facts };
}

export interface ResolvedAddress {
  address: string;
  family: number;
  class: AddressClass | 'unknown';
  /** Why the policy refuses it; undefined when allowed. */
  refusal?: string;
}

export interface DnsFacts {
  addresses: ResolvedAddress[];
}

export async function resolveHost(facts: UrlFacts, policy: AddressPolicy, ctx: StepContext, lookup: LookupFunction = dnsLookup as LookupFunction): Promise<StepResult<DnsFacts>> {
  const { host } = facts;
  const literal = isIP(host) !== 0;
  let found: LookupAddress[];
  if (literal) {
    found = [{ address: host, family: isIP(host) }];
  } else {
    try {
      found = await new Promise<LookupAddress[]>((resolve, reject) => {
        lookup(host, { all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses as LookupAddress[])));
      });
    } catch (error) {
      const code = networkCode(error) ?? (error as { code?: string }).code;
      const missing = code === 'ENOTFOUND' || code === 'ENODATA';
      return {
        status: 'fail',
        detail: missing
          ? `The name ${quoteServerText(host, [], 100)} does not resolve (${code}): no DNS record for it.`
          : `Resolving ${quoteServerText(host, [], 100)} failed: ${quoteServerText(describeFailure(error), [], 200)}.`,
        advice: missing ? 'Check the host name in the URL for a typo; the server may also have moved.' : 'DNS is not answering: check the network of the machine Patchbay runs on, then try again.',
      };
    }
  }
  if (ctx.signal.aborted) throw ctx.signal.reason;
  const addresses = found.map((a) => judgeAddress(a.address, a.family, facts.secure, policy));
  const listed = addresses.map((a) => `${a.address} (${a.class}${a.refusal ? ', refused' : ', allowed'})`).join(', ');
  const prefix = literal ? `${host} is an IP address: ${listed}.` : `${quoteServerText(host, [], 100)} resolves to ${listed || 'no address'}.`;
  const policyText = ` This deployment reaches ${describePolicy(policy, facts.secure)}.`;
  if (addresses.length === 0) return { status: 'fail', detail: `${prefix}`, advice: 'The name has no address: check the URL.' };
  const refused = addresses.find((a) => a.refusal);
  if (refused) {
    return {
      status: 'fail',
      detail: `${prefix}${policyText} Refused: ${refused.refusal}.`,
      advice:
        refused.class === 'private' || refused.class === 'ula' || refused.class === 'cgnat'
          ? 'The server is on a private network. If this deployment should reach it, set PATCHBAY_ALLOW_PRIVATE_NETWORKS=true; otherwise use its public address.'
          : 'Patchbay will not connect there from this deployment. Use the public https address of the server.',
      value: { addresses },
    };
  }
  return { status: 'ok', detail: `${prefix}${policyText}`, value: { addresses } };
}

function judgeAddress(address: string, family: number, secure: boolean, policy: AddressPolicy): ResolvedAddress {
  let kind: AddressClass | 'unknown';
  try {
    kind = classifyAddress(address);
  } catch {
    return { address, family, class: 'unknown', refusal: `${address} is not an IP address` };
  }
  const out: ResolvedAddress = { address, family, class: kind };
  if (!secure && kind !== 'loopback' && !policy.allowPlainHttp) out.refusal = `plain http goes only to this machine, and ${address} is ${kind}`;
  else if (!isAddressAllowed(address, policy)) out.refusal = refusalReason(address, kind, policy);
  return out;
}

function refusalReason(address: string, kind: AddressClass, policy: AddressPolicy): string {
  if (kind === 'loopback' && !policy.allowLoopback) return `${address} is this machine (loopback), which only a local Patchbay reaches`;
  if ((kind === 'private' || kind === 'ula' || kind === 'cgnat') && !policy.allowPrivate) {
    return `${address} is on a private network (${kind}), which this deployment reaches only with PATCHBAY_ALLOW_PRIVATE_NETWORKS=true`;
  }
  if (kind === 'public' || kind === 'private' || kind === 'ula' || kind === 'cgnat') return `${address} is a cloud metadata endpoint, which is never reached`;
  return `${address} is a ${kind} address, which is never reached`;
}

function describePolicy(policy: AddressPolicy, secure: boolean): string {
  if (!secure) return 'plain http addresses on this machine only';
  const parts = ['public addresses'];
  if (policy.allowLoopback) parts.push('this machine');
  if (policy.allowPrivate) parts.push('private networks');
  return `${parts.join(', ')}; never link-local or cloud metadata addresses`;
}

export async function connectToHost(facts: UrlFacts, dns: DnsFacts, ctx: StepContext): Promise<StepResult> {
  const failures: string[] = [];
  for (const candidate of dns.addresses) {
    const where = candidate.family === 6 ? `[${candidate.address}]:${facts.port}` : `${candidate.address}:${facts.port}`;
    try {
      const socket = await openSocket(facts, candidate.address, ctx.signal);
      try {
        if (!facts.secure) return { status: 'ok', detail: `${failures.length > 0 ? `${failures.join('; ')}; then ` : ''}TCP connection to ${where} opened (plain http: no TLS).` };
        return describeTls(socket as TLSSocket, facts, where);
      } finally {
        socket.destroy();
      }
    } catch (error) {
      if (ctx.signal.aborted) throw ctx.signal.reason;
      const code = networkCode(error);
      failures.push(`${where}: ${code === 'ECONNREFUSED' ? 'connection refused' : quoteServerText(describeFailure(error), [], 200)}`);
    }
  }
  const refused = failures.every((f) => f.endsWith('connection refused'));
  return {
    status: 'fail',
    detail: `Could not connect: ${failures.join('; ')}.${refused ? ' Nothing is listening there.' : ''}`,
    advice: refused ? 'Start the server, or check the host and port in the URL.' : 'The host does not accept connections: check that the server is up and that no firewall is in the way.',
  };
}

function openSocket(facts: UrlFacts, address: string, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    // Connects to the address the previous step checked, never to a fresh resolution of the name.
    const socket: Socket = facts.secure
      ? tlsConnect({ host: address, port: facts.port, servername: isIP(facts.host) === 0 ? facts.host : undefined, rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
      : netConnect({ host: address, port: facts.port });
    const cleanup = () => {
      signal.removeEventListener('abort', onAbort);
      socket.off('error', onError);
    };
    const onAbort = () => {
      cleanup();
      socket.destroy();
      reject(signal.reason);
    };
    const onError = (error: Error) => {
      cleanup();
      socket.destroy();
      reject(error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', onError);
    socket.once(facts.secure ? 'secureConnect' : 'connect', () => {
      cleanup();
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

function describeTls(socket: TLSSocket, facts: UrlFacts, where: string): StepResult {
  const cert = socket.getPeerCertificate();
  const protocol = socket.getProtocol() ?? 'TLS';
  if (!cert || Object.keys(cert).length === 0) {
    return { status: 'fail', detail: `${protocol} handshake with ${where} finished without a certificate.`, advice: 'The server must present a certificate for its name.' };
  }
  const problems: string[] = [];
  if (!socket.authorized) problems.push(`not trusted: ${String(socket.authorizationError ?? 'unknown reason')}`);
  const identity = checkServerIdentity(facts.host, cert);
  if (identity) problems.push(`not valid for ${facts.host}: ${identity.message}`);
  const validTo = Date.parse(cert.valid_to);
  const validFrom = Date.parse(cert.valid_from);
  const now = Date.now();
  const certificate = `certificate for ${describeName(cert.subject)}${cert.subjectaltname ? ` (${quoteServerText(cert.subjectaltname, [], 160)})` : ''}, issued by ${describeName(cert.issuer)}, valid ${isoDate(validFrom)} to ${isoDate(validTo)}`;
  const detail = `${protocol} to ${where}; ${certificate}`;
  if (problems.length > 0) {
    return {
      status: 'fail',
      detail: `${detail}; ${problems.join('; ')}.`,
      advice: "The server's certificate would be refused: it needs a certificate from a trusted authority for this host name (or, for a private CA, NODE_EXTRA_CA_CERTS on the machine Patchbay runs on).",
    };
  }
  if (Number.isFinite(validTo) && validTo - now < EXPIRY_WARNING_MS) {
    return { status: 'warn', detail: `${detail}; trusted, but it expires in ${formatDuration(validTo - now)}.`, advice: "The server's certificate expires soon: tell its operator." };
  }
  return { status: 'ok', detail: `${detail}; trusted.` };
}

function describeName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return 'an unnamed party';
  const parts = [name.CN && `CN=${name.CN}`, name.O && `O=${name.O}`].filter(Boolean).map(String);
  return parts.length > 0 ? quoteServerText(parts.join(', '), [], 160) : 'an unnamed party';
}

function isoDate(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 10) : 'unknown';
}
