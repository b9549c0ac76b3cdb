import { isJSONRPCRequest, isJSONRPCResultResponse, type JSONRPCMessage, type Server } from '@modelcontextprotocol/server';
import { serveStdio, StdioServerTransport } from '@modelcontextprotocol/server/stdio';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import type { Logger } from '../../core/log.ts';
import type { Hub } from '../../hub/index.ts';
import type { ChangeFeed } from '../../store/index.ts';
import { GatewayPolicy } from './gateway-policy.ts';
import { buildGatewayServer } from './gateway-server.ts';
import { type GatewayScope, GatewayView } from './gateway-view.ts';
import { HeldCalls } from './held-calls.ts';
import { ResourceSubscriptions, type Subscriber } from './gateway-subscriptions.ts';
import { cancelledRequestId } from './gateway-fast-path.ts';
import { toProtocolError } from './json-rpc-errors.ts';
import { MAX_LISTEN_RESOURCES, resourceSubscriptionsOf, tooManyListenResources, withResourceSubscriptions } from './listen-filter.ts';
import { StdioResourceListens } from './stdio-resource-listens.ts';

export interface StdioGateway {
  /** Settles when the client closed stdin (or `close` was called). */
  closed: Promise<void>;
  close(): Promise<void>;
}

export interface InProcessStdioOptions {
  hub: Hub;
  logger: Logger;
  /** The store's change feed (see `GatewayOptions.changes`). */
  changes: ChangeFeed;
  version: string;
  userId: string;
  /**
   * The personal access token the client was configured with, when it was: the gateway then
   * serves as that token (its user, its projects) and checks it before every request, so a
   * revoked token stops working here as it does at `/mcp`. Without one, the local user, everything.
   */
  token?: { id: string; projects: string[] | null; verify(): Promise<unknown> };
  project?: string;
  connector?: string;
  approvalWaitMs: number;
  /** How long a call whose server asked a 2026-07-28 client something is held for the client's retry. */
  inputWaitMs: number;
}

/**
 * The gateway over stdio, served in this process from the store it opened itself:
 * the same server as `/mcp` (both eras), for the local user, through the same door.
 * Resource subscriptions are offered in both eras: `resources/subscribe` on 2025-11-25,
 * `subscriptions/listen` streams naming resources on 2026-07-28.
 */
