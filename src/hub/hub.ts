import type {
  CallToolResult,
  CompleteRequest,
  CompleteResult,
  GetPromptResult,
  Prompt,
  ReadResourceResult,
  Resource,
  ResourceTemplateType,
  Tool,
} from '@modelcontextprotocol/client';
import { PatchbayError } from '../core/errors.ts';
import type { Logger } from '../core/log.ts';
import { headersFor, type MaskedCredentials, type StaticCredentials, validateStaticCredentials } from '../auth/index.ts';
import type { ClientCredentials, PreregisteredClient, Vault } from '../auth/index.ts';
import { ArgumentValidator } from '../mcp/validate-arguments.ts';
import type { AuthChallenge, ListKind, McpSession, RequestControl, SessionFacts, SessionHooks, SessionPool, SessionTarget } from '../mcp/index.ts';
import type {
  Approval,
  ApprovalRequest,
  AuditEvent,
  AuditPosition,
  CatalogEntry,
  CatalogKind,
  Connector,
  ConnectorPatch,
  ConnectorPolicy,
  Owner,
  Store,
  ToolApproval,
  ToolSetting,
  TransportPreference,
  UsageLimit,
  UsageLimits,
} from '../store/index.ts';
import { buildToolNames, decide, inspectText, inspectTool, type RefusalCode } from '../policy/index.ts';
import { AuditLog } from './audit-log.ts';
import { LookupCache } from './lookup-cache.ts';
import { type ApprovalMark, ApprovalWatch, type ApprovalWake } from './approval-watch.ts';
import { ConnectorCredentials } from './connector-credentials.ts';
import { definitionOf, ToolPolicy } from './tool-policy.ts';
import type { ConfiguredOAuthClients, SignIn, SignInStart } from './sign-in.ts';
import type { Doctor, DoctorOptions, DoctorReport } from './doctor.ts';
import { deriveName, normalizeConnectorUrl, uniqueName, validateName } from './connector-rules.ts';

/** The surface a request came through. Every door reaches the same functions. */
export type Door = 'cli' | 'api' | 'chat' | 'gateway';

/** Who is asking, and through which door. */
export interface Actor {
  userId: string;
  door: Door;
}

/** Per-call controls: cancellation, timeout, progress, and the surface's elicitation handler. */
export type CallContext = RequestControl;

/** A tool call's context: how it came in, and any approval the person gave for it. */
export interface ToolCallContext extends CallContext {
  /**
   * The person made this very call (`patchbay call`, a button): that is the approval.
   * Defaults to true at the CLI and API doors, false at the chat and gateway doors.
   */
  direct?: boolean;
  /** An approval answered for exactly this call. */
  approvalId?: string;
  conversationId?: string;
}

export interface AddConnectorInput {
  url: string;
  name?: string;
  project?: string | null;
  tags?: string[];
  transport?: TransportPreference;
  allowHttp?: boolean;
  /** Connect before storing (default true): the server must answer, and its name is learnt. */
  connect?: boolean;
  /** An API key, custom headers, or a user name and password; stored encrypted, for this user only. */
  credentials?: CredentialsInput;
}

export interface UpdateConnectorInput {
  name?: string;
  url?: string;
  project?: string | null;
  tags?: string[];
  transport?: TransportPreference;
  allowHttp?: boolean;
}

export interface Catalog {
  tools: Tool[];
  resources: Resource[];
  resourceTemplates: ResourceTemplateType[];
  prompts: Prompt[];
  fetchedAt: string;
}

export interface CatalogChange {
  userId: string;
  connectorId: string;
  kinds: CatalogKind[];
}

/** A server said a resource someone subscribed to (through `subscribeResource`) changed. */
export interface ResourceUpdate {
  userId: string;
  /** The connector's name. */
  connector: string;
  uri: string;
}

/** A tool as a model or another client sees it. */
export interface ModelTool {
  /** Stable, unique among the person's connectors, `^[a-zA-Z0-9_-]{1,64}$`. */
  name: string;
  connector: string;
  connectorId: string;
  toolName: string;
  /** The definition with hidden characters removed and the stable name. */
  definition: Tool;
}

/** Hidden characters found in a tool's text, for the person to see. */
export interface HiddenTextReport {
  findings: Array<{ path: string; description: string }>;
  /** The tool's description with every hidden character shown, e.g. ⟦U+202E⟧. */
  visibleDescription: string | null;
}

function hiddenTextReport(tool: Tool): HiddenTextReport | null {
  const inspection = inspectTool(tool);
  if (!inspection.flagged) return null;
  return {
    findings: inspection.findings.slice(0, 50).map((f) => ({ path: f.path, description: f.finding.description })),
    visibleDescription: tool.description ? inspectText(tool.description).visible : null,
  };
}

export interface HubDeps {
  store: Store;
  pool: SessionPool;
  vault: Vault;
  signIn: SignIn;
  logger: Logger;
  /** The default time limit of a request, which bounds how long a concurrent-call slot is held. */
  requestTimeoutMs?: number;
  /** Checks a connector URL against the deployment's address policy (absent in local mode). */
  checkConnectorUrl?: (url: string) => Promise<void>;
  /** The connection doctor, built with the deployment's address policies. */
  doctor?: Doctor;
}

/** Sign-in details as a person gives them (validated before they are stored). */
export type CredentialsInput = StaticCredentials;

const CATALOG_KINDS: CatalogKind[] = ['tools', 'resources', 'resourceTemplates', 'prompts'];
const LIST_KIND_TO_CATALOG: Record<ListKind, CatalogKind[]> = {
  tools: ['tools'],
  resources: ['resources', 'resourceTemplates'],
  prompts: ['prompts'],
};

/**
 * The application service every surface calls: connectors, sessions, catalog and
 * operations. No surface talks to an MCP client directly.
 */
