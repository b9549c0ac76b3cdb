import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type CallToolResult,
  Client,
  type CompleteRequest,
  type CompleteResult,
  type CreateMessageRequest,
  type CreateMessageResult,
  type CreateMessageResultWithTools,
  type ElicitRequest,
  type ElicitResult,
  type GetPromptResult,
  type LoggingMessageNotificationParams,
  type Progress,
  type Prompt,
  ProtocolError,
  type ReadResourceResult,
  type McpSubscription,
  type RequestOptions,
  type Resource,
  type ResourceTemplateType,
  SSEClientTransport,
  SseError,
  StreamableHTTPClientTransport,
  type Tool,
} from '@modelcontextprotocol/client';
import { sleep } from '../core/clock.ts';
import { oneAfter } from '../core/one-at-a-time.ts';
import { PatchbayError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import type { SessionFacts, TransportKind, TransportPreference } from '../store/records.ts';
import { type BearerAuth, withBearerAuth } from './bearer-fetch.ts';
import { FastToolCalls, REDIRECTED } from './fast-tool-calls.ts';
import { sharedSchemas } from './validate-arguments.ts';
import type { FetchLike } from './http-fetch.ts';
import { httpStatusOf, isAbort, isRefused, isSessionUnknown, mapMcpError, networkErrorCode } from './map-error.ts';

export type { SessionFacts, TransportKind, TransportPreference };
export type ListKind = 'tools' | 'resources' | 'prompts';

/** Who and what a session talks to. */
export interface SessionTarget {
  connectorId: string;
  userId: string;
  /** The connector's name, for messages. */
  name: string;
  url: string;
  transport: TransportPreference;
  /** The transport that worked last time, tried first under 'auto'. */
  lastTransport?: TransportKind | null;
  /** Extra headers sent on every request. */
  headers?: Record<string, string>;
  /** Read when a connection opens: the headers that carry the person's credentials (never logged). */
  credentials?: () => Promise<Record<string, string> | undefined>;
  /** Bearer tokens for an OAuth-protected server: asked before each request, told about each refusal. */
  auth?: BearerAuth;
}

export interface SessionSettings {
  fetch: FetchLike;
  requestTimeoutMs: number;
  connectTimeoutMs: number;
  clientInfo: { name: string; version: string };
  logger: Logger;
  /** 'auto' (default) probes for the 2026-07-28 protocol first; 'legacy' uses the 2025 handshake only. */
  protocol?: 'auto' | 'legacy';
  /** Delays between reconnection attempts when the server is down; the request's timeout still bounds them. */
  reconnectDelaysMs?: number[];
}

export interface SessionHooks {
  onListChanged?(kind: ListKind): void;
  onConnected?(facts: SessionFacts): void;
  /** The server said a resource this session subscribed to changed (`notifications/resources/updated`). */
  onResourceUpdated?(uri: string): void;
}

export type ElicitationHandler = (request: ElicitRequest['params'], context: { connector: string }) => Promise<ElicitResult>;

/** Answers a server's `sampling/createMessage` request: a model's reply, from whoever the surface can ask. */
export type SamplingHandler = (request: CreateMessageRequest['params'], context: { connector: string }) => Promise<CreateMessageResult | CreateMessageResultWithTools>;

/** Per-request controls a caller may pass. */
export interface RequestControl {
  signal?: AbortSignal;
  timeoutMs?: number;
  onProgress?: (progress: Progress) => void;
  /** Answers elicitation requests the server sends while this request runs. */
  onElicitation?: ElicitationHandler;
  /** Answers sampling requests the server sends while this request runs; without one they are refused. */
  onSampling?: SamplingHandler;
  /**
   * A request Patchbay makes on its own (a refresh after a server's notice), not for a
   * caller: it does not count as use, so it keeps no idle session open.
   */
  background?: boolean;
  /**
   * Log lines the server sends about this request. Known only for lines sent on the
   * request's own stream during a lean tools/call (2025-11-25): a line on the session's
   * shared stream does not say which request it is about.
   */
  onLog?: (message: LoggingMessageNotificationParams) => void;
}

const DEFAULT_RECONNECT_DELAYS = [100, 250, 500, 1000, 2000, 4000];
/** Between attempts to reopen a session after its event stream was lost, or to listen again; the last repeats. */
const REVIVE_DELAYS_MS = [1_000, 2_000, 5_000, 10_000, 30_000, 60_000];
/** A listen stream that ends sooner than this after it opened counts towards backing off before the next. */
const STREAM_SHORT_LIFE_MS = 30_000;

function backoff(attempt: number): number {
  return REVIVE_DELAYS_MS[Math.min(attempt, REVIVE_DELAYS_MS.length - 1)];
}
const FALLBACK_STATUSES = new Set([400, 404, 405]);

interface Connection {
  client: Client;
  transport: StreamableHTTPClientTransport | SSEClientTransport;
  facts: SessionFacts;
  closed: boolean;
  /** tools/call without the SDK client's per-message work (2025-11-25 Streamable HTTP sessions); off once the server redirects a call. */
  fastCalls?: FastToolCalls;
  /** A 2026-07-28 server's `subscriptions/listen` stream carrying the updates of every subscribed resource. */
  resourceListen?: ResourceListen;
  /** Re-opening that stream, one at a time: each opening asks for the whole set as it is then. */
  listening?: Promise<void>;
  /** Per kind of listen stream, how many in a row ended soon after they opened. */
  shortStreams: Map<string, number>;
}

interface ResourceListen {
  subscription: McpSubscription;
  /** The URIs it was acknowledged for: an opening for the same set is skipped. */
  honored: ReadonlySet<string>;
  openedAt: number;
}

/**
 * One MCP session with one remote server on behalf of one user: connects lazily,
 * falls back from Streamable HTTP to the legacy HTTP+SSE transport, re-initializes
 * when the server forgot the session, reconnects with backoff when the server
 * restarts, and maps every failure to a PatchbayError.
 */
export class McpSession {
  readonly target: SessionTarget;
  readonly #settings: SessionSettings;
  readonly #hooks: SessionHooks;
  #connection: Connection | undefined;
  #connecting: Promise<Connection> | undefined;
  #lastUsed = Date.now();
  #inFlight = 0;
  #elicitationHandlers: ElicitationHandler[] = [];
  #samplingHandlers: SamplingHandler[] = [];
  /** The call whose own stream carried the server's message now being handled (a question, a log line), when that is known. */
  readonly #askingCall = new AsyncLocalStorage<RequestControl>();
  /** Resource URIs subscribed to: renewed on a new connection, and they keep the session from closing when idle. */
  readonly #subscriptions = new Set<string>();
  #closed = false;
  /** Ends the waits of a revival when the session closes. */
  readonly #closing = new AbortController();
  #reviving: Promise<void> | undefined;
  /** The event stream was lost: list changes may have gone unheard until the next connection. */
  #missedChanges = false;

  constructor(target: SessionTarget, settings: SessionSettings, hooks: SessionHooks = {}) {
    this.target = target;
    this.#settings = settings;
    this.#hooks = hooks;
  }

  get facts(): SessionFacts | undefined {
    return this.#connection?.facts;
  }

  get isConnected(): boolean {
    return this.#connection !== undefined && !this.#connection.closed;
  }

  get lastUsed(): number {
    return this.#lastUsed;
  }

  get busy(): boolean {
    return this.#inFlight > 0 || this.#subscriptions.size > 0;
  }

  /** Opens the session if needed and returns what the server said about itself. */
  async connect(control: RequestControl = {}): Promise<SessionFacts> {
    const facts = await this.#run('connect', async (c) => c.facts, control, true);
    return facts;
  }

  listTools(control?: RequestControl): Promise<Tool[]> {
    return this.#run('tools/list', async (c, o) => (c.facts.capabilities.tools ? (await c.client.listTools(undefined, { ...o, cacheMode: 'refresh' })).tools : []), control, true);
  }

  listResources(control?: RequestControl): Promise<Resource[]> {
    return this.#run(
      'resources/list',
      async (c, o) => (c.facts.capabilities.resources ? (await c.client.listResources(undefined, { ...o, cacheMode: 'refresh' })).resources : []),
      control,
      true,
    );
  }

  listResourceTemplates(control?: RequestControl): Promise<ResourceTemplateType[]> {
    return this.#run(
      'resources/templates/list',
      async (c, o) =>
        c.facts.capabilities.resources ? (await c.client.listResourceTemplates(undefined, { ...o, cacheMode: 'refresh' })).resourceTemplates : [],
      control,
      true,
    );
  }

  listPrompts(control?: RequestControl): Promise<Prompt[]> {
    return this.#run('prompts/list', async (c, o) => (c.facts.capabilities.prompts ? (await c.client.listPrompts(undefined, { ...o, cacheMode: 'refresh' })).prompts : []), control, true);
  }

  /**
   * Calls a tool. Not retried once it may have reached the server: a tool call is
   * not idempotent. It is retried when the server certainly never saw it (connection
   * refused, or the server answered 404 for a forgotten session).
   */
  callTool(name: string, args: Record<string, unknown>, control?: RequestControl, definition?: Tool): Promise<CallToolResult> {
    return this.#run(
      `tools/call ${name}`,
      async (c, o) => {
        if (c.fastCalls) {
          const { signal, timeout, onprogress, maxTotalTimeout } = o;
          const fast = { signal, timeoutMs: timeout ?? this.#settings.requestTimeoutMs, onProgress: onprogress, maxTotalTimeoutMs: maxTotalTimeout };
          const result = await c.fastCalls.call(name, args, fast, definition, control);
          if (result !== REDIRECTED) return result;
          c.fastCalls = undefined;
        }
        return (await c.client.callTool({ name, arguments: args }, { ...o, ...(definition ? { toolDefinition: definition } : {}) })) as CallToolResult;
      },
      control,
      false,
    );
  }

  readResource(uri: string, control?: RequestControl): Promise<ReadResourceResult> {
    return this.#run(`resources/read ${uri}`, (c, o) => c.client.readResource({ uri }, { ...o, cacheMode: 'bypass' }), control, true);
  }

  getPrompt(name: string, args: Record<string, string>, control?: RequestControl): Promise<GetPromptResult> {
    return this.#run(`prompts/get ${name}`, (c, o) => c.client.getPrompt({ name, arguments: args }, o), control, true);
  }

  complete(params: CompleteRequest['params'], control?: RequestControl): Promise<CompleteResult> {
    return this.#run(
      'completion/complete',
      async (c, o) => {
        if (!c.facts.capabilities.completions) return { completion: { values: [], hasMore: false } };
        return c.client.complete(params, o);
      },
      control,
      true,
    );
  }

  /**
   * Subscribes to updates of a resource, where the server offers `resources.subscribe`: by
   * resources/subscribe on a 2025-11-25 session, and on a 2026-07-28 server by the
   * session's one `subscriptions/listen` stream, re-opened for the new set. Each update
   * goes to the `onResourceUpdated` hook.
   */
  async subscribeResource(uri: string, control?: RequestControl): Promise<void> {
    await this.#run(
      `resources/subscribe ${uri}`,
      async (c, o) => {
        if (!canSubscribe(c.facts)) {
          throw new PatchbayError('CAPABILITY_NOT_SUPPORTED', `The server of connector "${this.target.name}" does not offer resource subscriptions.`);
        }
        if (c.facts.era !== 'modern') {
          await c.client.subscribeResource({ uri }, o);
          this.#subscriptions.add(uri);
          return;
        }
        // In the set before the stream is re-opened, so an opening already queued asks for it too.
        const added = !this.#subscriptions.has(uri);
        this.#subscriptions.add(uri);
        const honored = await this.#listenForResources(c, o.timeout).catch((error: unknown) => {
          // Only this call's own addition is taken back: another caller may hold the same resource.
          if (added) this.#subscriptions.delete(uri);
          throw error;
        });
        if (!honored.has(uri)) {
          throw new PatchbayError(
            'VALIDATION_FAILED',
            `The server of connector "${this.target.name}" did not accept a subscription to ${uri.slice(0, 200)} (it left it out of its acknowledgment).`,
          );
        }
      },
      control,
      true,
    );
  }

  async unsubscribeResource(uri: string, control?: RequestControl): Promise<void> {
    if (!this.#subscriptions.delete(uri) || !this.isConnected) return;
    await this.#run(
      `resources/unsubscribe ${uri}`,
      async (c, o) => void (c.facts.era === 'modern' ? await this.#listenForResources(c, o.timeout) : await c.client.unsubscribeResource({ uri }, o)),
      control,
      true,
    );
  }

  /**
   * Opens the 2026-07-28 listen stream for every resource subscribed now (closing it when
   * there are none) and then closes the one it replaces, so no update falls between them;
   * openings run one at a time, and one that would ask for the set already open is
   * skipped. Resolves with what the server acknowledged: a resource it left out is
   * dropped from the set (its subscriber is told by `subscribeResource`), not asked for
   * again with every other.
   */
  #listenForResources(connection: Connection, timeout?: number): Promise<ReadonlySet<string>> {
    const open = async (): Promise<ReadonlySet<string>> => {
      const uris = [...this.#subscriptions];
      const current = connection.resourceListen;
      if (current && current.honored.size === uris.length && uris.every((uri) => current.honored.has(uri))) return current.honored;
      let next: ResourceListen | undefined;
      if (uris.length > 0) {
        const subscription = await connection.client.listen({ resourceSubscriptions: uris }, timeout === undefined ? {} : { timeout });
        const honored = new Set(subscription.honoredFilter.resourceSubscriptions ?? []);
        for (const uri of uris.filter((u) => !honored.has(u))) {
          this.#subscriptions.delete(uri);
          this.#settings.logger.warn('the server did not accept a resource subscription', { connector: this.target.name, uri: uri.slice(0, 200) });
        }
        next = { subscription, honored, openedAt: Date.now() };
        if (honored.size === 0) {
          await subscription.close();
          next = undefined;
        } else {
          const opened = next;
          void subscription.closed.then((how) => {
            if (how !== 'local' && connection.resourceListen === opened) {
              connection.resourceListen = undefined;
              this.#listenAgain(connection, 'resource update', opened.openedAt, () => this.#subscriptions.size > 0, async () => void (await this.#listenForResources(connection)));
            }
          });
        }
      }
      connection.resourceListen = next;
      await current?.subscription.close();
      return next?.honored ?? new Set();
    };
    const { result, tail } = oneAfter(connection.listening, open);
    connection.listening = tail;
    return result;
  }

  /**
   * A 2026-07-28 server ended a listen stream of this connection, or it broke (the server
   * restarted, a proxy timed it out): the spec says listen again, as long as the
   * connection is current and `wanted`. At once, unless streams keep ending soon after
   * they open (then after a backoff that grows with each such stream), and with backoff
   * while opening fails.
   */
  #listenAgain(connection: Connection, what: string, openedAt: number, wanted: () => boolean, reopen: () => Promise<void>): void {
    if (this.#connection !== connection || connection.closed || this.#closed || !wanted()) return;
    const streak = Date.now() - openedAt < STREAM_SHORT_LIFE_MS ? (connection.shortStreams.get(what) ?? 0) + 1 : 0;
    connection.shortStreams.set(what, streak);
    this.#settings.logger.info(`mcp ${what} stream ended; listening again`, { connector: this.target.name });
    void (async () => {
      if (streak > 1) await sleep(backoff(streak - 2), this.#closing.signal);
      await this.#untilDone(`listen for ${what}`, () => this.#connection === connection && !connection.closed && wanted(), reopen);
    })();
  }

  /** Runs `attempt` until it succeeds, with backoff between failures, while the session is open and `wanted`. */
  async #untilDone(what: string, wanted: () => boolean, attempt: () => Promise<unknown>): Promise<void> {
    for (let failures = 0; !this.#closed && wanted(); failures++) {
      try {
        await attempt();
        return;
      } catch (error) {
        this.#settings.logger.debug(`could not ${what} yet`, { connector: this.target.name, error: String((error as Error)?.message ?? error) });
        await sleep(backoff(failures), this.#closing.signal);
      }
    }
  }

  /**
   * Keeps the 2026-07-28 stream that carries list changes (opened by the SDK client at
   * connect, for `wanted`) open: once listening again, every list it covers is read again,
   * since changes made while no stream was open went unheard. A server that now honors
   * none of it ends the stream at once: it is asked again only after the longest backoff,
   * in case it comes back with list changes.
   */
  #keepListChanges(connection: Connection, subscription: McpSubscription, wanted = subscription.honoredFilter, openedAt = Date.now()): void {
    const reopen = async () => {
      this.#keepListChanges(connection, await connection.client.listen(wanted), wanted);
      this.#readListsAgain(connection.facts);
    };
    const honored = subscription.honoredFilter;
    if (!honored.toolsListChanged && !honored.resourcesListChanged && !honored.promptsListChanged) {
      void sleep(backoff(Number.POSITIVE_INFINITY), this.#closing.signal).then(() => this.#listenAgain(connection, 'list change', openedAt, () => true, reopen));
      return;
    }
    void subscription.closed.then((how) => {
      if (how !== 'local') this.#listenAgain(connection, 'list change', openedAt, () => true, reopen);
    });
  }

  /** Changes may have gone unheard: the lists the server announces changes of are read again. */
  #readListsAgain(facts: SessionFacts): void {
    for (const kind of ['tools', 'resources', 'prompts'] as const) {
      if ((facts.capabilities[kind] as { listChanged?: unknown } | undefined)?.listChanged === true) this.#hooks.onListChanged?.(kind);
    }
  }

  /** Closes the session: DELETE for Streamable HTTP sessions (the spec's SHOULD), then the transport. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#closing.abort();
    const connection = this.#connection ?? (await this.#connecting?.catch(() => undefined));
    this.#connection = undefined;
    if (connection) await this.#dispose(connection, true);
  }

  async #run<T>(operation: string, fn: (c: Connection, options: RequestOptions) => Promise<T>, control: RequestControl = {}, idempotent = false): Promise<T> {
    if (this.#closed) throw new PatchbayError('CONNECTOR_UNREACHABLE', `The session for connector "${this.target.name}" was closed (Patchbay is shutting down).`);
    const timeoutMs = control.timeoutMs ?? this.#settings.requestTimeoutMs;
    const deadline = Date.now() + timeoutMs;
    const delays = this.#settings.reconnectDelaysMs ?? DEFAULT_RECONNECT_DELAYS;
    let reconnects = 0;
    let reinitialized = false;
    this.#inFlight++;
    if (!control.background) this.#lastUsed = Date.now();
    if (control.onElicitation) this.#elicitationHandlers.push(control.onElicitation);
    if (control.onSampling) this.#samplingHandlers.push(control.onSampling);
    try {
      for (;;) {
        if (control.signal?.aborted) throw cancelled(this.target.name, operation);
        let connection: Connection | undefined;
        try {
          connection = await this.#ensureConnection(control.signal);
          const options: RequestOptions = {
            timeout: Math.max(1, deadline - Date.now()),
            signal: control.signal,
            ...(control.onProgress ? { onprogress: control.onProgress, resetTimeoutOnProgress: true, maxTotalTimeout: timeoutMs * 10 } : {}),
          };
          return await fn(connection, options);
        } catch (error) {
          if (control.signal?.aborted || (isAbort(error) && !networkErrorCode(error))) throw cancelled(this.target.name, operation, error);
          const hadSession = connection !== undefined && sessionIdOf(connection) !== undefined;
          if (connection && !reinitialized && hadSession && isSessionUnknown(error)) {
            // The server forgot our session (restart, expiry): the spec says start a new one. It never ran the request.
            this.#settings.logger.info('mcp session expired; re-initializing', { connector: this.target.name });
            reinitialized = true;
            await this.#drop(connection);
            continue;
          }
          const retryable = isRefused(error) || (idempotent && networkErrorCode(error) !== undefined);
          if (retryable && reconnects < delays.length && Date.now() + delays[reconnects] < deadline) {
            if (connection) await this.#drop(connection);
            this.#settings.logger.info('mcp server unreachable; reconnecting', { connector: this.target.name, attempt: reconnects + 1 });
            await sleep(delays[reconnects++], control.signal);
            continue;
          }
          if (networkErrorCode(error) && connection) await this.#drop(connection);
          throw mapMcpError(error, { connector: this.target.name, url: this.target.url, operation, timeoutMs });
        }
      }
    } finally {
      this.#inFlight--;
      if (!control.background) this.#lastUsed = Date.now();
      if (control.onElicitation) {
        const i = this.#elicitationHandlers.lastIndexOf(control.onElicitation);
        if (i >= 0) this.#elicitationHandlers.splice(i, 1);
      }
      if (control.onSampling) {
        const i = this.#samplingHandlers.lastIndexOf(control.onSampling);
        if (i >= 0) this.#samplingHandlers.splice(i, 1);
      }
    }
  }

  async #ensureConnection(signal?: AbortSignal): Promise<Connection> {
    if (this.#connection && !this.#connection.closed) return this.#connection;
    this.#connecting ??= this.#open(signal).finally(() => {
      this.#connecting = undefined;
    });
    const connection = await this.#connecting;
    if (this.#closed) {
      await this.#dispose(connection, true);
      throw new PatchbayError('CONNECTOR_UNREACHABLE', `The session for connector "${this.target.name}" was closed.`);
    }
    this.#connection = connection;
    return connection;
  }

  async #open(signal?: AbortSignal): Promise<Connection> {
    const { transport, lastTransport } = this.target;
    const order: TransportKind[] =
      transport !== 'auto' ? [transport] : lastTransport === 'sse' ? ['sse', 'streamable-http'] : ['streamable-http', 'sse'];
    let firstError: unknown;
    for (const [i, kind] of order.entries()) {
      try {
        const connection = await this.#openWith(kind, signal);
        this.#hooks.onConnected?.(connection.facts);
        if (this.#missedChanges) {
          this.#missedChanges = false;
          this.#readListsAgain(connection.facts);
        }
        return connection;
      } catch (error) {
        firstError ??= error;
        const more = i < order.length - 1;
        // Only an HTTP answer that says "not here" (400/404/405) means "try the legacy transport";
        // a refused connection or a timeout would fail the same way on the other one.
        const status = httpStatusOf(error);
        if (more && status !== undefined && FALLBACK_STATUSES.has(status)) continue;
        if (more && kind === 'sse' && !isRefused(error)) continue;
        throw firstError;
      }
    }
    throw firstError;
  }

  async #openWith(kind: TransportKind, signal?: AbortSignal): Promise<Connection> {
    const { clientInfo, connectTimeoutMs } = this.#settings;
    const fetch = this.target.auth ? withBearerAuth(this.#settings.fetch, this.target.auth, this.target.name) : this.#settings.fetch;
    const url = new URL(this.target.url);
    const credentialHeaders = await this.target.credentials?.();
    const headers = { ...this.target.headers, ...credentialHeaders };
    const requestInit: RequestInit = Object.keys(headers).length > 0 ? { headers } : {};
    const transport =
      kind === 'streamable-http'
        ? new StreamableHTTPClientTransport(url, {
            fetch,
            requestInit,
            reconnectionOptions: { initialReconnectionDelay: 500, maxReconnectionDelay: 10_000, reconnectionDelayGrowFactor: 1.5, maxRetries: 5 },
          })
        : new SSEClientTransport(url, { fetch, requestInit, eventSourceInit: { fetch } });
    const client = new Client(clientInfo, {
      // Compiled once for the process, and stopped when a server's pattern backtracks without end.
      jsonSchemaValidator: sharedSchemas,
      // SEP-1034: fields a person leaves empty take the schema's defaults before the answer is sent.
      // URL-mode elicitation and sampling are answered by a surface that can (the chat); others decline or refuse them.
      capabilities: { elicitation: { form: { applyDefaults: true }, url: {} }, sampling: {} },
      versionNegotiation: { mode: kind === 'streamable-http' && this.#settings.protocol !== 'legacy' ? 'auto' : 'legacy' },
      listChanged: {
        tools: { autoRefresh: false, debounceMs: 50, onChanged: () => this.#hooks.onListChanged?.('tools') },
        resources: { autoRefresh: false, debounceMs: 50, onChanged: () => this.#hooks.onListChanged?.('resources') },
        prompts: { autoRefresh: false, debounceMs: 50, onChanged: () => this.#hooks.onListChanged?.('prompts') },
      },
    });
    client.setRequestHandler('elicitation/create', async (request) => this.#answerElicitation(request.params));
    client.setRequestHandler('sampling/createMessage', async (request) => this.#answerSampling(request.params as CreateMessageRequest['params']));
    client.setNotificationHandler('notifications/message', (notification) => this.#askingCall.getStore()?.onLog?.(notification.params));
    client.setNotificationHandler('notifications/resources/updated', (notification) => this.#hooks.onResourceUpdated?.(notification.params.uri));
    const connection: Connection = { client, transport, closed: false, facts: undefined as unknown as SessionFacts, shortStreams: new Map() };
    client.onerror = (error) => {
      this.#settings.logger.debug('mcp transport error', { connector: this.target.name, error: String(error?.message ?? error) });
      // A legacy stream's failure is an SseError once it was open (failing to open it fails the connect).
      if (connection.transport instanceof SSEClientTransport ? error instanceof SseError : isStreamLost(error)) this.#streamLost(connection);
    };
    client.onclose = () => {
      connection.closed = true;
    };
    try {
      await client.connect(transport, { timeout: connectTimeoutMs, signal });
    } catch (error) {
      await client.close().catch(() => {});
      throw error;
    }
    const serverInfo = client.getServerVersion();
    connection.facts = {
      serverInfo: { ...(serverInfo ?? {}), name: serverInfo?.name ?? url.hostname },
      capabilities: (client.getServerCapabilities() ?? {}) as Record<string, unknown>,
      instructions: client.getInstructions() ?? null,
      protocolVersion: client.getNegotiatedProtocolVersion() ?? null,
      era: client.getProtocolEra() ?? null,
      transport: kind,
    };
    if (transport instanceof StreamableHTTPClientTransport && connection.facts.era === 'legacy') {
      connection.fastCalls = new FastToolCalls({ transport, url, fetch, headers, within: (call, deliver) => this.#askingCall.run(call as RequestControl, deliver) });
    }
    // A new connection (the server restarted or forgot the session) knows none of our subscriptions.
    if (connection.facts.era === 'modern') {
      if (client.autoOpenedSubscription) this.#keepListChanges(connection, client.autoOpenedSubscription);
      // Until it works: a failure here would end every update. (The connection is not this session's current one yet.)
      void this.#untilDone('listen for resource updates', () => !connection.closed && this.#subscriptions.size > 0, () => this.#listenForResources(connection));
    } else {
      for (const uri of this.#subscriptions) {
        client.subscribeResource({ uri }).catch((error: unknown) => this.#settings.logger.debug('could not renew a resource subscription', { connector: this.target.name, error }));
      }
    }
    return connection;
  }

  /**
   * Who answers a server's question: the call it was asked during, when its own stream
   * carried it (lean calls); else the call that started last — the SDK client does not
   * say which request a question belongs to.
   */
  #handlerFor<K extends 'onElicitation' | 'onSampling'>(kind: K, started: NonNullable<RequestControl[K]>[]): RequestControl[K] | undefined {
    const asking = this.#askingCall.getStore();
    return asking ? asking[kind] : started.at(-1);
  }

  async #answerElicitation(params: ElicitRequest['params']): Promise<ElicitResult> {
    const handler = this.#handlerFor('onElicitation', this.#elicitationHandlers);
    // No surface is waiting on this session (nobody can answer): decline rather than hang the server.
    if (!handler) return { action: 'decline' };
    return handler(params, { connector: this.target.name });
  }

  async #answerSampling(params: CreateMessageRequest['params']): Promise<CreateMessageResult | CreateMessageResultWithTools> {
    const handler = this.#handlerFor('onSampling', this.#samplingHandlers);
    // -1: the spec's code for a sampling request the user rejected.
    if (!handler) throw new ProtocolError(-1, 'Sampling is not available for this request: only a conversation in Patchbay\'s chat, or a gateway client that supports sampling, can answer it.');
    try {
      return await handler(params, { connector: this.target.name });
    } catch (error) {
      if (error instanceof PatchbayError) throw new ProtocolError(-1, error.message);
      throw error;
    }
  }

  /**
   * The connection's event stream is gone for good: the server forgot the session (it
   * restarted), or stayed away longer than the transport retries. Updates and list changes
   * would stop until the next request found out; a legacy HTTP+SSE session is worse off,
   * since it lives on its stream and the transport, reconnecting by itself, would post to a
   * new session nobody initialized, where calls went unanswered until they timed out. The
   * connection is dropped (its waiting calls fail now) and a new one is opened at once
   * (which subscribes again), retried with backoff while the server is down, for as long as
   * the session is open; the pool closes it when idle. The next connection, this one's or
   * a request's, reads again the lists the server announces changes of, since changes
   * made meanwhile went unheard.
   */
  #streamLost(connection: Connection): void {
    if (this.#connection !== connection || this.#closed || this.#reviving) return;
    this.#settings.logger.info('mcp event stream lost; opening a new session', { connector: this.target.name });
    // Whichever opens the next connection, this revival or a request, reads the lists again.
    this.#missedChanges = true;
    this.#reviving = (async () => {
      await this.#drop(connection);
      await this.#untilDone('reopen the session', () => !this.isConnected, () => this.#ensureConnection(this.#closing.signal));
    })().finally(() => {
      this.#reviving = undefined;
    });
  }

  async #drop(connection: Connection): Promise<void> {
    if (this.#connection === connection) this.#connection = undefined;
    await this.#dispose(connection, false);
  }

  async #dispose(connection: Connection, terminate: boolean): Promise<void> {
    connection.closed = true;
    connection.fastCalls?.close();
    if (terminate && connection.transport instanceof StreamableHTTPClientTransport && connection.transport.sessionId) {
      await withTimeout(connection.transport.terminateSession(), 2000).catch(() => {});
    }
    await withTimeout(connection.client.close(), 2000).catch(() => {});
  }
}

