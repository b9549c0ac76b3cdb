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
 * One `subscriptions/listen` stream opened through `UserScopedMcpHandler.listen`: events
 * meant for it alone (the resource updates it subscribed to) reach its listeners, and
 * `onEnd` runs once the stream is torn down, however that happens.
 */
export class ListenStream {
  readonly listeners = new Set<Listener>();
  readonly #onEnd: () => void;

  constructor(onEnd: () => void) {
    this.#onEnd = onEnd;
  }

  /** Whether the stream is open (the SDK's router subscribed it and has not torn it down). */
  get open(): boolean {
    return this.listeners.size > 0;
  }

  add(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.#onEnd();
    };
  }
}

interface RequestScope {
  userId: string | undefined;
  stream: ListenStream | undefined;
}

/**
 * A change-event bus whose `subscriptions/listen` streams belong to a user. The SDK's
 * listen router subscribes from inside the request that opened the stream and hands the
 * bus nothing but a listener, so the user is carried in async context: a stream opened
 * inside `runAs(userId, ...)` hears `publishTo(userId, ...)` and broadcasts, and no other
 * user's changes — one person must not learn when another person's lists change. A
 * stream opened with a `ListenStream` also hears `publishToStream` for that stream.
 */
export class UserScopedEventBus implements ServerEventBus {
  readonly #request = new AsyncLocalStorage<RequestScope>();
  readonly #byUser = new Map<string, Set<Listener>>();
  readonly #all = new Set<Listener>();

  /** Runs `fn` (the handling of one request) as `userId` (undefined: no user), for `stream` when it opens one. */
  runAs<T>(userId: string | undefined, fn: () => T, stream?: ListenStream): T {
    return userId === undefined && stream === undefined ? fn() : this.#request.run({ userId, stream }, fn);
  }

  subscribe(listener: Listener): () => void {
    const { userId, stream } = this.#request.getStore() ?? { userId: undefined, stream: undefined };
    // A wrapper, so the same listener function registered twice unsubscribes separately.
    const entry: Listener = (event) => listener(event);
    this.#all.add(entry);
    let own: Set<Listener> | undefined;
    if (userId !== undefined) {
      own = this.#byUser.get(userId) ?? new Set();
      this.#byUser.set(userId, own);
      own.add(entry);
    }
    const leaveStream = stream?.add(entry);
    return () => {
      this.#all.delete(entry);
      if (own && userId !== undefined) {
        own.delete(entry);
        if (own.size === 0 && this.#byUser.get(userId) === own) this.#byUser.delete(userId);
      }
      leaveStream?.();
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

  /** Only `stream`. */
  publishToStream(stream: ListenStream, event: ServerEvent): void {
    deliver(stream.listeners, event);
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
  /** `fetch` for a `subscriptions/listen` request whose stream is `stream` (see `ListenStream`). */
  listen(request: Request, requestOptions: McpHandlerRequestOptions, stream: ListenStream): Promise<Response>;
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
    listen: (request, requestOptions, stream) => bus.runAs(userOf(requestOptions.authInfo), () => handler.fetch(request, requestOptions), stream),
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
