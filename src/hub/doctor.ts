/**
 * The connection doctor: when a connector fails, it shows where and why — each step
 * of reaching a remote MCP server in order (URL, DNS, TCP/TLS, initialize, transport
 * fallback, the sign-in discovery of the MCP authorization spec, the stored sign-in,
 * tools/list), with its status, time and an excerpt of the raw answer.
 *
 * It only looks: nothing is registered, no token is requested or refreshed, nothing of
 * the connector is changed. Every request goes through the deployment's address
 * policy, and no report ever carries a credential.
 */
import type { LookupFunction } from 'node:net';
import {
  type AddressPolicy,
  CONFIGURED,
  type ClientCredentials,
  CURRENT,
  createGuardedFetch,
  headersFor,
  type PreregisteredClient,
  type SavedTokens,
  type Vault,
} from '../auth/index.ts';
import type { Logger } from '../core/log.ts';
import type { TransportKind } from '../mcp/index.ts';
import type { Connector, Store, TransportPreference } from '../store/index.ts';
import { ConnectorCredentials } from './connector-credentials.ts';
import { chooseRegistration, describeStoredSignIn, probeAuthorizationServer, probeResourceMetadata, type StoredSignIn } from './doctor-auth.ts';
import { type InitializeFacts, listToolsThroughSession, probeInitialize, probeLegacySse } from './doctor-mcp.ts';
import { checkUrl, connectToHost, resolveHost } from './doctor-network.ts';
import { type DoctorStep, type RecordedStep, type StepId, StepRunner } from './doctor-step.ts';
import { quoteServerText } from './doctor-text.ts';
import { createOAuthStorage } from './oauth-storage.ts';

export type { DoctorStep, StepId, StepStatus } from './doctor-step.ts';
export type { StoredSignIn } from './doctor-auth.ts';

export type DoctorVerdict = 'ok' | 'needs-sign-in' | 'failed';

/**
 * What the diagnosis learnt about the server, as fields (the steps say the same in
 * sentences). Names, versions and scopes are server text, with controls shown as escapes.
 */
export interface DoctorServerFacts {
  name: string | null;
  version: string | null;
  title: string | null;
  /** The protocol version a session would speak. */
  protocolVersion: string | null;
  /** The transport that answered, if any. */
  transport: TransportKind | null;
  needsSignIn: boolean;
  /** The scopes sign-in would ask for: the challenge's `scope`, else the metadata's `scopes_supported`. */
  scopes: string[];
}

/** A diagnosis: every step in order (skipped ones included), the verdict, and what to do. */
export interface DoctorReport {
  target: { url: string; connector: string | null; transport: TransportPreference };
  server: DoctorServerFacts;
  steps: DoctorStep[];
  verdict: DoctorVerdict;
  /** One or two sentences: what to do next. */
  advice: string;
  /** When the diagnosis started (ISO 8601). */
  startedAt: string;
}

/** A URL not added yet, or one of the person's connectors (with its transport preference and stored sign-in). */
export type DoctorTarget = { url: string } | { connector: Connector };

export interface DoctorOptions {
  signal?: AbortSignal;
  /** Time limit of each step, in milliseconds. */
  stepTimeoutMs?: number;
  /** Told about each step as it finishes (for a progress display). */
  onStep?: (step: DoctorStep) => void;
  /** For an address not added yet: plain http beyond this machine is allowed, as `--allow-http` would (local mode only). */
  allowHttp?: boolean;
}

export interface DiagnoseDeps {
  /** Where MCP endpoints may be reached: the deployment's connector address policy. */
  connectorPolicy: AddressPolicy;
  /** Where authorization servers may be reached: the policy sign-in follows. */
  authPolicy: AddressPolicy;
  clientInfo: { name: string; version: string };
  /** 'auto' probes for the 2026-07-28 protocol too (as sessions do); 'legacy' does not. */
  protocol?: 'auto' | 'legacy';
  /** Patchbay's client ID metadata document URL, when it has a public https URL. */
  clientMetadataUrl?: string;
  logger: Logger;
  /** Default time limit of each step (default 10 s). */
  stepTimeoutMs?: number;
  /** Largest response a session accepts (the tools/list step). */
  maxResponseBytes?: number;
  /** Resolves host names (default `dns.lookup`). */
  lookup?: LookupFunction;
  /** For a connector: what the person has stored for it. */
  stored?: StoredSignIn;
  now?: () => number;
}

