import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type AuthInfo,
  type CreateMcpHandlerOptions,
  createMcpHandler,
  type McpHandlerRequestOptions,
  type McpHttpHandler,
  type McpServerFactory,
  type ServerEvent,
  type ServerEventBus,
} from '@modelcontextprotocol/server';
import type { CatalogChange } from '../../hub/index.ts';

type Listener = (event: ServerEvent) => void;

/**
 * A change-event bus whose `subscriptions/listen` streams belong to a user. The SDK's
 * listen router subscribes from inside the request that opened the stream and hands the
 * bus nothing but a listener, so the user is carried in async context: a stream opened
 * inside `runAs(userId, ...)` hears `publishTo(userId, ...)` and broadcasts, and no other
 * user's changes — one person must not learn when another person's lists change.
 */
export class UserScopedEventBus implements ServerEventBus {
  readonly #user = new AsyncLocalStorage<string>();
  readonly #byUser = new Map<string, Set<Listener>>();
  readonly #all = new Set<Listener>();

  /** Runs `fn` (the handling of one request) as `userId`; undefined means no user. */
  runAs<T>(userId: string | undefined, fn: () => T): T {
    return userId === undefined ? fn() : this.#user.run(userId, fn);
  }

  subscribe(listener: Listener): () => void {
    const userId = this.#user.getStore();
    // A wrapper, so the same listener function registered twice unsubscribes separately.
    const entry: Listener = (event) => listener(event);
    this.#all.add(entry);
    let own: Set<Listener> | undefined;
    if (userId !== undefined) {
      own = this.#byUser.get(userId) ?? new Set();
      this.#byUser.set(userId, own);
      own.add(entry);
    }
    return () => {
      this.#all.delete(entry);
      if (own && userId !== undefined) {
        own.delete(entry);
        if (own.size === 0 && this.#byUser.get(userId) === own) this.#byUser.delete(userId);
      }
    };
  }

  /** Every open stream, whoever opened it: for changes that concern everyone. */
  publish(event: ServerEvent): void {
    deliver(this.#all, event);
  }

  /** Only the streams `userId` opened. */
  publishTo(userId: string, event: ServerEvent): void {
    const own = this.#byUser.get(userId);
    if (own) deliver(own, event);
  }

  /** Open streams, for tests and introspection. */
  listenerCount(userId?: string): number {
    return userId === undefined ? this.#all.size : (this.#byUser.get(userId)?.size ?? 0);
  }
}

function deliver(listeners: ReadonlySet<Listener>, event: ServerEvent): void {
  for (const listener of [...listeners]) {
    try {
      listener(event);
    } catch {
      // One broken stream must not keep the notification from the others.
    }
  }
}

export interface UserScopedMcpHandler extends McpHttpHandler {
  bus: UserScopedEventBus;
  /** Tells the streams of the catalog's owner which of their lists changed; nobody else hears it. */
  notifyCatalogChanged(change: Pick<CatalogChange, 'userId' | 'kinds'>): void;
}

export interface UserScopedMcpHandlerOptions extends Omit<CreateMcpHandlerOptions, 'bus'> {
  /** Whose request this is, from the `authInfo` the caller passes to `fetch`. */
  userOf: (authInfo: AuthInfo | undefined) => string | undefined;
}

/**
 * `createMcpHandler` for 2026-07-28 (stateless) requests whose list_changed notifications
 * go only to the user whose catalog changed. Drop-in for the SDK's handler: `fetch` takes
 * the same arguments; `notify` still broadcasts to everyone.
 */
export function createUserScopedMcpHandler(factory: McpServerFactory, options: UserScopedMcpHandlerOptions): UserScopedMcpHandler {
  const { userOf, ...rest } = options;
  const bus = new UserScopedEventBus();
  const handler = createMcpHandler(factory, { ...rest, bus });
  return {
    fetch: (request: Request, requestOptions?: McpHandlerRequestOptions) => bus.runAs(userOf(requestOptions?.authInfo), () => handler.fetch(request, requestOptions)),
    close: () => handler.close(),
    notify: handler.notify,
    bus,
    notifyCatalogChanged(change) {
      if (change.kinds.includes('tools')) bus.publishTo(change.userId, { kind: 'tools_list_changed' });
      if (change.kinds.includes('prompts')) bus.publishTo(change.userId, { kind: 'prompts_list_changed' });
      if (change.kinds.includes('resources') || change.kinds.includes('resourceTemplates')) bus.publishTo(change.userId, { kind: 'resources_list_changed' });
    },
  };
}
