/**
 * The connection doctor's MCP steps: a raw Streamable HTTP `initialize` (and the
 * 2026-07-28 `server/discover` probe), the legacy HTTP+SSE fallback, and listing the
 * tools through a real session, the way Patchbay itself would.
 */
import { randomUUID } from 'node:crypto';
import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  LATEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION_META_KEY,
  SERVER_INFO_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/client';
import type { Logger } from '../core/log.ts';
import { type FetchLike, McpSession, type TransportKind } from '../mcp/index.ts';
import { describeBodyEnd, describeFailure, describeHead, findRpcResponse, type HttpAnswer, mediaType, parseSseEvents, readAnswer } from './doctor-http.ts';
import type { UrlFacts } from './doctor-network.ts';
import type { StepContext, StepResult } from './doctor-step.ts';
import { excerptOf, quoteServerText, showUrl } from './doctor-text.ts';

const MODERN_VERSION = '2026-07-28';
const INITIALIZE_ID = 1;
const DISCOVER_ID = 2;
const FALLBACK_STATUSES = new Set([400, 404, 405]);

export interface McpProbeDeps {
  /** The guarded fetch for the MCP endpoint (bodies are capped by the doctor while reading). */
  fetch: FetchLike;
  clientInfo: { name: string; version: string };
  protocol: 'auto' | 'legacy';
  /** Largest body read from one answer. */
  maxBytes: number;
  /** The person's credentials as headers (never shown). */
  headers: Record<string, string>;
  /** Values that must never appear in a report. */
  secrets: readonly string[];
}

/** What the initialize step learnt, for the steps after it. */
export interface InitializeFacts {
  /** The server answered in a way a session can use (2025 initialize or 2026 discover). */
  works: boolean;
  /** The status made the SDK try the legacy transport (400, 404, 405) and nothing else worked. */
  wantsFallback: boolean;
  /** The server asked for sign-in (401) or more permission (403): its WWW-Authenticate. */
  challenge?: { status: number; header: string | null };
  /** What the server said about itself (server text, controls shown as escapes). */
  server?: StatedServer;
  /** The protocol version the session would speak. */
  protocolVersion?: string;
}

/** A server's name, version and title as it states them, quoted for a report. */
export interface StatedServer {
  name: string;
  version: string | null;
  title: string | null;
}