export class Hub {
  readonly #store: Store;
  readonly #pool: SessionPool;
  readonly #log: Logger;
  readonly #validator = new ArgumentValidator();
  readonly #policy: ToolPolicy;
  readonly #audit: AuditLog;
  readonly #credentials: ConnectorCredentials;
  readonly #signIn: SignIn;
  readonly #checkUrl: (url: string) => Promise<void>;
  readonly #requestTimeoutMs: number;
  readonly #doctor: Doctor | undefined;
  /** Catalog kinds known to be out of date, per "user\0connector". */
  readonly #stale = new Map<string, Set<CatalogKind>>();
  /** The door's lookups (connector, tool setting, stored tool list), dropped on any change. */
  readonly #lookups: LookupCache;
  readonly #approvalWatch: ApprovalWatch;
  /** Tools already logged as left out for their size (connector id and name), so each is logged once. */
  readonly #oversizedLogged = new Set<string>();
  readonly #refreshing = new Set<string>();
  readonly #catalogListeners = new Set<(change: CatalogChange) => void>();
  readonly #updateListeners = new Set<(update: ResourceUpdate) => void>();

  constructor(deps: HubDeps) {
    this.#store = deps.store;
    this.#pool = deps.pool;
    this.#log = deps.logger;
    this.#credentials = new ConnectorCredentials(deps.store, deps.vault);
    this.#lookups = new LookupCache(deps.store.changes);
    this.#approvalWatch = new ApprovalWatch(deps.store.changes);
    this.#policy = new ToolPolicy(deps.store, this.#lookups, this.#approvalWatch);
    this.#audit = new AuditLog(deps.store, deps.logger);
    this.#signIn = deps.signIn;
    this.#checkUrl = deps.checkConnectorUrl ?? (async () => {});
    this.#requestTimeoutMs = deps.requestTimeoutMs ?? 60_000;
    this.#doctor = deps.doctor;
  }

  /** Hooks the session pool calls for each session; wired by the composition root. */
  sessionHooks(target: SessionTarget): Required<SessionHooks> {
    return {
      onListChanged: (kind) => this.#onListChanged(target, kind),
      onConnected: (facts) => this.#onConnected(target, facts),
      onResourceUpdated: (uri) => this.#emit(this.#updateListeners, { userId: target.userId, connector: target.name, uri }),
    };
  }

  /** Called when a server says a subscribed resource changed. */
  onResourceUpdated(listener: (update: ResourceUpdate) => void): () => void {
    this.#updateListeners.add(listener);
    return () => this.#updateListeners.delete(listener);
  }

  /** Called after a connector's catalog was re-fetched because the server said its lists changed. */
  onCatalogChanged(listener: (change: CatalogChange) => void): () => void {
    this.#catalogListeners.add(listener);
    return () => this.#catalogListeners.delete(listener);
  }

  // ---- connectors ----------------------------------------------------------------