/** Whether the server takes resource subscriptions (by resources/subscribe in 2025-11-25, on a subscriptions/listen stream in 2026-07-28). */
export function canSubscribe(facts: Pick<SessionFacts, 'capabilities'>): boolean {
  return (facts.capabilities.resources as { subscribe?: unknown } | undefined)?.subscribe === true;
}

/**
 * The SDK transport's word that the session's event stream will not come back by itself:
 * it gave up reconnecting, or the server answered the reconnect with an HTTP error (a
 * restarted server does not know the session). Not a first GET the server refuses: a
 * server that never streams would otherwise be re-opened forever.
 */
function isStreamLost(error: unknown): boolean {
  const message = String((error as Error | undefined)?.message ?? '');
  return message.startsWith('Maximum reconnection attempts') || message.startsWith('Failed to reconnect SSE stream: Failed to open SSE stream');
}

function sessionIdOf(connection: Connection): string | undefined {
  if (connection.transport instanceof StreamableHTTPClientTransport) return connection.transport.sessionId;
  // The legacy SSE transport always has a session (its message endpoint).
  return 'sse';
}

function cancelled(connector: string, operation: string, cause?: unknown): PatchbayError {
  return new PatchbayError('CANCELLED', `${operation} on connector "${connector}" was cancelled.`, { cause });
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([promise, new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), ms);
    })]).finally(() => clearTimeout(timer));
}