const STEPS: ReadonlyArray<[StepId, string]> = [
  ['url', 'URL'],
  ['dns', 'DNS'],
  ['connect', 'TCP/TLS'],
  ['initialize', 'Streamable HTTP initialize'],
  ['fallback', 'Legacy HTTP+SSE'],
  ['resource-metadata', 'Protected resource metadata'],
  ['authorization-server', 'Authorization server metadata'],
  ['registration', 'Client registration'],
  ['token', 'Stored sign-in'],
  ['tools', 'tools/list'],
];
const TITLE = Object.fromEntries(STEPS) as Record<StepId, string>;
const DEFAULT_STEP_TIMEOUT_MS = 10_000;
/** The most of one answer the doctor reads: initialize answers and metadata documents are small. */
const PROBE_MAX_BYTES = 1024 * 1024;
/** Extra time for the guarded fetch's own deadline, so the step's limit is the one that shows. */
const FETCH_DEADLINE_SLACK_MS = 5_000;

/** Runs every step against `target` and reports what each found. */
export async function diagnose(target: DoctorTarget, deps: DiagnoseDeps, options: DoctorOptions = {}): Promise<DoctorReport> {
  const startedAt = new Date().toISOString();
  const connector = 'connector' in target ? target.connector : undefined;
  const rawUrl = connector ? connector.url : (target as { url: string }).url;
  // A local Patchbay reaches a LAN server over plain http when the person allowed it, and so does its doctor.
  const plainHttp = deps.connectorPolicy.allowLoopback && (connector ? connector.allowHttp : options.allowHttp === true);
  if (plainHttp) deps = { ...deps, connectorPolicy: { ...deps.connectorPolicy, allowPlainHttp: true } };
  const transport: TransportPreference = connector?.transport ?? 'auto';
  const stepMs = options.stepTimeoutMs ?? deps.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT_MS;
  const stored: StoredSignIn | undefined = connector ? (deps.stored ?? { kind: connector.authKind, secrets: [] }) : undefined;
  const secrets = stored?.secrets ?? [];
  const oauth = stored?.kind === 'oauth' || stored?.kind === 'client-credentials';
  const bearer = oauth ? stored?.tokens?.access_token : undefined;
  const headers = { ...stored?.headers };
  const runner = new StepRunner({ signal: options.signal, timeoutMs: stepMs, secrets, onStep: options.onStep });
  const fetchOptions = { timeoutMs: stepMs + FETCH_DEADLINE_SLACK_MS, lookup: deps.lookup };
  // The doctor caps what it reads itself, so it can still show the head of an answer that is too large.
  const probeFetch = createGuardedFetch(deps.connectorPolicy, { ...fetchOptions, maxBodyBytes: Number.MAX_SAFE_INTEGER });
  const authFetch = createGuardedFetch(deps.authPolicy, { ...fetchOptions, maxBodyBytes: Number.MAX_SAFE_INTEGER });
  const sessionFetch = createGuardedFetch(deps.connectorPolicy, { ...fetchOptions, maxBodyBytes: deps.maxResponseBytes ?? 16 * 1024 * 1024 });
  const skipRest = (reason: string) => {
    const done = new Set(runner.steps.map((s) => s.id));
    for (const [id, title] of STEPS) if (!done.has(id)) runner.skip(id, title, reason);
  };
  let challenge: InitializeFacts['challenge'];
  let working: TransportKind | undefined;
  let stated: InitializeFacts | undefined;
  let scopes: string[] = [];
  try {
    const url = await runner.run('url', TITLE.url, async () => checkUrl(rawUrl, deps.connectorPolicy));
    if (!url.value) {
      skipRest('Skipped: the URL is not usable.');
      return finish();
    }
    const facts = url.value;
    const dns = await runner.run('dns', TITLE.dns, (ctx) => resolveHost(facts, deps.connectorPolicy, ctx, deps.lookup), 'DNS did not answer in time: check the network of the machine Patchbay runs on.');
    if (dns.status === 'fail' || !dns.value) {
      skipRest('Skipped: the host name did not lead to an address Patchbay may connect to.');
      return finish();
    }
    const addresses = dns.value;
    const connected = await runner.run('connect', TITLE.connect, (ctx) => connectToHost(facts, addresses, ctx), 'The connection did not open in time: a firewall may drop it, or the host is down.');
    if (connected.status === 'fail') {
      skipRest('Skipped: no connection could be opened.');
      return finish();
    }

    const probeDeps = { fetch: probeFetch, clientInfo: deps.clientInfo, protocol: deps.protocol ?? 'auto', maxBytes: PROBE_MAX_BYTES, headers: withBearer(headers, bearer), secrets };
    let initialize: InitializeFacts | undefined;
    if (transport === 'sse') {
      runner.skip('initialize', TITLE.initialize, 'Skipped: the connector is set to the legacy HTTP+SSE transport.');
    } else {
      const result = await runner.run(
        'initialize',
        TITLE.initialize,
        (ctx) => probeInitialize(facts, probeDeps, ctx, transport === 'auto'),
        'The server accepted the connection but never answered initialize: it is stuck or overloaded, or something in between holds the request. Its operator should look at its logs.',
      );
      initialize = result.value;
      if (initialize?.works) working = 'streamable-http';
      stated = initialize;
      challenge = initialize?.challenge;
    }
    if (transport === 'sse' || initialize?.wantsFallback) {
      const result = await runner.run('fallback', TITLE.fallback, (ctx) => probeLegacySse(facts, probeDeps, ctx), 'The legacy event stream opened no answer in time: the server is stuck.');
      if (result.value?.works) working = 'sse';
      challenge ??= result.value?.challenge;
    } else {
      runner.skip(
        'fallback',
        TITLE.fallback,
        initialize?.works
          ? 'Not needed: Streamable HTTP answered.'
          : challenge
            ? 'Not tried: the server answered, asking for sign-in.'
            : 'Not tried: only a 400, 404 or 405 answer to initialize leads to the legacy transport.',
      );
    }

    if (challenge?.status === 401) {
      const authDeps = { fetch: authFetch, maxBytes: PROBE_MAX_BYTES, secrets, allowLoopbackHttp: deps.authPolicy.allowLoopback };
      const header = challenge.header;
      const resource = await runner.run('resource-metadata', TITLE['resource-metadata'], (ctx) => probeResourceMetadata(facts.url, header, authDeps, ctx));
      const asked = resource.value?.scopes?.split(' ').filter(Boolean).map((scope) => quoteServerText(scope, secrets, 100));
      scopes = asked?.length ? asked : (resource.value?.scopesSupported ?? []);
      if (resource.status !== 'fail' && resource.value) {
        const issuer = resource.value.authorizationServer;
        const as = await runner.run('authorization-server', TITLE['authorization-server'], (ctx) => probeAuthorizationServer(issuer, authDeps, ctx, stored?.machineClientId !== undefined));
        if (as.status !== 'fail' && as.value) {
          const server = as.value;
          await runner.run('registration', TITLE.registration, () => chooseRegistration(server, stored, deps.clientMetadataUrl));
        } else {
          runner.skip('registration', TITLE.registration, 'Skipped: the authorization server metadata is not usable.');
        }
      } else {
        runner.skip('authorization-server', TITLE['authorization-server'], 'Skipped: no protected resource metadata to start from.');
        runner.skip('registration', TITLE.registration, 'Skipped: no authorization server to register with.');
      }
    } else {
      const reason = working
        ? 'Not needed: the server did not ask for sign-in.'
        : challenge
          ? `Not tried: the server answered ${challenge.status}; sign-in discovery starts from a 401.`
          : 'Not tried: the server never answered in a way that leads to sign-in.';
      for (const id of ['resource-metadata', 'authorization-server', 'registration'] as const) runner.skip(id, TITLE[id], reason);
    }

    if (!connector || !stored) {
      runner.skip('token', TITLE.token, 'Not added yet: nothing is stored for this URL.');
    } else if (stored.kind === 'none' && challenge?.status !== 401) {
      runner.skip('token', TITLE.token, 'The connector signs in with nothing.');
    } else {
      const now = deps.now?.() ?? Date.now();
      await runner.run('token', TITLE.token, async () => describeStoredSignIn(stored, challenge?.status === 401, now));
    }

    if (working && !challenge) {
      const toolsDeps = {
        fetch: sessionFetch,
        clientInfo: deps.clientInfo,
        protocol: deps.protocol ?? 'auto',
        logger: deps.logger,
        headers,
        bearer,
        secrets,
        name: connector?.name ?? facts.host,
      };
      const kind = working;
      await runner.run('tools', TITLE.tools, (ctx) => listToolsThroughSession(facts, kind, toolsDeps, ctx), 'The session opened but tools/list got no answer in time: the server is stuck.');
    } else {
      runner.skip('tools', TITLE.tools, challenge ? 'Skipped: sign-in comes first.' : 'Skipped: no transport answered.');
    }
    return finish();
  } finally {
    await Promise.all([probeFetch.close(), authFetch.close(), sessionFetch.close()]).catch(() => {});
  }

  function finish(): DoctorReport {
    const steps = STEPS.map(([id]) => runner.steps.find((s) => s.id === id)).filter((s): s is RecordedStep => s !== undefined);
    const failed = steps.find((s) => s.status === 'fail');
    const verdict: DoctorVerdict = failed ? 'failed' : challenge?.status === 401 ? 'needs-sign-in' : 'ok';
    return {
      target: { url: quoteServerText(rawUrl, [], 2048), connector: connector?.name ?? null, transport },
      server: {
        name: stated?.server?.name ?? null,
        version: stated?.server?.version ?? null,
        title: stated?.server?.title ?? null,
        protocolVersion: stated?.protocolVersion ?? null,
        transport: working ?? null,
        needsSignIn: challenge?.status === 401,
        scopes,
      },
      steps: steps.map(({ advice: _advice, ...step }) => step),
      verdict,
      advice: adviceFor(verdict, steps, failed, connector, rawUrl),
      startedAt,
    };
  }
}