  async addConnector(actor: Actor, input: AddConnectorInput): Promise<{ connector: Connector; catalog: Catalog | null }> {
    const owner = ownerOf(actor);
    const url = normalizeConnectorUrl(input.url, { allowHttp: input.allowHttp });
    await this.#checkUrl(url);
    if (input.name !== undefined) validateName(input.name);
    const transport = input.transport ?? 'auto';
    const credentials = input.credentials ? validateStaticCredentials(input.credentials) : undefined;
    let facts: SessionFacts | null = null;
    let needsSignIn = false;
    let challenge: AuthChallenge | undefined;
    if (input.connect !== false) {
      // A throwaway session: the connector has no id yet, and a failed add must leave nothing behind.
      const probeHeaders = credentials ? headersFor(credentials) : undefined;
      const probe = this.#pool.get({
        connectorId: `probe:${crypto.randomUUID()}`,
        userId: actor.userId,
        name: input.name ?? url,
        url,
        transport,
        credentials: async () => probeHeaders,
        // What the server asks for when it refuses is kept for the sign-in that follows.
        auth: credentials
          ? undefined
          : {
              token: async () => undefined,
              refused: async () => {},
              challenged: async (c) => {
                challenge = c;
              },
            },
      });
      try {
        facts = await probe.connect();
      } catch (error) {
        if (!(error instanceof PatchbayError && error.code === 'AUTH_REQUIRED')) throw error;
        if (credentials) {
          error.message = `The server at ${url} refused the credentials given (HTTP 401). Check the key, header name or password; nothing was added.`;
          throw error;
        }
        // The server wants sign-in: keep the connector, waiting for it, as hosted connectors do.
        needsSignIn = true;
      } finally {
        await this.#pool.closeConnector(probe.target.connectorId);
      }
    }
    let name = input.name;
    if (name === undefined) {
      const existing = new Set((await this.#store.connectors.list(owner)).map((c) => c.name));
      name = uniqueName(deriveName(facts?.serverInfo.name, url), (n) => existing.has(n));
    }
    const connector = await this.#store.connectors.create({
      owner,
      name,
      url,
      project: input.project ?? null,
      tags: normalizeTags(input.tags),
      transport,
      allowHttp: input.allowHttp ?? false,
      authKind: credentials?.kind ?? (needsSignIn ? 'oauth' : 'none'),
    });
    if (needsSignIn) {
      if (challenge) await this.#signIn.rememberChallenge(actor.userId, connector.id, challenge);
      const waiting = await this.#store.connectors.update(connector.id, {
        status: 'needs-sign-in',
        lastError: { code: 'AUTH_REQUIRED', message: `Sign in to use it: \`patchbay login ${connector.name}\`.`, at: new Date().toISOString() },
      });
      return { connector: waiting, catalog: null };
    }
    if (credentials) {
      try {
        await this.#credentials.save(actor.userId, connector.id, credentials);
      } catch (error) {
        await this.#store.connectors.remove(connector.id);
        throw error;
      }
    }
    if (!facts) return { connector, catalog: null };
    const updated = await this.#store.connectors.update(connector.id, {
      status: 'connected',
      server: { ...facts, connectedAt: new Date().toISOString() },
      lastError: null,
    });
    const catalog = await this.catalog(actor, updated.name).catch((error) => {
      this.#log.warn('catalog fetch after add failed', { connector: updated.name, error });
      return null;
    });
    return { connector: updated, catalog };
  }

  listConnectors(actor: Actor, filter: { project?: string; tag?: string } = {}): Promise<Connector[]> {
    return this.#store.connectors.list(ownerOf(actor), filter);
  }

  async getConnector(actor: Actor, name: string): Promise<Connector> {
    const connector = await this.#store.connectors.getByName(ownerOf(actor), name);
    if (!connector) throw connectorNotFound(name);
    return connector;
  }

  async updateConnector(actor: Actor, name: string, input: UpdateConnectorInput): Promise<Connector> {
    const connector = await this.getConnector(actor, name);
    const patch: ConnectorPatch = {};
    if (input.name !== undefined) patch.name = validateName(input.name);
    const allowHttp = input.allowHttp ?? connector.allowHttp;
    if (input.url !== undefined || input.allowHttp !== undefined) {
      patch.url = normalizeConnectorUrl(input.url ?? connector.url, { allowHttp });
      await this.#checkUrl(patch.url);
    }
    if (input.allowHttp !== undefined) patch.allowHttp = input.allowHttp;
    if (input.project !== undefined) patch.project = input.project;
    if (input.tags !== undefined) patch.tags = normalizeTags(input.tags);
    if (input.transport !== undefined) patch.transport = input.transport;
    const addressChanged = (patch.url !== undefined && patch.url !== connector.url) || (patch.transport !== undefined && patch.transport !== connector.transport);
    if (addressChanged) {
      patch.server = null;
      patch.status = 'new';
      patch.lastError = null;
    }
    const updated = await this.#store.connectors.update(connector.id, patch);
    if (addressChanged) {
      await this.#pool.closeConnector(connector.id);
      await this.#store.catalog.clear(connector.id);
    }
    return updated;
  }

  /** Removes the connector with its settings and credentials; its sessions are closed. */
  async removeConnector(actor: Actor, name: string): Promise<Connector> {
    const connector = await this.getConnector(actor, name);
    await this.#pool.closeConnector(connector.id);
    // Tokens Patchbay will no longer use should stop working at the server too (RFC 7009).
    for (const userId of await this.#usersWithCredentials(connector)) {
      await this.#signIn.revoke(userId, connector).catch((error) => this.#log.warn('revocation failed', { connector: connector.name, error }));
    }
    await this.#store.connectors.remove(connector.id);
    // Its pending approvals went with it (the store removes them): whoever shows or waits on them looks again.
    await this.#approvalWatch.changed();
    for (const key of this.#stale.keys()) if (key.endsWith(`\u0000${connector.id}`)) this.#stale.delete(key);
    return connector;
  }

  /** Connects (or re-checks) and refreshes what the connector offers. */
  async testConnector(actor: Actor, name: string, ctx: CallContext = {}): Promise<{ connector: Connector; catalog: Catalog }> {
    const connector = await this.getConnector(actor, name);
    const session = this.#session(actor, connector);
    try {
      await session.connect(ctx);
    } catch (error) {
      await this.#recordError(connector, error);
      throw error;
    }
    const catalog = await this.catalog(actor, name, { refresh: true, ...ctx });
    return { connector: await this.getConnector(actor, name), catalog };
  }

  /** Diagnoses one of the person's connectors, or a URL not added yet, step by step; changes nothing. */
  async diagnose(actor: Actor, nameOrUrl: string, options: DoctorOptions = {}): Promise<DoctorReport> {
    if (!this.#doctor) throw new PatchbayError('INTERNAL', 'The connection doctor is not set up in this Patchbay.');
    // Connector names are letters, digits and hyphens: anything with ":" or "/" is an address.
    if (/[:/]/.test(nameOrUrl)) return this.#doctor.diagnose(actor.userId, { url: nameOrUrl }, options);
    return this.#doctor.diagnose(actor.userId, { connector: await this.getConnector(actor, nameOrUrl) }, options);
  }

  // ---- credentials ---------------------------------------------------------------

  /** Stores this user's credentials for the connector (replacing any) and reconnects with them. */
  async setCredentials(actor: Actor, name: string, input: CredentialsInput): Promise<MaskedCredentials> {
    const connector = await this.getConnector(actor, name);
    const saved = await this.#credentials.save(actor.userId, connector.id, input);
    if (connector.authKind !== saved.kind) await this.#store.connectors.update(connector.id, { authKind: saved.kind });
    await this.#pool.closeConnector(connector.id, actor.userId);
    return (await this.#credentials.masked(actor.userId, connector.id))!;
  }

  /** This user's credentials for the connector, values masked; null when there are none. */
  async showCredentials(actor: Actor, name: string): Promise<MaskedCredentials | null> {
    const connector = await this.getConnector(actor, name);
    return this.#credentials.masked(actor.userId, connector.id);
  }

  async clearCredentials(actor: Actor, name: string): Promise<void> {
    const connector = await this.getConnector(actor, name);
    await this.#credentials.clear(actor.userId, connector.id);
    if (connector.authKind === 'headers' || connector.authKind === 'basic') await this.#store.connectors.update(connector.id, { authKind: 'none' });
    await this.#pool.closeConnector(connector.id, actor.userId);
  }

  /**
   * Signs this user out of an OAuth connector: revokes the tokens at the server when it
   * can (best effort, as on removal), forgets them, and leaves the connector waiting for
   * sign-in. Static credentials are cleared with `clearCredentials` instead.
   */
  async signOut(actor: Actor, name: string): Promise<Connector> {
    const connector = await this.getConnector(actor, name);
    if (connector.authKind !== 'oauth') {
      throw new PatchbayError('VALIDATION_FAILED', `"${connector.name}" does not sign in with OAuth, so there is nothing to sign out of. Clear stored keys or passwords with \`patchbay auth ${connector.name} --clear\` instead.`);
    }
    await this.#signIn.revoke(actor.userId, connector).catch((error) => this.#log.warn('revocation failed', { connector: connector.name, error }));
    await this.#signIn.forget(actor.userId, connector.id);
    await this.#pool.closeConnector(connector.id, actor.userId);
    return this.#store.connectors.update(connector.id, {
      status: 'needs-sign-in',
      lastError: { code: 'AUTH_REQUIRED', message: `Signed out. Sign in again to use it: \`patchbay login ${connector.name}\`.`, at: new Date().toISOString() },
    });
  }

  /**
   * Starts OAuth sign-in for this user: returns the URL to send them to (after showing
   * the scopes it asks for), or `signed-in` when stored tokens could be refreshed.
   */
  async startSignIn(actor: Actor, name: string, options: { redirectUrl?: string; scope?: string } = {}): Promise<SignInStart> {
    const connector = await this.getConnector(actor, name);
    const started = await this.#signIn.start(actor.userId, connector, options);
    if (started.status === 'signed-in') await this.#afterSignIn(actor.userId, connector);
    return started;
  }

  /**
   * Stores the OAuth client this user registered by hand with the connector's
   * authorization server (for servers without dynamic registration); the next sign-in
   * uses it. The secret is sealed and never returned.
   */
  async setOAuthClient(actor: Actor, name: string, input: PreregisteredClient): Promise<{ client_id: string; token_endpoint_auth_method?: string; has_secret: boolean }> {
    const connector = await this.getConnector(actor, name);
    const client = await this.#signIn.setPreregisteredClient(actor.userId, connector, input);
    return { client_id: client.client_id, token_endpoint_auth_method: client.token_endpoint_auth_method, has_secret: client.client_secret !== undefined };
  }

  // --- Read-only views for the web app's credentials card -------------------------------

  /** The OAuth clients this user set up for the connector (hand-registered, machine), never with a secret. */
  async showOAuthClients(actor: Actor, name: string): Promise<ConfiguredOAuthClients> {
    const connector = await this.getConnector(actor, name);
    return this.#signIn.configuredClients(actor.userId, connector.id);
  }

  // ----------------------------------------------------------------------------------------

  /** Signs in without a person: the OAuth `client_credentials` grant, with a client secret or a private key. */
  async signInWithClientCredentials(actor: Actor, name: string, input: ClientCredentials): Promise<Connector> {
    const connector = await this.getConnector(actor, name);
    await this.#signIn.signInWithClientCredentials(actor.userId, connector, input);
    return this.#afterSignIn(actor.userId, connector);
  }

  /** Where the browser comes back after sign-in, when the listening address was only known at start. */
  useCallbackBase(baseUrl: string): void {
    this.#signIn.setRedirectUrl(new URL('/oauth/callback', baseUrl).toString());
  }

  /** Patchbay's OAuth client ID metadata document, when it has a public https URL. */
  clientMetadataDocument(): Record<string, unknown> | undefined {
    return this.#signIn.clientMetadataDocument();
  }

  /** Finishes sign-in from the authorization server's redirect (the callback's query). */
  async finishSignIn(params: URLSearchParams, expectedUserId?: string): Promise<Connector> {
    const { userId, connector } = await this.#signIn.finish(params, (id) => this.#store.connectors.get(id), expectedUserId);
    return this.#afterSignIn(userId, connector);
  }

  /** Users holding OAuth tokens for the connector: the owner today; every member once organizations share connectors. */
  async #usersWithCredentials(connector: Connector): Promise<string[]> {
    if (connector.authKind !== 'oauth' || connector.owner.kind !== 'user') return [];
    return [connector.owner.id];
  }

  async #afterSignIn(userId: string, connector: Connector): Promise<Connector> {
    await this.#pool.closeConnector(connector.id, userId);
    return this.#store.connectors.update(connector.id, { authKind: 'oauth', status: 'connected', lastError: null });
  }

  // ---- tool policy, approvals, audit ------------------------------------------------

  /**
   * Every tool of the connector with its setting, the approval that applies, its review
   * state, and any hidden characters in its text (made visible for the person).
   */
  async toolPolicies(
    actor: Actor,
    name: string,
  ): Promise<{ connector: Connector; tools: Array<{ tool: Tool; setting: ToolSetting; effective: Approval; hidden: HiddenTextReport | null }> }> {
    const connector = await this.getConnector(actor, name);
    const tools = (await this.catalog(actor, name)).tools;
    const out = [];
    for (const tool of tools) out.push({ tool, ...(await this.#policy.state(connector, tool)), hidden: hiddenTextReport(tool) });
    return { connector, tools: out };
  }

  /**
   * The tools a model (the chat) or another client (the gateway) is given: every enabled,
   * not blocked, not suspended tool of the person's connectors, under a stable name
   * `<connector>__<tool>`, with hidden characters removed from its definition. A tool whose
   * definition is over the limits on one (`DEFAULT_DEFINITION_LIMITS`) is left out.
   */
  async modelTools(actor: Actor, filter: { project?: string; connector?: string } = {}): Promise<ModelTool[]> {
    const connectors = (await this.listConnectors(actor, { project: filter.project })).filter((c) => !filter.connector || c.name === filter.connector);
    const offered: Array<{ connector: Connector; tool: Tool; definition: Tool }> = [];
    for (const connector of connectors) {
      if (connector.status === 'needs-sign-in') continue;
      const tools = await this.catalog(actor, connector.name).then(
        (c) => c.tools,
        (error) => {
          this.#log.warn('a connector could not list its tools', { connector: connector.name, error });
          return [] as Tool[];
        },
      );
      for (const tool of tools) {
        const { setting, effective } = await this.#policy.state(connector, tool);
        if (!setting.enabled || effective === 'block' || setting.reviewState === 'changed') continue;
        const inspection = inspectTool(tool);
        // Cut short, it would lack what a definition must have (a client then refuses the whole list), or tell the model less than the server says.
        if (inspection.exceeded) {
          const key = `${connector.id}\u0000${tool.name}`;
          if (!this.#oversizedLogged.has(key)) {
            if (this.#oversizedLogged.size >= 1000) this.#oversizedLogged.clear();
            this.#oversizedLogged.add(key);
            this.#log.warn('a tool is not offered to models: its definition is over the limits on one definition', { connector: connector.name, tool: tool.name.slice(0, 80), ...inspection.exceeded });
          }
          continue;
        }
        offered.push({ connector, tool, definition: inspection.clean });
      }
    }
    const names = buildToolNames(offered.map(({ connector, tool }) => ({ connectorId: connector.id, connectorName: connector.name, toolName: tool.name })));
    return offered.map(({ connector, tool, definition }) => ({
      name: names.nameFor(connector.id, tool.name),
      connector: connector.name,
      connectorId: connector.id,
      toolName: tool.name,
      definition: { ...definition, name: names.nameFor(connector.id, tool.name) },
    }));
  }

  /** Calls a tool by the stable name `modelTools` gave it: the same one door. */
  async callModelTool(actor: Actor, name: string, args: Record<string, unknown>, ctx: ToolCallContext = {}): Promise<CallToolResult> {
    const tools = await this.modelTools(actor);
    const target = tools.find((t) => t.name === name);
    if (!target) throw new PatchbayError('TOOL_NOT_FOUND', `No tool named "${name.slice(0, 80)}" among your connectors (it may be disabled, blocked or suspended).`);
    return this.callTool(actor, target.connector, target.toolName, args, ctx);
  }

  async updateToolSetting(actor: Actor, name: string, toolName: string, change: { enabled?: boolean; approval?: ToolApproval; limits?: UsageLimits | null }): Promise<ToolSetting> {
    const connector = await this.getConnector(actor, name);
    await this.#findTool(actor, connector, toolName, {});
    return this.#policy.update(connector, toolName, change);
  }

  async setConnectorPolicy(actor: Actor, name: string, change: Partial<ConnectorPolicy>): Promise<Connector> {
    const connector = await this.getConnector(actor, name);
    return this.#store.connectors.update(connector.id, { policy: { ...connector.policy, ...change } });
  }

  /** What the person reviewed beside what the server offers now. */
  async toolReview(actor: Actor, name: string, toolName: string): Promise<{ reviewState: ToolSetting['reviewState']; pinned: unknown; current: unknown }> {
    const connector = await this.getConnector(actor, name);
    const tool = await this.#findTool(actor, connector, toolName, {});
    const { setting } = await this.#policy.state(connector, tool);
    return { reviewState: setting.reviewState, pinned: setting.pinnedDefinition, current: definitionOf(tool) };
  }

  /** Accepts the tool as the server offers it now, lifting a suspension for a changed definition. */
  async approveToolDefinition(actor: Actor, name: string, toolName: string): Promise<ToolSetting> {
    const connector = await this.getConnector(actor, name);
    const tool = await this.#findTool(actor, connector, toolName, { refresh: true } as CallContext);
    return this.#policy.review(connector, tool);
  }

  pendingApprovals(actor: Actor): Promise<ApprovalRequest[]> {
    return this.#store.approvals.listPending(actor.userId, new Date().toISOString());
  }

  answerApproval(actor: Actor, approvalId: string, answer: 'once' | 'always' | 'deny'): Promise<ApprovalRequest> {
    return this.#policy.answer(actor.userId, approvalId, answer);
  }

  /** Withdraws one of the person's pending approval requests whose call will not run any more (it leaves the Approvals page). */
  async withdrawApproval(actor: Actor, approvalId: string): Promise<void> {
    if (!(await this.approvalRequest(actor, approvalId)) || !(await this.#store.approvals.withdraw(approvalId))) return;
    await this.#approvalWatch.changed();
  }

  auditEvents(actor: Actor, filter: { connector?: string; since?: string; limit?: number; before?: AuditPosition; after?: AuditPosition } = {}): Promise<AuditEvent[]> {
    return this.#audit.list({ userId: actor.userId, connectorName: filter.connector, since: filter.since, limit: filter.limit, before: filter.before, after: filter.after });
  }

  /** Deletes audit events, usage windows and sign-in flows older than their retention; returns audit events deleted. */
  async pruneHistory(auditRetentionDays: number, now = Date.now()): Promise<number> {
    const iso = (ms: number) => new Date(ms).toISOString();
    const audit = await this.#audit.prune(iso(now - auditRetentionDays * 86_400_000));
    await this.#store.usage.prune(iso(now - 2 * 86_400_000)).catch((error) => this.#log.warn('could not prune usage counters', { error }));
    await this.#store.signInFlows.prune(iso(now)).catch(() => 0);
    return audit;
  }

  /** Waits for audit writes in flight (they never hold up a call). */
  auditIdle(): Promise<void> {
    return this.#audit.idle();
  }

  // ---- catalog -------------------------------------------------------------------

  /** Tools, resources, templates and prompts: from the cache, or fetched when stale or asked to. */
  async catalog(actor: Actor, name: string, options: { refresh?: boolean } & CallContext = {}): Promise<Catalog> {
    const connector = await this.getConnector(actor, name);
    const key = staleKey(actor.userId, connector.id);
    const stale = this.#stale.get(key);
    const entries = await Promise.all(CATALOG_KINDS.map((kind) => this.#store.catalog.get(connector.id, actor.userId, kind)));
    const missing = CATALOG_KINDS.filter((kind, i) => options.refresh || !entries[i] || stale?.has(kind));
    if (missing.length > 0) {
      const fetched = await this.#fetchCatalog(actor.userId, connector, missing, options);
      for (const [i, kind] of CATALOG_KINDS.entries()) {
        if (fetched[kind]) entries[i] = fetched[kind];
      }
    }
    return {
      tools: (entries[0]?.items ?? []) as Tool[],
      resources: (entries[1]?.items ?? []) as Resource[],
      resourceTemplates: (entries[2]?.items ?? []) as ResourceTemplateType[],
      prompts: (entries[3]?.items ?? []) as Prompt[],
      fetchedAt: entries.map((e) => e?.fetchedAt ?? '').sort()[0] ?? new Date().toISOString(),
    };
  }

  /** What the connector offered when last listed, from the kept catalog: no contact with the server; null when never listed. */
  async cachedCatalogCounts(actor: Actor, name: string): Promise<{ tools: number; resources: number; resourceTemplates: number; prompts: number } | null> {
    const connector = await this.getConnector(actor, name);
    const entries = await Promise.all(CATALOG_KINDS.map((kind) => this.#store.catalog.get(connector.id, actor.userId, kind)));
    if (entries.every((e) => e === undefined)) return null;
    const count = (i: number) => entries[i]?.items.length ?? 0;
    return { tools: count(0), resources: count(1), resourceTemplates: count(2), prompts: count(3) };
  }

  async listTools(actor: Actor, name: string, options: { refresh?: boolean } & CallContext = {}): Promise<Tool[]> {
    return (await this.catalog(actor, name, options)).tools;
  }

  // ---- operations ----------------------------------------------------------------

  /**
   * The one door for tool calls: every surface calls this. Arguments are validated
   * against the tool's input schema before anything is sent.
   */
  async callTool(actor: Actor, name: string, toolName: string, args: Record<string, unknown>, ctx: ToolCallContext = {}): Promise<CallToolResult> {
    const owner = ownerOf(actor);
    const connector = await this.#lookups.get(`connector\0${owner.kind}\0${owner.id}\0${name}`, () => this.#store.connectors.getByName(owner, name));
    if (!connector) throw connectorNotFound(name);
    if (args === null || typeof args !== 'object' || Array.isArray(args)) {
      throw new PatchbayError('INVALID_ARGUMENTS', `Arguments for tool "${toolName}" must be a JSON object.`);
    }
    const tool = await this.#findTool(actor, connector, toolName, ctx);
    this.#validator.validate(tool, args, connector.name);
    const started = Date.now();
    const audit = (decision: string, extra: { approvedBy?: string | null; latencyMs?: number | null; result?: CallToolResult; errorCode?: string | null } = {}) =>
      this.#audit.record({
        userId: actor.userId,
        door: actor.door,
        connectorId: connector.id,
        connectorName: connector.name,
        toolName,
        args,
        decision,
        approvedBy: extra.approvedBy ?? null,
        latencyMs: extra.latencyMs ?? null,
        result: extra.result,
        errorCode: extra.errorCode ?? null,
        conversationId: ctx.conversationId ?? null,
      });

    const { setting } = await this.#policy.state(connector, tool);
    const approved = ctx.approvalId ? await this.#policy.useApproval(ctx.approvalId, connector, toolName, args) : false;
    if (ctx.approvalId && !approved) {
      audit('refused:APPROVAL_INVALID', { errorCode: 'APPROVAL_INVALID' });
      throw new PatchbayError(
        'APPROVAL_INVALID',
        `Approval ${ctx.approvalId.slice(0, 40)} does not allow this call: it was not granted, was already used, has expired, or was for other arguments.`,
      );
    }
    const decision = decide({
      setting,
      connector: connector.policy,
      reviewState: setting.reviewState,
      annotations: tool.annotations,
      door: actor.door,
      // The CLI and the HTTP API are the person acting; the chat's model and gateway clients are not.
      direct: ctx.direct ?? (actor.door === 'cli' || actor.door === 'api'),
      approved,
    });
    if (decision.outcome === 'refuse') {
      audit(`refused:${decision.code}`, { errorCode: decision.code });
      throw refusal(decision.code, connector.name, toolName);
    }
    if (decision.outcome === 'ask') {
      const request = await this.#policy.ask(actor.userId, connector, tool, args, actor.door);
      audit('asked', { errorCode: 'APPROVAL_REQUIRED' });
      throw new PatchbayError(
        'APPROVAL_REQUIRED',
        `Calling "${toolName}" on "${connector.name}" needs your approval. Approve it with \`patchbay approve ${request.id}\` (or deny it), then call again with that approval.`,
        { details: { approvalId: request.id, connector: connector.name, tool: toolName, expiresAt: request.expiresAt } },
      );
    }
    const approvedBy = decision.because === 'approval' ? actor.userId : decision.because === 'direct-call' ? `${actor.door}:direct` : null;
    // Counted atomically in the store, so limits hold exactly under concurrency and across replicas.
    const limits = [...usageLimits('tool', setting.limits), ...usageLimits('connector', connector.policy.limits)];
    // Without limits there is nothing to count: no trip to the store.
    const reservation = limits.length === 0 ? ({ ok: true, reservationId: '' } as const) : await this.#store.usage.reserve({
      userId: actor.userId,
      connectorId: connector.id,
      toolName,
      conversationId: ctx.conversationId,
      now: Date.now(),
      limits,
      slotTtlMs: (ctx.timeoutMs ?? this.#requestTimeoutMs) + 60_000,
    });
    if (!reservation.ok) {
      audit('refused:USAGE_LIMIT_EXCEEDED', { errorCode: 'USAGE_LIMIT_EXCEEDED' });
      const { limit, resetsAt, max } = reservation;
      const what = limit.scope === 'tool' ? `the tool "${toolName}"` : `the connector "${connector.name}"`;
      const window = { hour: 'an hour', day: 'a day', conversation: 'in this conversation', concurrent: 'at once' }[limit.window];
      throw new PatchbayError(
        'USAGE_LIMIT_EXCEEDED',
        `The limit of ${max} call${max === 1 ? '' : 's'} ${window} for ${what} is reached${resetsAt ? `; it resets at ${resetsAt}` : limit.window === 'concurrent' ? '; try again when a running call ends' : ''}. Change it with \`patchbay ${limit.scope === 'tool' ? `tool ${connector.name} ${toolName}` : `policy ${connector.name}`}\`.`,
        { details: { scope: limit.scope, window: limit.window, max, used: reservation.used, resetsAt } },
      );
    }
    const session = this.#session(actor, connector);
    try {
      const result = await this.#track(connector, () => session.callTool(toolName, args, ctx, tool));
      audit(`allowed:${decision.because}`, {
        approvedBy,
        latencyMs: Date.now() - started,
        result,
        errorCode: result.isError ? 'TOOL_ERROR' : null,
      });
      return result;
    } catch (error) {
      audit(`allowed:${decision.because}`, { approvedBy, latencyMs: Date.now() - started, errorCode: (error as PatchbayError).code ?? 'INTERNAL' });
      throw error;
    } finally {
      // Only a concurrent slot is given back (a reservation without one has the id ''). The
      // release is written with the store's next batch; this process's next reservation
      // already sees it, so the caller need not wait for it.
      if (reservation.reservationId !== '') {
        this.#store.usage.release(reservation.reservationId).catch((error) => this.#log.warn('could not release a usage reservation', { error }));
      }
    }
  }

  async readResource(actor: Actor, name: string, uri: string, ctx: CallContext = {}): Promise<ReadResourceResult> {
    const connector = await this.getConnector(actor, name);
    validateUri(uri);
    return this.#track(connector, () => this.#session(actor, connector).readResource(uri, ctx));
  }

  /** Subscribes to a resource's updates on the person's session with the connector; they arrive at `onResourceUpdated`. */
  async subscribeResource(actor: Actor, name: string, uri: string, ctx: CallContext = {}): Promise<void> {
    const connector = await this.getConnector(actor, name);
    validateUri(uri);
    await this.#track(connector, () => this.#session(actor, connector).subscribeResource(uri, ctx));
  }

  async unsubscribeResource(actor: Actor, name: string, uri: string, ctx: CallContext = {}): Promise<void> {
    const connector = await this.getConnector(actor, name);
    await this.#session(actor, connector).unsubscribeResource(uri, ctx);
  }

  async getPrompt(actor: Actor, name: string, promptName: string, args: Record<string, string>, ctx: CallContext = {}): Promise<GetPromptResult> {
    const connector = await this.getConnector(actor, name);
    for (const [k, v] of Object.entries(args)) {
      if (typeof v !== 'string') throw new PatchbayError('INVALID_ARGUMENTS', `Prompt argument "${k}" must be a string.`);
    }
    const prompts = (await this.catalog(actor, name, ctx)).prompts;
    const prompt = prompts.find((p) => p.name === promptName);
    if (!prompt) {
      throw new PatchbayError('PROMPT_NOT_FOUND', `Connector "${name}" has no prompt "${truncate(promptName, 80)}". Run \`patchbay prompts ${name}\` to list them.`);
    }
    const missing = (prompt.arguments ?? []).filter((a) => a.required && !(a.name in args)).map((a) => a.name);
    if (missing.length > 0) {
      throw new PatchbayError('INVALID_ARGUMENTS', `Prompt "${promptName}" needs ${missing.map((m) => `"${m}"`).join(', ')}. Pass them with --arg name=value.`, {
        details: { missing },
      });
    }
    return this.#track(connector, () => this.#session(actor, connector).getPrompt(promptName, args, ctx));
  }

  /** Completion suggestions for a prompt argument or a resource template variable. */
  async complete(actor: Actor, name: string, params: CompleteRequest['params'], ctx: CallContext = {}): Promise<CompleteResult> {
    const connector = await this.getConnector(actor, name);
    return this.#track(connector, () => this.#session(actor, connector).complete(params, ctx));
  }

  // ---- gateway -------------------------------------------------------------------

  /**
   * Resolves when an approval request may have been asked for or answered (in this process
   * or another one on the same store; at once if one was since `since`), after `ms` at the
   * latest, or when `signal` aborts; then read the request again. Lets a call held for an answer go on as soon as it comes.
   */
  approvalChange(ms: number, signal?: AbortSignal, since?: ApprovalMark): Promise<ApprovalWake> {
    return this.#approvalWatch.next(ms, signal, since);
  }

  /** Where approvals stand now: take it before reading them, and give it to `approvalChange` after, so a change in between is not missed. */
  approvalMark(): ApprovalMark {
    return this.#approvalWatch.mark();
  }

  /** One of the person's approval requests, in whatever state it is; undefined when it is not theirs. */
  async approvalRequest(actor: Actor, approvalId: string): Promise<ApprovalRequest | undefined> {
    const request = await this.#store.approvals.get(approvalId);
    return request && request.userId === actor.userId ? request : undefined;
  }

  // ---- internals -----------------------------------------------------------------

  #session(actor: Actor, connector: Connector): McpSession {
    return this.#sessionFor(actor.userId, connector);
  }

  #sessionFor(userId: string, connector: Connector): McpSession {
    const pooled = this.#pool.find(userId, connector.id, connector.url, connector.transport);
    if (pooled) return pooled;
    return this.#pool.get({
      connectorId: connector.id,
      userId,
      name: connector.name,
      url: connector.url,
      transport: connector.transport,
      lastTransport: connector.server?.transport ?? null,
      credentials: () => this.#credentials.headers(userId, connector.id),
      auth:
        connector.authKind === 'oauth'
          ? this.#signIn.bearerAuth(userId, connector)
          : connector.authKind === 'none'
            ? this.#signIn.challengeRecorder(userId, connector.id)
            : undefined,
    });
  }

  async #findTool(actor: Actor, connector: Connector, toolName: string, ctx: CallContext): Promise<Tool> {
    // Every tool call passes here: when the stored tool list is fresh and has the tool, that one
    // (usually cached) read is all it takes.
    const fresh = !this.#stale.get(staleKey(actor.userId, connector.id))?.has('tools');
    const stored = fresh
      ? await this.#lookups.get(`tools\0${connector.id}\0${actor.userId}`, async () => {
          const entry = await this.#store.catalog.get(connector.id, actor.userId, 'tools');
          return entry ? new Map((entry.items as Tool[]).map((t) => [t.name, t])) : undefined;
        })
      : undefined;
    let tool = stored?.get(toolName);
    if (!tool && !stored) tool = (await this.catalog(actor, connector.name, ctx)).tools.find((t) => t.name === toolName);
    // The server may have added it without saying so: list again before refusing.
    if (!tool) tool = (await this.catalog(actor, connector.name, { ...ctx, refresh: true })).tools.find((t) => t.name === toolName);
    if (!tool) {
      throw new PatchbayError(
        'TOOL_NOT_FOUND',
        `Connector "${connector.name}" has no tool "${truncate(toolName, 80)}". Run \`patchbay tools ${connector.name}\` to list them.`,
        { details: { connector: connector.name, tool: truncate(toolName, 80) } },
      );
    }
    return tool;
  }


  async #fetchCatalog(userId: string, connector: Connector, kinds: CatalogKind[], ctx: CallContext) {
    const session = this.#sessionFor(userId, connector);
    const key = staleKey(userId, connector.id);
    // Connect first (its hook marks everything stale), then clear the marks of what we fetch:
    // a list_changed arriving while we fetch marks its kind again.
    await this.#track(connector, () => session.connect(ctx));
    const stale = this.#stale.get(key);
    for (const kind of kinds) stale?.delete(kind);
    const fetchers: Record<CatalogKind, () => Promise<unknown[]>> = {
      tools: () => session.listTools(ctx),
      resources: () => session.listResources(ctx),
      resourceTemplates: () => session.listResourceTemplates(ctx),
      prompts: () => session.listPrompts(ctx),
    };
    const results = await this.#track(connector, async () => Promise.all(kinds.map((k) => fetchers[k]())));
    const toolsIndex = kinds.indexOf('tools');
    if (toolsIndex >= 0) await this.#policy.reconcile(connector, results[toolsIndex] as Tool[]);
    const fetchedAt = new Date().toISOString();
    const out: Partial<Record<CatalogKind, CatalogEntry>> = {};
    await Promise.all(
      kinds.map(async (kind, i) => {
        const entry: CatalogEntry = { connectorId: connector.id, userId, kind, items: results[i], fetchedAt };
        out[kind] = entry;
        await this.#store.catalog.put(entry);
      }),
    );
    return out;
  }

  /** Runs a remote operation and records a connection failure on the connector (status only). */
  async #track<T>(connector: Connector, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      await this.#recordError(connector, error);
      throw error;
    }
  }

  async #recordError(connector: Connector, error: unknown): Promise<void> {
    if (!(error instanceof PatchbayError)) return;
    if (error.code === 'AUTH_REQUIRED' && connector.authKind === 'oauth' && !error.details?.stepUp) {
      error.message = `Connector "${connector.name}" needs you to sign in. Run \`patchbay login ${connector.name}\` (or use Sign in in the web app).`;
    }
    if (error.code === 'AUTH_REQUIRED' && (connector.authKind === 'headers' || connector.authKind === 'basic')) {
      // Not a sign-in flow: the stored key or password was refused. Say so, not "log in".
      error.message = `Connector "${connector.name}" refused the stored ${connector.authKind === 'basic' ? 'user name and password' : 'credentials'} (HTTP 401). Update them with \`patchbay auth ${connector.name}\` and try again.`;
    }
    // Only failures of the connection itself mark the connector; a tool's own error does not.
    const connectionFailure =
      ['CONNECTOR_UNREACHABLE', 'PROTOCOL_ERROR', 'TIMEOUT', 'RESPONSE_TOO_LARGE'].includes(error.code) ||
      (error.code === 'SERVER_ERROR' && error.details?.httpStatus !== undefined);
    const status = error.code === 'AUTH_REQUIRED' ? 'needs-sign-in' : connectionFailure ? 'error' : null;
    if (!status) return;
    await this.#store.connectors
      .update(connector.id, { status, lastError: { code: error.code, message: error.message, at: new Date().toISOString() } })
      .catch((e) => this.#log.debug('could not record connector error', { connector: connector.name, error: e }));
  }

  #onListChanged(target: SessionTarget, kind: ListKind): void {
    const key = staleKey(target.userId, target.connectorId);
    const set = this.#stale.get(key) ?? new Set<CatalogKind>();
    for (const k of LIST_KIND_TO_CATALOG[kind]) set.add(k);
    this.#stale.set(key, set);
    this.#log.debug('list changed', { connector: target.name, kind });
    // Refresh right away so the stored catalog (and whoever listens) sees the change without waiting for a read.
    if (this.#refreshing.has(key)) return;
    this.#refreshing.add(key);
    void (async () => {
      try {
        for (let rounds = 0; rounds < 5; rounds++) {
          const kinds = [...(this.#stale.get(key) ?? [])];
          if (kinds.length === 0) break;
          const connector = await this.#store.connectors.get(target.connectorId);
          if (!connector) break;
          // Patchbay's own refresh: it does not keep an idle session open.
          await this.#fetchCatalog(target.userId, connector, kinds, { background: true });
          this.#emitCatalogChanged({ userId: target.userId, connectorId: target.connectorId, kinds });
        }
      } catch (error) {
        this.#log.warn('catalog refresh after list_changed failed', { connector: target.name, error });
      } finally {
        this.#refreshing.delete(key);
      }
    })();
  }

  #emitCatalogChanged(change: CatalogChange): void {
    this.#emit(this.#catalogListeners, change);
  }

  #emit<T>(listeners: Set<(event: T) => void>, event: T): void {
    for (const listener of listeners) {
      try {
        listener(event);
      } catch (error) {
        this.#log.warn('hub listener failed', { error });
      }
    }
  }

  #onConnected(target: SessionTarget, facts: SessionFacts): void {
    if (target.connectorId.startsWith('probe:')) return;
    // A (re)connection may follow a server upgrade: everything it offers is re-listed on next use.
    this.#stale.set(staleKey(target.userId, target.connectorId), new Set(CATALOG_KINDS));
    void this.#store.connectors
      .update(target.connectorId, { status: 'connected', lastError: null, server: { ...facts, connectedAt: new Date().toISOString() } })
      .catch((error) => this.#log.debug('could not record connection', { connector: target.name, error }));
  }
}