/** `initialize` over Streamable HTTP, then the 2026-07-28 `server/discover` probe. */
export async function probeInitialize(target: UrlFacts, deps: McpProbeDeps, ctx: StepContext, fallbackAllowed: boolean): Promise<StepResult<InitializeFacts>> {
  const initialize = {
    jsonrpc: '2.0',
    id: INITIALIZE_ID,
    method: 'initialize',
    params: { protocolVersion: LATEST_PROTOCOL_VERSION, capabilities: {}, clientInfo: deps.clientInfo },
  };
  let answer: HttpAnswer;
  try {
    answer = await post(target.url, initialize, {}, deps, ctx, INITIALIZE_ID);
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return {
      status: 'fail',
      detail: `POST initialize failed before any answer: ${quoteServerText(describeFailure(error), deps.secrets, 300)}.`,
      advice: 'The connection broke while sending the request: check that the URL is the MCP endpoint and the server is healthy.',
      value: { works: false, wantsFallback: false },
    };
  }
  const head = describeHead(answer);
  const excerpt = excerptOf(answer.body, deps.secrets);
  const status = answer.status;

  if (status === 401 || status === 403) {
    const header = answer.headers.get('www-authenticate');
    const challenge = header ? `; WWW-Authenticate: ${quoteServerText(header, deps.secrets, 300)}` : '; no WWW-Authenticate challenge';
    if (status === 401) {
      return {
        status: 'warn',
        detail: `${head}: the server wants sign-in${challenge}.`,
        excerpt,
        value: { works: false, wantsFallback: false, challenge: { status, header } },
      };
    }
    const stepUp = /insufficient_scope/i.test(header ?? '');
    return {
      status: 'fail',
      detail: `${head}: the server refused access${stepUp ? ' (the sign-in lacks a scope it needs)' : ''}${challenge}.`,
      excerpt,
      advice: stepUp ? 'Sign in again to grant the scope the server asks for.' : 'The account Patchbay signs in with may not be allowed to use this server: check its permissions there.',
      value: { works: false, wantsFallback: false, challenge: { status, header } },
    };
  }
  if (status >= 300 && status < 400) {
    const location = answer.headers.get('location');
    return {
      status: 'fail',
      detail: `${head}: a redirect${location ? ` to ${showUrl(new URL(location, target.url), deps.secrets)}` : ''}. MCP requests are not followed across redirects.`,
      excerpt,
      advice: 'Use the final address of the MCP endpoint (where the redirect points) as the URL.',
      value: { works: false, wantsFallback: false },
    };
  }

  const init = status >= 200 && status < 300 ? readInitializeResult(answer, deps) : undefined;
  const discover = deps.protocol === 'auto' ? await probeDiscover(target, deps, ctx) : { offered: false, detail: '2026-07-28 probe off (PATCHBAY_PROTOCOL=legacy).' };
  if (init?.ok) {
    await endSession(target, answer, deps);
    return { status: 'ok', detail: `${head}; ${init.detail} ${discover.detail}`, excerpt, value: { works: true, wantsFallback: false, server: init.server, protocolVersion: init.protocolVersion } };
  }
  if (discover.offered) {
    const initText = init ? `initialize failed (${init.detail})` : `${head} to initialize`;
    return {
      status: FALLBACK_STATUSES.has(status) ? 'ok' : 'warn',
      detail: `${initText}; a 2026-07-28 server may refuse it. ${discover.detail}`,
      excerpt,
      value: { works: true, wantsFallback: false, server: discover.server, protocolVersion: MODERN_VERSION },
    };
  }
  if (FALLBACK_STATUSES.has(status)) {
    const notHere = `${head}: no Streamable HTTP endpoint answers initialize here.`;
    if (fallbackAllowed) {
      return { status: 'warn', detail: `${notHere} ${discover.detail} The legacy HTTP+SSE transport is tried next.`, excerpt, value: { works: false, wantsFallback: true } };
    }
    return {
      status: 'fail',
      detail: `${notHere} ${discover.detail} The connector uses Streamable HTTP only, so nothing else is tried.`,
      excerpt,
      advice: 'Check the path of the MCP endpoint (often /mcp), or let Patchbay try the legacy transport too (`patchbay update <name> --transport auto`).',
      value: { works: false, wantsFallback: false },
    };
  }
  if (init) {
    return { status: 'fail', detail: `${head}: ${init.detail}`, excerpt, advice: adviceForBadAnswer(answer), value: { works: false, wantsFallback: false } };
  }
  return {
    status: 'fail',
    detail: `${head}: the server failed to answer initialize${describeBodyEnd(answer, deps.maxBytes) ? `; ${describeBodyEnd(answer, deps.maxBytes)}` : ''}.`,
    excerpt,
    advice:
      status === 501
        ? 'Whatever answers there takes no POST requests (HTTP 501): it is a web server, not an MCP endpoint. Check the path (often /mcp).'
        : status >= 500
          ? 'The server is failing (HTTP 5xx): its operator should look at its logs. Try again later.'
          : 'The server refused the request: check that the URL is its MCP endpoint.',
    value: { works: false, wantsFallback: false },
  };
}

function readInitializeResult(answer: HttpAnswer, deps: McpProbeDeps): { ok: boolean; detail: string; server?: StatedServer; protocolVersion?: string } {
  const reading = findRpcResponse(answer, INITIALIZE_ID);
  const end = describeBodyEnd(answer, deps.maxBytes);
  if (!reading.ok) return { ok: false, detail: `${reading.problem}${end ? `; ${end}` : ''}.` };
  const { result, error } = reading.message;
  if (error) return { ok: false, detail: `the server answered initialize with error ${quoteServerText(error.code, [], 20)}: ${quoteServerText(error.message ?? '', deps.secrets, 200)}.` };
  const r = result ?? {};
  const version = r.protocolVersion;
  const info = r.serverInfo as { name?: unknown; version?: unknown; title?: unknown } | undefined;
  const missing = [typeof version !== 'string' && 'protocolVersion', typeof info?.name !== 'string' && 'serverInfo.name', (typeof r.capabilities !== 'object' || r.capabilities === null) && 'capabilities'].filter(Boolean);
  if (missing.length > 0) return { ok: false, detail: `the initialize result lacks ${missing.join(', ')}.` };
  if (!(SUPPORTED_PROTOCOL_VERSIONS as readonly string[]).includes(version as string)) {
    return { ok: false, detail: `the server chose protocol version ${quoteServerText(version, [], 40)}, which Patchbay does not speak (it offered ${LATEST_PROTOCOL_VERSION}).` };
  }
  const session = answer.headers.get('mcp-session-id') ? 'a session was opened (Mcp-Session-Id issued) and closed again' : 'no Mcp-Session-Id (a stateless server)';
  return {
    ok: true,
    detail: `protocol ${version}; server ${describeServerInfo(info!, deps.secrets)}; capabilities ${describeCapabilities(r.capabilities as Record<string, unknown>)}; ${session}.`,
    server: statedServer(info!, deps.secrets),
    protocolVersion: version as string,
  };
}