export async function serveGatewayInProcess(options: InProcessStdioOptions): Promise<StdioGateway> {
  const view = new GatewayView(options.hub, options.logger, options.changes);
  const policy = new GatewayPolicy({ hub: options.hub, view, approvalWaitMs: options.approvalWaitMs });
  const scope: GatewayScope = {
    userId: options.userId,
    tokenId: options.token?.id ?? 'stdio',
    tokenProjects: options.token?.projects ?? null,
    project: options.project,
    connector: options.connector,
  };
  await view.check(scope);
  if (options.project !== undefined && (await view.connectors(scope)).length === 0) {
    options.logger.warn(`No connector is in the project "${options.project.slice(0, 80)}" (yet): the client sees no tools until one is. Run \`patchbay list\` to see the projects.`);
  }
  const held = new HeldCalls({ holdMs: options.inputWaitMs });
  let current: Server | undefined;
  const transport = new StdioServerTransport();
  const closed = Promise.withResolvers<void>();
  const subscriptions = new ResourceSubscriptions(options.hub, view);
  // The client's one connection: its updates go to the server instance now serving it.
  const subscriber: Subscriber = { scope, notify: (uri) => void current?.sendResourceUpdated({ uri }).catch(() => {}) };
  const listens = new StdioResourceListens(subscriptions, subscriber);
  /** The era the connection settled on, and whether its server offers subscriptions (known once the factory ran). */
  let served: { era: 'legacy' | 'modern'; offers: boolean } | undefined;
  const handle = serveStdio(
    async ({ era }) => {
      // resources/subscribe on 2025-11-25; on 2026-07-28 the capability alone, honored on subscriptions/listen streams.
      const offers = await view.offersSubscriptions(scope);
      served = { era, offers };
      current = buildGatewayServer(
        scope,
        {
          hub: options.hub,
          view,
          version: options.version,
          callTool: (s, tool, args, control, asking) => policy.callTool(s, tool, args, control, asking),
          held,
          subscriptions,
        },
        era === 'legacy' ? (offers ? { subscriber } : {}) : { subscribable: offers },
      );
      return current;
    },
    { transport, onerror: (error) => options.logger.debug('stdio gateway error', { error }) },
  );
  // A 2026-07-28 listen naming resources is subscribed at the servers before the SDK's entry serves it
  // (it may come first of all, before the era is settled and the server built).
  const deliver = transport.onmessage;
  const route = (message: JSONRPCMessage) => {
    const uris = served?.era === 'legacy' ? undefined : resourceSubscriptionsOf(message);
    if (!uris || !isJSONRPCRequest(message)) {
      const cancelled = cancelledRequestId(message);
      if (cancelled !== undefined) listens.end(cancelled);
      return deliver?.(message);
    }
    if (uris.length > MAX_LISTEN_RESOURCES) {
      void transport.send({ jsonrpc: '2.0', id: message.id, error: { code: -32602, message: tooManyListenResources(uris.length) } }).catch(() => {});
      return;
    }
    void (async () => {
      if (!(served?.offers ?? (await view.offersSubscriptions(scope)))) return deliver?.(message);
      const honored = await listens.open(message.id, uris);
      if (honored) deliver?.(withResourceSubscriptions(message, honored));
    })().catch((error: unknown) => options.logger.debug('a listen over stdio failed', { error }));
  };
  const { token } = options;
  if (!token) {
    transport.onmessage = route;
  } else {
    // Every request is let in only while the token is live (a cached lookup while the store reports no write), in the order they came.
    let inOrder = Promise.resolve();
    transport.onmessage = (message: JSONRPCMessage) => {
      inOrder = inOrder
        .then(async () => {
          try {
            await token.verify();
          } catch (error) {
            if (isJSONRPCRequest(message)) {
              const refused = toProtocolError(error);
              await transport.send({ jsonrpc: '2.0', id: message.id, error: { code: refused.code, message: refused.message, data: refused.data } }).catch(() => {});
            }
            return;
          }
          route(message);
        })
        // One message's failure is that message's alone: the ones after it still go through.
        .catch((error: unknown) => options.logger.warn('a message over stdio could not be handled', { error }));
    };
  }

  const unsubscribe = options.hub.onCatalogChanged((change) => {
    if (change.userId !== options.userId || !current) return;
    const server = current;
    void (async () => {
      if (change.kinds.includes('tools')) await server.sendToolListChanged();
      if (change.kinds.includes('prompts')) await server.sendPromptListChanged();
      if (change.kinds.includes('resources') || change.kinds.includes('resourceTemplates')) await server.sendResourceListChanged();
    })().catch(() => {});
  });
  process.stdin.once('end', () => closed.resolve());
  process.stdin.once('close', () => closed.resolve());
  return {
    closed: closed.promise,
    async close() {
      unsubscribe();
      held.close();
      // Not waited for: with the server away it could take the request timeout, and closing the hub ends the session anyway.
      void subscriptions.drop(subscriber).finally(() => subscriptions.close());
      await handle.close().catch(() => {});
      closed.resolve();
    },
  };
}

/**
 * The gateway over stdio, relayed to a running Patchbay's `/mcp` with a personal access
 * token: JSON-RPC messages pass through unparsed beyond what routing needs, so the
 * running hub serves everything (its sessions, its policy, its audit).
 */
export async function relayGatewayToHub(options: { url: string; token: string; logger: Logger }): Promise<StdioGateway> {
  const upstream = new StreamableHTTPClientTransport(new URL(options.url), { requestInit: { headers: { authorization: `Bearer ${options.token}` } } });
  const downstream = new StdioServerTransport();
  const closed = Promise.withResolvers<void>();
  const initializing = new Set<string | number>();
  downstream.onmessage = (message: JSONRPCMessage) => {
    if (isJSONRPCRequest(message) && message.method === 'initialize') initializing.add(message.id);
    upstream.send(message).catch((error: unknown) => {
      options.logger.warn('the running Patchbay did not take a message', { error });
      if (isJSONRPCRequest(message)) {
        void downstream
          .send({ jsonrpc: '2.0', id: message.id, error: { code: -32603, message: `Patchbay at ${options.url} could not be reached: ${(error as Error).message}` } })
          .catch(() => {});
      }
    });
  };
  upstream.onmessage = (message: JSONRPCMessage) => {
    // A 2025-11-25 session names its version on every later request (spec: MCP-Protocol-Version header).
    if (isJSONRPCResultResponse(message) && initializing.delete(message.id)) {
      const version = (message.result as { protocolVersion?: unknown }).protocolVersion;
      if (typeof version === 'string') upstream.setProtocolVersion(version);
    }
    void downstream.send(message).catch(() => {});
  };
  upstream.onerror = (error) => options.logger.debug('relay upstream error', { error });
  downstream.onclose = () => closed.resolve();
  await upstream.start();
  await downstream.start();
  return {
    closed: closed.promise,
    async close() {
      await upstream.terminateSession().catch(() => {});
      await upstream.close().catch(() => {});
      await downstream.close().catch(() => {});
      closed.resolve();
    },
  };
}