/** A person's limits as the store counts them. */
function usageLimits(scope: 'tool' | 'connector', limits: UsageLimits | null): UsageLimit[] {
  if (!limits) return [];
  const out: UsageLimit[] = [];
  if (limits.perConversation) out.push({ scope, window: 'conversation', max: limits.perConversation });
  if (limits.perHour) out.push({ scope, window: 'hour', max: limits.perHour });
  if (limits.perDay) out.push({ scope, window: 'day', max: limits.perDay });
  if (limits.concurrent) out.push({ scope, window: 'concurrent', max: limits.concurrent });
  return out;
}

function refusal(code: RefusalCode, connector: string, tool: string): PatchbayError {
  const message = {
    TOOL_DISABLED: `The tool "${tool}" of "${connector}" is disabled. Enable it with \`patchbay tool ${connector} ${tool} --enable\`.`,
    TOOL_BLOCKED: `The tool "${tool}" of "${connector}" is blocked. Change that with \`patchbay tool ${connector} ${tool} --approval ask\` (or allow).`,
    TOOL_DEFINITION_CHANGED: `The server changed the tool "${tool}" of "${connector}" since you reviewed it, so it is suspended. See what changed with \`patchbay review ${connector} ${tool}\` and approve it there.`,
  }[code];
  return new PatchbayError(code, message, { details: { connector, tool } });
}