async function probeDiscover(target: UrlFacts, deps: McpProbeDeps, ctx: StepContext): Promise<{ offered: boolean; detail: string; server?: StatedServer }> {
  const request = {
    jsonrpc: '2.0',
    id: DISCOVER_ID,
    method: 'server/discover',
    params: {
      _meta: { [PROTOCOL_VERSION_META_KEY]: MODERN_VERSION, [CLIENT_INFO_META_KEY]: deps.clientInfo, [CLIENT_CAPABILITIES_META_KEY]: {} },
    },
  };
  let answer: HttpAnswer;
  try {
    answer = await post(target.url, request, { 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'server/discover' }, deps, ctx, DISCOVER_ID);
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return { offered: false, detail: `2026-07-28: server/discover failed (${quoteServerText(describeFailure(error), deps.secrets, 200)}).` };
  }
  const reading = answer.status >= 200 && answer.status < 300 ? findRpcResponse(answer, DISCOVER_ID) : undefined;
  const versions = reading?.ok ? reading.message.result?.supportedVersions : undefined;
  if (!reading?.ok || !Array.isArray(versions)) {
    const why = !reading ? describeHead(answer) : reading.ok ? (reading.message.error ? `error ${quoteServerText(reading.message.error.code, [], 20)}` : 'no supportedVersions') : reading.problem;
    return { offered: false, detail: `2026-07-28: not offered (server/discover: ${why}).` };
  }
  const listed = versions.map((v) => quoteServerText(v, [], 20)).join(', ');
  const result = reading.message.result ?? {};
  const info = (result.serverInfo ?? (result._meta as Record<string, unknown> | undefined)?.[SERVER_INFO_META_KEY]) as { name?: unknown } | undefined;
  const server = info && typeof info.name === 'string' ? `; server ${describeServerInfo(info, deps.secrets)}` : '';
  if (!versions.includes(MODERN_VERSION)) return { offered: false, detail: `2026-07-28: server/discover lists ${listed}, not ${MODERN_VERSION}.` };
  return { offered: true, detail: `2026-07-28: server/discover answered (versions ${listed}${server}).`, server: info && typeof info.name === 'string' ? statedServer(info, deps.secrets) : undefined };
}

