import type { CallToolResult, ClientCapabilities, ContentBlock, InputRequiredResult, ReadResourceResult, ServerContext } from '@modelcontextprotocol/server';
import { CLIENT_CAPABILITIES_META_KEY, isInputRequiredResult, ProtocolError, SERVER_INFO_META_KEY, Server } from '@modelcontextprotocol/server';
import { PatchbayError, toPatchbayError } from '../../core/errors.ts';
import { canonicalJson, type Hub, type ModelTool, type ToolCallContext } from '../../hub/index.ts';
import { cleanToolResult } from '../../policy/index.ts';
import { answersApproval, type CallAsking, askingOf } from './gateway-policy.ts';
import type { GatewayScope, GatewayView } from './gateway-view.ts';
import type { ResourceSubscriptions, Subscriber } from './gateway-subscriptions.ts';
import type { HeldCalls } from './held-calls.ts';
import { isToolResultError, toProtocolError } from './json-rpc-errors.ts';

export interface GatewayServerOptions {
  hub: Hub;
  view: GatewayView;
  version: string;
  /**
   * Runs a tool call through the hub's door, applying what the gateway does at Ask
   * (elicitation or a pending approval). Given the request's own context.
   */
  callTool(scope: GatewayScope, tool: ModelTool, args: Record<string, unknown>, control: ToolCallContext, asking: CallAsking): Promise<CallToolResult | InputRequiredResult>;
  /** Where calls are held while a 2026-07-28 client answers what their server asked; without it such questions are declined or refused. */
  held?: HeldCalls;
  /** Where resource subscriptions are relayed: 2025-11-25 sessions given a subscriber, and 2026-07-28 listen streams. */
  subscriptions?: ResourceSubscriptions;
}

const INSTRUCTIONS =
  'Patchbay gateway: the tools, resources and prompts of the connectors you set up in Patchbay, named <connector>__<name>. ' +
  'Calls follow your permissions in Patchbay; a tool at Ask waits for your approval (`patchbay approvals` or the web app).';

/** Who the gateway says it is, to every client. */
export function gatewayServerInfo(version: string): { name: string; title: string; version: string } {
  return { name: 'patchbay', title: 'Patchbay gateway', version };
}

/**
 * One MCP server (the SDK's low-level `Server`: no schema is compiled per call) for one
 * downstream session or one stateless request, serving what `scope` may see. With a
 * `subscriber` (a 2025-11-25 session whose reach takes subscriptions) it offers
 * `resources/subscribe`; `subscribable` declares the capability without the methods (a
 * 2026-07-28 request, which subscribes on a `subscriptions/listen` stream).
 */