function connectorNotFound(name: string): PatchbayError {
  return new PatchbayError('CONNECTOR_NOT_FOUND', `No connector named "${truncate(name, 80)}". Run \`patchbay list\` to see your connectors.`, {
    details: { connector: truncate(name, 80) },
  });
}

function validateUri(uri: string): void {
  if (typeof uri !== 'string' || uri.length === 0 || uri.length > 8192) {
    throw new PatchbayError('VALIDATION_FAILED', 'A resource URI must be a non-empty string of at most 8192 characters.');
  }
}

function ownerOf(actor: Actor): Owner {
  return { kind: 'user', id: actor.userId };
}

function staleKey(userId: string, connectorId: string): string {
  return `${userId}\u0000${connectorId}`;
}

function normalizeTags(tags: string[] | undefined): string[] {
  if (!tags) return [];
  const out = new Set<string>();
  for (const tag of tags) {
    const t = String(tag).trim().toLowerCase();
    if (!t) continue;
    if (t.length > 64 || !/^[\p{L}\p{N}][\p{L}\p{N}_.-]*$/u.test(t)) {
      throw new PatchbayError('VALIDATION_FAILED', `Tag "${truncate(t, 80)}" is not valid: use up to 64 letters, digits, ".", "_" or "-".`);
    }
    out.add(t);
  }
  return [...out].sort();
}

function truncate(text: string, max: number): string {
  const s = String(text);
  return s.length > max ? `${s.slice(0, max)}…` : s;
}