function adviceFor(verdict: DoctorVerdict, steps: RecordedStep[], failed: RecordedStep | undefined, connector: Connector | undefined, url: string): string {
  const name = connector?.name;
  const fill = (text: string) => (name ? text.replaceAll('<name>', name) : text);
  const warnings = steps.filter((s) => s.status === 'warn' && s.advice).map((s) => fill(s.advice!));
  if (verdict === 'failed' && failed) {
    return fill(failed.advice ?? `The ${failed.title} step failed; its detail says what came back.`);
  }
  if (verdict === 'needs-sign-in') {
    if (!name) return `The server wants sign-in. Add it with \`patchbay add ${quoteServerText(url, [], 300)}\`, then sign in with \`patchbay login <name>\`.`;
    if (connector?.authKind === 'headers' || connector?.authKind === 'basic') return `The server refused the stored credentials: update them with \`patchbay auth ${name}\`.`;
    return warnings[0] ?? `Sign in: \`patchbay login ${name}\`.`;
  }
  const works = name ? `"${name}" works: nothing to fix.` : `The server works. Add it with \`patchbay add ${quoteServerText(url, [], 300)}\`.`;
  return warnings.length > 0 ? `${works} But: ${warnings.join(' ')}` : works;
}

function withBearer(headers: Record<string, string>, bearer: string | undefined): Record<string, string> {
  return bearer ? { ...headers, authorization: `Bearer ${bearer}` } : headers;
}