/** The legacy HTTP+SSE transport: a GET that opens an event stream whose first event names where to POST. */
export async function probeLegacySse(target: UrlFacts, deps: McpProbeDeps, ctx: StepContext): Promise<StepResult<InitializeFacts>> {
  let answer: HttpAnswer;
  try {
    const response = await deps.fetch(target.url.href, { method: 'GET', headers: { ...deps.headers, accept: 'text/event-stream' }, redirect: 'manual', signal: ctx.signal });
    answer = await readAnswer(response, {
      maxBytes: deps.maxBytes,
      enough: (body) => parseSseEvents(body).some((e) => e.event === 'endpoint'),
      onProgress: (a) => ctx.progress(`GET ${describeHead(a)}, ${a.bytes} bytes of the event stream`, excerptOf(a.body, deps.secrets)),
    });
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    return {
      status: 'fail',
      detail: `GET for an event stream failed before any answer: ${quoteServerText(describeFailure(error), deps.secrets, 300)}.`,
      advice: 'Neither transport works at this URL: check that it is the MCP endpoint.',
      value: { works: false, wantsFallback: false },
    };
  }
  const head = `GET ${describeHead(answer)}`;
  const excerpt = excerptOf(answer.body, deps.secrets);
  if (answer.status === 401) {
    const header = answer.headers.get('www-authenticate');
    return {
      status: 'warn',
      detail: `${head}: the server wants sign-in${header ? `; WWW-Authenticate: ${quoteServerText(header, deps.secrets, 300)}` : ''}.`,
      excerpt,
      value: { works: false, wantsFallback: false, challenge: { status: 401, header } },
    };
  }
  const neither = 'Neither Streamable HTTP nor the legacy HTTP+SSE transport answers at this URL: check its path (often /mcp, or /sse for older servers).';
  if (answer.status !== 200) {
    return { status: 'fail', detail: `${head}: no legacy event stream here either.`, excerpt, advice: neither, value: { works: false, wantsFallback: false } };
  }
  if (mediaType(answer.contentType) !== 'text/event-stream') {
    return { status: 'fail', detail: `${head}: not an event stream (text/event-stream).`, excerpt, advice: neither, value: { works: false, wantsFallback: false } };
  }
  const endpoint = parseSseEvents(answer.body).find((e) => e.event === 'endpoint');
  if (!endpoint) {
    const end = describeBodyEnd(answer, deps.maxBytes) ?? (answer.ended ? 'the stream ended' : 'the stream stopped');
    return { status: 'fail', detail: `${head}, but ${end} before naming where to send messages (no "endpoint" event).`, excerpt, advice: neither, value: { works: false, wantsFallback: false } };
  }
  let messages: URL;
  try {
    messages = new URL(endpoint.data.trim(), target.url);
  } catch {
    return { status: 'fail', detail: `${head}; the endpoint event names "${quoteServerText(endpoint.data, deps.secrets, 120)}", which is not a URL.`, excerpt, advice: neither, value: { works: false, wantsFallback: false } };
  }
  if (messages.origin !== target.url.origin) {
    return {
      status: 'fail',
      detail: `${head}; the endpoint event names ${showUrl(messages, deps.secrets)}, on another origin than the stream: refused.`,
      excerpt,
      advice: 'The server sends messages to another origin, which MCP clients refuse: tell its operator.',
      value: { works: false, wantsFallback: false },
    };
  }
  return { status: 'ok', detail: `${head}; the endpoint event names ${showUrl(messages, deps.secrets)} for messages (same origin).`, excerpt, value: { works: true, wantsFallback: false } };
}

export interface ToolsDeps {
  fetch: FetchLike;
  clientInfo: { name: string; version: string };
  protocol: 'auto' | 'legacy';
  logger: Logger;
  headers: Record<string, string>;
  bearer?: string;
  secrets: readonly string[];
  name: string;
}

/** Opens a real session (the SDK client, as every Patchbay session) and lists the tools. */
export async function listToolsThroughSession(target: UrlFacts, transport: TransportKind, deps: ToolsDeps, ctx: StepContext): Promise<StepResult> {
  const bearer = deps.bearer;
  const session = new McpSession(
    {
      connectorId: `doctor:${randomUUID()}`,
      userId: 'doctor',
      name: deps.name,
      url: target.url.href,
      transport,
      credentials: async () => deps.headers,
      ...(bearer ? { auth: { token: async () => bearer, refused: async () => {} } } : {}),
    },
    {
      fetch: deps.fetch,
      requestTimeoutMs: ctx.timeoutMs,
      connectTimeoutMs: ctx.timeoutMs,
      clientInfo: deps.clientInfo,
      logger: deps.logger,
      protocol: deps.protocol,
      // A diagnosis reports what happens; it does not wait for a server to come back.
      reconnectDelaysMs: [],
    },
  );
  try {
    const control = { signal: ctx.signal, timeoutMs: ctx.timeoutMs };
    const facts = await session.connect(control);
    const server = `${describeServerInfo(facts.serverInfo, deps.secrets)} over ${facts.transport}, protocol ${facts.protocolVersion ?? 'unknown'}${facts.era ? ` (${facts.era} era)` : ''}`;
    if (!facts.capabilities.tools) return { status: 'ok', detail: `${server}: the server declares no tools capability, so it offers no tools.` };
    const tools = await session.listTools(control);
    const names = tools.slice(0, 12).map((t) => quoteServerText(t.name, deps.secrets, 64));
    const more = tools.length > names.length ? `, and ${tools.length - names.length} more` : '';
    return { status: 'ok', detail: `${server}: ${tools.length} tool${tools.length === 1 ? '' : 's'}${names.length > 0 ? ` (${names.join(', ')}${more})` : ''}.` };
  } catch (error) {
    if (ctx.signal.aborted) throw ctx.signal.reason;
    const code = (error as { code?: unknown }).code;
    return {
      status: 'fail',
      detail: `${typeof code === 'string' ? `${code}: ` : ''}${quoteServerText(describeFailure(error), deps.secrets, 400)}`,
      advice: 'The server answered the first request but a session could not list its tools: the server is likely broken; its operator should look at its logs.',
    };
  } finally {
    await session.close().catch(() => {});
  }
}

