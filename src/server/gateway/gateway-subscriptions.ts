import { PatchbayError } from '../../core/errors.ts';
import { KeyCounts } from '../../core/key-counts.ts';
import { oneAfter } from '../../core/one-at-a-time.ts';
import type { Hub, ResourceUpdate } from '../../hub/index.ts';
import type { GatewayScope, GatewayView } from './gateway-view.ts';

/** A downstream session's or listen stream's side of its subscriptions: whose they are, and where updates go. */
export interface Subscriber {
  scope: GatewayScope;
  /** Tells the client its resource changed, under the URI it subscribed with. */
  notify(uri: string): void;
}

/**
 * Resource subscriptions of gateway clients (2025-11-25 sessions, 2026-07-28 listen
 * streams), relayed to the connectors' servers: one upstream subscription per (person,
 * connector, resource) however many subscribers asked, dropped when the last of them
 * unsubscribes or ends. An update goes to exactly the subscribers of that resource, with
 * the URI each of them used. Changes to one resource's subscription run one at a time, so
 * a subscriber arriving while the last one leaves subscribes again after the server
 * subscription ended, not before.
 */
export class ResourceSubscriptions {
  readonly #hub: Hub;
  readonly #view: GatewayView;
  /** Per upstream resource: its subscribers, each with the URI it subscribed with. */
  readonly #byResource = new Map<string, { connector: string; uri: string; userId: string; subscribers: Map<Subscriber, string> }>();
  /** Per person, the resources subscribed at their servers (or being subscribed). */
  readonly #perUser = new KeyCounts<string>();
  readonly #stopListening: () => void;
  /** Per resource, the change to its subscription running now (and those queued behind it). */
  readonly #changing = new Map<string, Promise<void>>();
  /** Per subscriber, its subscriptions still being made (from before their URI is resolved). */
  readonly #making = new Map<Subscriber, Set<Promise<void>>>();

  constructor(hub: Hub, view: GatewayView) {
    this.#hub = hub;
    this.#view = view;
    this.#stopListening = hub.onResourceUpdated((update: ResourceUpdate) => {
      for (const [subscriber, uri] of this.#byResource.get(keyOf(update.userId, update.connector, update.uri))?.subscribers ?? []) subscriber.notify(uri);
    });
  }

  subscribe(subscriber: Subscriber, uri: string): Promise<void> {
    const making = (async () => {
      const { scope } = subscriber;
      const target = await this.#view.resolveUri(scope, uri);
      const key = keyOf(scope.userId, target.connector, target.name);
      await this.#oneAtATime(key, async () => {
        if (!this.#byResource.has(key)) {
          // Counted when the server subscription is asked for, so subscriptions being made at once count too.
          if (this.#perUser.get(scope.userId) >= MAX_RESOURCES_PER_USER) {
            throw new PatchbayError(
              'USAGE_LIMIT_EXCEEDED',
              `Too many resource subscriptions: at most ${MAX_RESOURCES_PER_USER} resources may be subscribed to at once for one person. Unsubscribe from some (or end sessions and listen streams you no longer use), then subscribe again.`,
              { details: { limit: MAX_RESOURCES_PER_USER } },
            );
          }
          this.#perUser.add(scope.userId);
          try {
            await this.#hub.subscribeResource(this.#view.actor(scope), target.connector, target.name);
          } catch (error) {
            this.#perUser.remove(scope.userId);
            throw error;
          }
        }
        const resource = this.#byResource.get(key) ?? { connector: target.connector, uri: target.name, userId: scope.userId, subscribers: new Map<Subscriber, string>() };
        this.#byResource.set(key, resource);
        resource.subscribers.set(subscriber, uri);
      });
    })();
    const own = this.#making.get(subscriber) ?? new Set();
    this.#making.set(subscriber, own);
    own.add(making);
    void making
      .catch(() => {})
      .then(() => {
        own.delete(making);
        if (own.size === 0 && this.#making.get(subscriber) === own) this.#making.delete(subscriber);
      });
    return making;
  }

  async unsubscribe(subscriber: Subscriber, uri: string): Promise<void> {
    let target: { connector: string; name: string };
    try {
      target = await this.#view.resolveUri(subscriber.scope, uri);
    } catch (error) {
      // The connector was removed (or renamed) since: the subscription is found by the URI this subscriber used,
      // and ends here; its server, gone with the connector, is not asked.
      const key = [...this.#byResource].find(([, resource]) => resource.subscribers.get(subscriber) === uri)?.[0];
      if (key === undefined) throw error;
      await this.#leave(subscriber, key).catch(() => {});
      return;
    }
    await this.#leave(subscriber, keyOf(subscriber.scope.userId, target.connector, target.name));
  }

  /** A session closed, or a listen stream ended: its subscriptions end. */
  async drop(subscriber: Subscriber): Promise<void> {
    // A subscription still being made when its subscriber ended is let finish, then ended too.
    await Promise.allSettled([...(this.#making.get(subscriber) ?? [])]);
    const keys = [...this.#byResource].filter(([, resource]) => resource.subscribers.has(subscriber)).map(([key]) => key);
    await Promise.all(keys.map((key) => this.#leave(subscriber, key).catch(() => {})));
  }

  close(): void {
    this.#stopListening();
    this.#byResource.clear();
    this.#perUser.clear();
  }

  #leave(subscriber: Subscriber, key: string): Promise<void> {
    return this.#oneAtATime(key, async () => {
      const resource = this.#byResource.get(key);
      if (!resource?.subscribers.delete(subscriber) || resource.subscribers.size > 0) return;
      this.#byResource.delete(key);
      this.#perUser.remove(resource.userId);
      await this.#hub.unsubscribeResource(this.#view.actor(subscriber.scope), resource.connector, resource.uri);
    });
  }

  /** Runs `change` after every change to the same resource's subscription queued before it. */
  #oneAtATime(key: string, change: () => Promise<void>): Promise<void> {
    const { result, tail } = oneAfter(this.#changing.get(key), change);
    this.#changing.set(key, tail);
    void tail.then(() => {
      if (this.#changing.get(key) === tail) this.#changing.delete(key);
    });
    return result;
  }
}

/**
 * Resources one person may be subscribed to at their servers at once, through all their
 * sessions and listen streams: each is a subscription the server keeps and an entry here.
 */
const MAX_RESOURCES_PER_USER = 1000;

function keyOf(userId: string, connector: string, uri: string): string {
  return `${userId}\u0000${connector}\u0000${uri}`;
}