export interface DoctorServiceDeps extends Omit<DiagnoseDeps, 'stored'> {
  store: Store;
  vault: Vault;
}

/**
 * The doctor as the hub uses it: built once by the composition root with the
 * deployment's address policies, it reads the person's stored sign-in (to send it,
 * and to say what it is) without ever showing a value.
 */
export class Doctor {
  readonly #deps: DoctorServiceDeps;
  readonly #credentials: ConnectorCredentials;

  constructor(deps: DoctorServiceDeps) {
    this.#deps = deps;
    this.#credentials = new ConnectorCredentials(deps.store, deps.vault);
  }

  async diagnose(userId: string, target: DoctorTarget, options: DoctorOptions = {}): Promise<DoctorReport> {
    const { store: _store, vault: _vault, ...deps } = this.#deps;
    const stored = 'connector' in target ? await this.#stored(userId, target.connector) : undefined;
    return diagnose(target, { ...deps, stored }, options);
  }

  async #stored(userId: string, connector: Connector): Promise<StoredSignIn> {
    const kind = connector.authKind;
    const secrets: string[] = [];
    const keep = (...values: Array<string | undefined>) => {
      for (const value of values) {
        if (!value) continue;
        secrets.push(value);
        // "Bearer abc", "Basic xyz": the credential part alone must go too.
        for (const part of value.split(/\s+/)) if (part.length >= 6 && part !== value) secrets.push(part);
      }
    };
    const statics = await this.#credentials.read(userId, connector.id);
    const out: StoredSignIn = { kind, secrets };
    if (statics) {
      out.headers = headersFor(statics);
      keep(...Object.values(out.headers));
      if (statics.kind === 'basic') keep(statics.password);
    }
    if (kind !== 'oauth' && kind !== 'client-credentials') return out;
    const storage = createOAuthStorage(this.#deps.store, this.#deps.vault, userId, connector.id);
    const issuer = (await storage.load<{ issuer: string }>('oauth-current', CURRENT))?.issuer;
    const tokens = issuer ? await storage.load<SavedTokens>('oauth-tokens', issuer) : undefined;
    const machine = await storage.load<ClientCredentials>('oauth-client-credentials', CONFIGURED);
    const preregistered = await storage.load<PreregisteredClient>('oauth-preregistered', CONFIGURED);
    const registered = issuer ? await storage.load<{ client_secret?: string }>('oauth-client', issuer) : undefined;
    keep(tokens?.access_token, tokens?.refresh_token, (tokens as { id_token?: string } | undefined)?.id_token, machine?.client_secret, machine?.private_key_pem, preregistered?.client_secret, registered?.client_secret);
    return {
      ...out,
      ...(issuer ? { issuer } : {}),
      ...(tokens ? { tokens } : {}),
      ...(machine ? { machineClientId: machine.client_id } : {}),
      ...(preregistered ? { preregisteredClientId: preregistered.client_id } : {}),
      hasRegistration: async (asIssuer) => (await storage.load('oauth-client', asIssuer)) !== undefined,
    };
  }
}