async function post(url: URL, message: unknown, extraHeaders: Record<string, string>, deps: McpProbeDeps, ctx: StepContext, id: number): Promise<HttpAnswer> {
  const response = await deps.fetch(url.href, {
    method: 'POST',
    headers: { ...deps.headers, ...extraHeaders, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(message),
    redirect: 'manual',
    signal: ctx.signal,
  });
  const type = mediaType(response.headers.get('content-type') ?? '');
  return readAnswer(response, {
    maxBytes: deps.maxBytes,
    // An event stream may stay open after the answer: stop reading once it is there.
    enough:
      type === 'text/event-stream'
        ? (body) => findRpcResponse({ status: response.status, contentType: type, headers: response.headers, body, bytes: 0, ended: false, cutOff: false, satisfied: false }, id).ok
        : undefined,
    onProgress: (a) => ctx.progress(`${describeHead(a)}, ${a.bytes} bytes of body`, excerptOf(a.body, deps.secrets)),
  });
}

/** Ends the 2025 session the probe opened (the spec's SHOULD), best effort and briefly. */
async function endSession(target: UrlFacts, answer: HttpAnswer, deps: McpProbeDeps): Promise<void> {
  const id = answer.headers.get('mcp-session-id');
  if (!id) return;
  try {
    const response = await deps.fetch(target.url.href, {
      method: 'DELETE',
      headers: { ...deps.headers, 'mcp-session-id': id, 'mcp-protocol-version': LATEST_PROTOCOL_VERSION },
      redirect: 'manual',
      signal: AbortSignal.timeout(2000),
    });
    await response.body?.cancel().catch(() => {});
  } catch {
    // The server forgets idle sessions anyway.
  }
}

function statedServer(info: { name?: unknown; version?: unknown; title?: unknown }, secrets: readonly string[]): StatedServer {
  return {
    name: quoteServerText(info.name ?? 'unnamed', secrets, 200),
    version: typeof info.version === 'string' ? quoteServerText(info.version, secrets, 80) : null,
    title: typeof info.title === 'string' ? quoteServerText(info.title, secrets, 200) : null,
  };
}

function describeServerInfo(info: { name?: unknown; version?: unknown; title?: unknown }, secrets: readonly string[]): string {
  const name = quoteServerText(info.name ?? 'unnamed', secrets, 80);
  const version = typeof info.version === 'string' ? ` ${quoteServerText(info.version, secrets, 40)}` : '';
  const title = typeof info.title === 'string' && info.title !== info.name ? ` (${quoteServerText(info.title, secrets, 80)})` : '';
  return `${name}${version}${title}`;
}

function describeCapabilities(capabilities: Record<string, unknown>): string {
  const names = Object.keys(capabilities)
    .slice(0, 12)
    .map((k) => quoteServerText(k, [], 30));
  return names.length > 0 ? names.join(', ') : 'none';
}

function adviceForBadAnswer(answer: HttpAnswer): string {
  const type = mediaType(answer.contentType);
  if (type === 'text/html') return 'The URL leads to a web page, not an MCP endpoint: check its path (often /mcp), and whether a login page or proxy is in the way.';
  if (answer.cutOff) return 'The server sent far more than an initialize answer: check that the URL is its MCP endpoint, or tell its operator.';
  return 'The server did not answer like an MCP server: check that the URL is its MCP endpoint, or tell its operator.';
}