export function buildGatewayServer(
  scope: GatewayScope,
  options: GatewayServerOptions,
  { subscriber, subscribable = subscriber !== undefined }: { subscriber?: Subscriber; subscribable?: boolean } = {},
): Server {
  const { hub, view } = options;
  const actor = view.actor(scope);
  const server = new Server(
    gatewayServerInfo(options.version),
    {
      // logging: 2025 clients may set a level; the gateway itself sends no log messages.
      capabilities: { tools: { listChanged: true }, resources: { listChanged: true, ...(subscribable ? { subscribe: true } : {}) }, prompts: { listChanged: true }, completions: {}, logging: {} },
      instructions: INSTRUCTIONS,
    },
  );
  const control = (ctx: ServerContext): ToolCallContext => {
    const token = ctx.mcpReq._meta?.progressToken;
    return {
      signal: ctx.mcpReq.signal,
      // A server's question during the call goes to the person in their client, when it can ask.
      // These are for 2025 sessions; a 2026-07-28 request gets its own from held calls (see relay).
      onElicitation: server.getClientCapabilities()?.elicitation
        ? async (params) => {
            try {
              return await ctx.mcpReq.elicitInput(params);
            } catch {
              return { action: 'decline' as const };
            }
          }
        : undefined,
      // A server's sampling request goes to the client's own model, when it has one (2025 sessions here;
      // a 2026-07-28 request, which has an envelope, through held calls).
      onSampling: server.getClientCapabilities()?.sampling && !ctx.mcpReq.envelope ? (params) => ctx.mcpReq.requestSampling(params) : undefined,
      onProgress:
        token === undefined
          ? undefined
          : (p: { progress: number; total?: number; message?: string }) =>
              void ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken: token, progress: p.progress, total: p.total, message: p.message } }).catch(() => {}),
      // The server's log lines about the call go to the client at the level it asked for (the SDK filters them).
      onLog: (line) => void ctx.mcpReq.log(line.level, line.data, line.logger).catch(() => {}),
    };
  };
  /**
   * Runs a call (tools/call, prompts/get, resources/read). On a 2026-07-28 request, what the
   * server asks during it reaches the client as an input-required result and the call is held
   * for the retry; a retry carrying a held call's requestState resumes it. `request` names the
   * request (method, name, arguments) a retry must repeat; built only on that path.
   */
  const relay = <T>(ctx: ServerContext, request: () => string, run: (control: ToolCallContext) => Promise<T>): Promise<T | InputRequiredResult> => {
    const { held } = options;
    const envelope = ctx.mcpReq.envelope;
    if (!held || !envelope) return run(control(ctx));
    const state = ctx.mcpReq.requestState();
    const capabilities = (envelope as Record<string, unknown>)[CLIENT_CAPABILITIES_META_KEY] as ClientCapabilities | undefined;
    // A client that can be asked nothing needs nothing held: the server's questions are declined or refused.
    if (state === undefined && !capabilities?.elicitation && !capabilities?.sampling) return run(control(ctx));
    const asked = {
      owner: `${scope.userId}\u0000${scope.tokenId}\u0000${scope.project ?? ''}\u0000${scope.connector ?? ''}`,
      request: request(),
      capabilities,
      state: typeof state === 'string' ? state : undefined,
      responses: ctx.mcpReq.inputResponses,
      signal: ctx.mcpReq.signal,
      onProgress: control(ctx).onProgress,
    };
    // A requestState the gateway gave for an approval at Ask comes back with its answer (the policy checks it); any other names a held call.
    if (asked.state !== undefined && !answersApproval(asked.responses)) return held.resume(asked) as Promise<T | InputRequiredResult>;
    return held.start(asked, (heldControl) => run({ ...control(ctx), ...heldControl }));
  };
  const guard = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw toProtocolError(error);
    }
  };

  server.setRequestHandler('tools/list', () => guard(async () => ({ tools: await view.listTools(scope) })));
  server.setRequestHandler('tools/call', (request, ctx) => {
    const { name, arguments: args = {} } = request.params;
    return guard(() => relay(ctx, () => `tools/call\u0000${name}\u0000${canonicalJson(args)}`, (c) => callGatewayTool(options, scope, name, args, c, askingOf(server, ctx))));
  });
  server.setRequestHandler('resources/list', () => guard(async () => ({ resources: await view.listResources(scope) })));
  server.setRequestHandler('resources/templates/list', () => guard(async () => ({ resourceTemplates: await view.listResourceTemplates(scope) })));
  server.setRequestHandler('resources/read', async (request, ctx) => {
    try {
      const target = await view.resolveUri(scope, request.params.uri);
      return await relay(ctx, () => `resources/read\u0000${request.params.uri}`, async (c) => {
        const result: ReadResourceResult = await hub.readResource(actor, target.connector, target.name, c);
        return { ...result, contents: result.contents.map((content) => ({ ...content, uri: view.mapUri(scope, target.connector, content.uri) })) };
      });
    } catch (error) {
      // spec (resources, SEP-2164): a missing resource is Invalid Params whose data names the URI asked for
      const err = toProtocolError(error);
      throw new ProtocolError(err.code, err.message, { ...(err.data as object), uri: request.params.uri });
    }
  });
  const { subscriptions } = options;
  if (subscriber && subscriptions) {
    server.setRequestHandler('resources/subscribe', (request) =>
      guard(async () => {
        await subscriptions.subscribe(subscriber, request.params.uri);
        return {};
      }),
    );
    server.setRequestHandler('resources/unsubscribe', (request) =>
      guard(async () => {
        await subscriptions.unsubscribe(subscriber, request.params.uri);
        return {};
      }),
    );
  }
  server.setRequestHandler('prompts/list', () => guard(async () => ({ prompts: await view.listPrompts(scope) })));
  server.setRequestHandler('prompts/get', (request, ctx) =>
    guard(async () => {
      const target = await view.resolvePrompt(scope, request.params.name);
      const args = (request.params.arguments ?? {}) as Record<string, string>;
      return relay(ctx, () => `prompts/get\u0000${request.params.name}\u0000${canonicalJson(args)}`, (c) => hub.getPrompt(actor, target.connector, target.name, args, c));
    }),
  );
  server.setRequestHandler('completion/complete', (request, ctx) =>
    guard(async () => {
      const { ref } = request.params;
      if (ref.type === 'ref/prompt') {
        const target = await view.resolvePrompt(scope, ref.name);
        return hub.complete(actor, target.connector, { ...request.params, ref: { ...ref, name: target.name } }, control(ctx));
      }
      if (ref.type === 'ref/resource') {
        const target = await view.resolveUri(scope, ref.uri);
        return hub.complete(actor, target.connector, { ...request.params, ref: { ...ref, uri: target.name } }, control(ctx));
      }
      throw new PatchbayError('VALIDATION_FAILED', 'A completion reference must be ref/prompt or ref/resource.');
    }),
  );
  return server;
}

