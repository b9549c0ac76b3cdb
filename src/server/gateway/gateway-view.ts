import type { Prompt, Resource, ResourceTemplateType, Tool } from '@modelcontextprotocol/server';
import { PatchbayError } from '../../core/errors.ts';
import type { Logger } from '../../core/log.ts';
import { type Actor, canSubscribe, type Hub, LookupCache, type ModelTool } from '../../hub/index.ts';
import { buildToolNames, TOOL_NAME_PATTERN } from '../../policy/index.ts';
import type { ChangeFeed, Connector } from '../../store/index.ts';

/** What one downstream client may see: the token's grant narrowed by the endpoint's path. */
export interface GatewayScope {
  userId: string;
  /** The id of the token that opened the session (a session belongs to it). */
  tokenId: string;
  /** Projects the token is limited to; null for all. */
  tokenProjects: string[] | null;
  /** `/mcp/p/<project>`. */
  project?: string;
  /** `/mcp/c/<connector>`: one connector, whose names and URIs pass unchanged. */
  connector?: string;
}

/** A name downstream mapped back to its connector. */
export interface Target {
  connector: string;
  name: string;
}

const URI_PREFIX = 'patchbay://';
const MAPPED_URI = /^patchbay:\/\/([a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?)\/(.+)$/s;
/** Per user: the tools last listed, with each endpoint's share of them (filled as endpoints ask). */
interface Directory {
  tools: Map<string, ModelTool>;
  scoped: Map<string, Map<string, ModelTool>>;
}

/**
 * The gateway's view of a person's connectors: every list merged, and each name or URI
 * mapped reversibly to its connector. Tools and prompts take the stable names
 * `<connector>__<name>`; resource URIs become `patchbay://<connector>/<original URI>`
 * (templates too, so a client's expansion maps back). At `/mcp/c/<connector>` names and
 * URIs pass unchanged where they are valid names.
 */
export class GatewayView {
  readonly #hub: Hub;
  readonly #log: Logger;
  /**
   * Per user, the directory calls are resolved with, so a call costs no store read here
   * (the door itself still checks everything that decides). Kept while the store's change
   * feed reports no write — a connector blocked or moved to another project, here or in
   * another process, leaves a token's reach from the next request — and rebuilt when a
   * connector's list changes.
   */
  readonly #directories: LookupCache;
  /**
   * Per user and endpoint, every name a listing ever gave, so a call by the name of a tool
   * that has since been blocked or suspended still reaches the door, which refuses it with
   * its reason (and audits the refusal) rather than the gateway answering "no such tool".
   */
  readonly #known = new Map<string, Map<string, ModelTool>>();

  constructor(hub: Hub, logger: Logger, changes: ChangeFeed) {
    this.#hub = hub;
    this.#log = logger;
    this.#directories = new LookupCache(changes);
    hub.onCatalogChanged((change) => this.#directories.delete(change.userId));
  }

  /** Forgets cached directories (a setting changed, a connector was added). */
  invalidate(userId?: string): void {
    if (userId === undefined) this.#directories.clear();
    else {
      this.#directories.delete(userId);
      this.#directories.delete(`connectors\u0000${userId}`);
    }
  }

  actor(scope: GatewayScope): Actor {
    return { userId: scope.userId, door: 'gateway' };
  }

  /** The connectors this scope reaches; NOT_FOUND when the path names one it may not see. */
  async connectors(scope: GatewayScope): Promise<Connector[]> {
    // Every request of a per-connector endpoint asks this: kept while the store reports no write.
    const all = await this.#directories.get(`connectors\u0000${scope.userId}`, () => this.#hub.listConnectors(this.actor(scope)));
    const allowed = all.filter(
      (c) =>
        (scope.tokenProjects === null || (c.project !== null && scope.tokenProjects.includes(c.project))) &&
        (scope.project === undefined || c.project === scope.project) &&
        (scope.connector === undefined || c.name === scope.connector),
    );
    if (scope.connector !== undefined && allowed.length === 0) {
      throw new PatchbayError('CONNECTOR_NOT_FOUND', `This token reaches no connector named "${scope.connector.slice(0, 80)}". Run \`patchbay list\` to see your connectors.`);
    }
    return allowed;
  }

  /** Whether a connector in reach takes resource subscriptions (as last seen connected). */
  async offersSubscriptions(scope: GatewayScope): Promise<boolean> {
    return (await this.connectors(scope)).some((c) => c.server != null && canSubscribe(c.server));
  }

  /** Checks that the endpoint's path names something the token may reach. */
  async check(scope: GatewayScope): Promise<void> {
    if (scope.project !== undefined && scope.tokenProjects !== null && !scope.tokenProjects.includes(scope.project)) {
      throw new PatchbayError('NOT_FOUND', `This token does not reach the project "${scope.project.slice(0, 80)}".`);
    }
    if (scope.connector !== undefined) await this.connectors(scope);
  }

  async listTools(scope: GatewayScope): Promise<Tool[]> {
    const tools = await this.#scopedTools(scope, true);
    return [...tools.values()].map((t) => t.definition);
  }

  /** The connector and tool behind a name `listTools` gave; TOOL_NOT_FOUND otherwise. */
  async resolveTool(scope: GatewayScope, name: string): Promise<ModelTool> {
    const found = (await this.#scopedTools(scope, false)).get(name) ?? (await this.#scopedTools(scope, true)).get(name) ?? (await this.#formerly(scope, name));
    if (!found) {
      throw new PatchbayError('TOOL_NOT_FOUND', `No tool named "${name.slice(0, 80)}" here (it may be disabled, blocked, suspended, or outside this token's projects). List the tools again.`);
    }
    return found;
  }

  async listResources(scope: GatewayScope): Promise<Resource[]> {
    const out: Resource[] = [];
    for (const { connector, catalog } of await this.#catalogs(scope)) {
      for (const r of catalog.resources) out.push({ ...r, uri: this.#mapUri(scope, connector.name, r.uri) });
    }
    return out;
  }

  async listResourceTemplates(scope: GatewayScope): Promise<ResourceTemplateType[]> {
    const out: ResourceTemplateType[] = [];
    for (const { connector, catalog } of await this.#catalogs(scope)) {
      for (const t of catalog.resourceTemplates) out.push({ ...t, uriTemplate: this.#mapUri(scope, connector.name, t.uriTemplate) });
    }
    return out;
  }

  /** The connector and original URI behind a URI (or template) the gateway gave. */
  async resolveUri(scope: GatewayScope, uri: string): Promise<Target> {
    if (scope.connector !== undefined) return { connector: scope.connector, name: uri };
    const match = MAPPED_URI.exec(uri);
    const allowed = match ? (await this.connectors(scope)).some((c) => c.name === match[1]) : false;
    if (!match || !allowed) {
      throw new PatchbayError('RESOURCE_NOT_FOUND', `No resource "${uri.slice(0, 200)}" here: resource URIs of the gateway look like ${URI_PREFIX}<connector>/<URI>. List the resources again.`, {
        details: { uri: uri.slice(0, 200) },
      });
    }
    return { connector: match[1], name: match[2] };
  }

  /** The URI a connector's resource has downstream (for links inside results). */
  mapUri(scope: GatewayScope, connector: string, uri: string): string {
    return this.#mapUri(scope, connector, uri);
  }

  async listPrompts(scope: GatewayScope): Promise<Prompt[]> {
    const { prompts } = await this.#prompts(scope);
    return prompts.map(({ name, prompt }) => ({ ...prompt, name }));
  }

  async resolvePrompt(scope: GatewayScope, name: string): Promise<Target> {
    const found = (await this.#prompts(scope)).byName.get(name);
    if (!found) throw new PatchbayError('PROMPT_NOT_FOUND', `No prompt named "${name.slice(0, 80)}" here. List the prompts again.`);
    return found;
  }

  /** A tool this endpoint once listed under `name`, if its connector is still within the scope's reach. */
  async #formerly(scope: GatewayScope, name: string): Promise<ModelTool | undefined> {
    const tool = this.#known.get(this.#scopeKey(scope))?.get(name);
    if (!tool) return undefined;
    return (await this.connectors(scope)).some((c) => c.name === tool.connector) ? tool : undefined;
  }

  #scopeKey(scope: GatewayScope): string {
    return `${scope.userId}\u0002${scope.tokenProjects?.join('\u0000') ?? '*'}\u0001${scope.project ?? ''}\u0001${scope.connector ?? ''}`;
  }

  #mapUri(scope: GatewayScope, connector: string, uri: string): string {
    return scope.connector !== undefined ? uri : `${URI_PREFIX}${connector}/${uri}`;
  }

  async #scopedTools(scope: GatewayScope, fresh: boolean): Promise<Map<string, ModelTool>> {
    const actor = this.actor(scope);
    if (fresh) this.#directories.delete(scope.userId);
    const directory = await this.#directories.get<Directory>(scope.userId, async () => {
      // Names come from the person's whole set, so a tool keeps its name at every endpoint.
      const tools = await this.#hub.modelTools(actor);
      return { tools: new Map(tools.map((t) => [t.name, t])), scoped: new Map() };
    });
    const key = this.#scopeKey(scope);
    const known = directory.scoped.get(key);
    if (known) return known;
    const allowed = new Set((await this.connectors(scope)).map((c) => c.name));
    const out = new Map<string, ModelTool>();
    for (const tool of directory.tools.values()) {
      if (!allowed.has(tool.connector)) continue;
      // One connector: its own names, when they are valid names (they then hold no hidden characters).
      const name = scope.connector !== undefined && TOOL_NAME_PATTERN.test(tool.toolName) ? tool.toolName : tool.name;
      out.set(name, name === tool.name ? tool : { ...tool, name, definition: { ...tool.definition, name } });
    }
    directory.scoped.set(key, out);
    let names = this.#known.get(key);
    if (!names || names.size > 10_000) {
      if (this.#known.size > 10_000) this.#known.clear();
      names = new Map();
      this.#known.set(key, names);
    }
    for (const [name, tool] of out) names.set(name, tool);
    return out;
  }

  async #catalogs(scope: GatewayScope) {
    const actor = this.actor(scope);
    const out = [];
    for (const connector of await this.connectors(scope)) {
      if (connector.status === 'needs-sign-in') continue;
      try {
        out.push({ connector, catalog: await this.#hub.catalog(actor, connector.name) });
      } catch (error) {
        this.#log.warn('a connector could not list what it offers', { connector: connector.name, error });
      }
    }
    return out;
  }

  async #prompts(scope: GatewayScope): Promise<{ prompts: Array<{ name: string; prompt: Prompt }>; byName: Map<string, Target> }> {
    const entries: Array<{ connector: Connector; prompt: Prompt }> = [];
    for (const { connector, catalog } of await this.#catalogs(scope)) for (const prompt of catalog.prompts) entries.push({ connector, prompt });
    const names = buildToolNames(entries.map(({ connector, prompt }) => ({ connectorId: connector.id, connectorName: connector.name, toolName: prompt.name })));
    const prompts = entries.map(({ connector, prompt }) => ({
      name: scope.connector !== undefined && TOOL_NAME_PATTERN.test(prompt.name) ? prompt.name : names.nameFor(connector.id, prompt.name),
      connector: connector.name,
      prompt,
    }));
    return { prompts, byName: new Map(prompts.map((p) => [p.name, { connector: p.connector, name: p.prompt.name }])) };
  }
}