/**
 * A tools/call as the gateway answers it, on the SDK's path and on the fast path alike:
 * the name mapped back to its connector, the call through the door, links in the result
 * mapped, and a refusal the model should read given as a tool result with `isError`.
 * Other failures are thrown (the caller maps them to JSON-RPC errors).
 */
export async function callGatewayTool(
  options: Pick<GatewayServerOptions, 'view' | 'callTool'>,
  scope: GatewayScope,
  name: string,
  args: Record<string, unknown>,
  control: ToolCallContext,
  asking: CallAsking,
  /** The tool, when the caller has found it already. */
  resolved?: ModelTool,
): Promise<CallToolResult | InputRequiredResult> {
  const { view } = options;
  const tool = resolved ?? (await view.resolveTool(scope, name));
  try {
    const result = await options.callTool(scope, tool, args, control, asking);
    if (isInputRequiredResult(result)) return result;
    // The client hands results to its model: hidden characters go, as in Patchbay's own chat.
    const { _meta: meta, ...clean } = cleanToolResult(result);
    return { ...clean, content: mapContent(clean.content, (uri) => view.mapUri(scope, tool.connector, uri)), ...withoutServerInfo(meta) };
  } catch (error) {
    const err = toPatchbayError(error);
    if (!isToolResultError(err)) throw err;
    return { content: [{ type: 'text' as const, text: err.message }], isError: true, _meta: { 'dev.patchbay/error': err.toJSON() } };
  }
}

/**
 * The result's `_meta` without the upstream server's name for itself (2026-07-28 results
 * carry one): the client talks to the gateway, which names itself.
 */
function withoutServerInfo(meta: Record<string, unknown> | undefined): { _meta?: Record<string, unknown> } {
  if (!meta || !(SERVER_INFO_META_KEY in meta)) return meta ? { _meta: meta } : {};
  const { [SERVER_INFO_META_KEY]: _upstream, ...rest } = meta;
  return Object.keys(rest).length > 0 ? { _meta: rest } : {};
}

/** Resource links and embedded resources in a result get the URIs the gateway gives. */
function mapContent(content: ContentBlock[] | undefined, map: (uri: string) => string): ContentBlock[] {
  if (!Array.isArray(content)) return [];
  return content.map((block) => {
    if (block.type === 'resource_link') return { ...block, uri: map(block.uri) };
    if (block.type === 'resource') return { ...block, resource: { ...block.resource, uri: map(block.resource.uri) } };
    return block;
  });
}
