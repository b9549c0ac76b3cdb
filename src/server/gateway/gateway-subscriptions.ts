import type { Hub, ResourceUpdate } from '../../hub/index.ts';
import type { GatewayScope, GatewayView } from './gateway-view.ts';

/** A downstream session's side of its subscriptions: whose they are, and where updates go. */
export interface Subscriber {
  scope: GatewayScope;
  /** Tells the client its resource changed, under the URI it subscribed with. */
  notify(uri: string): void;
}

/**
 * Resource subscriptions of 2025-11-25 gateway sessions, relayed to the connectors' servers:
 * one upstream subscription per (person, connector, resource) however many sessions asked,
 * dropped when the last of them unsubscribes or closes. An update goes to exactly the
 * sessions that subscribed to that resource, with the URI each of them used.
 */
export class ResourceSubscriptions {
  readonly #hub: Hub;
  readonly #view: GatewayView;
  /** Per upstream resource: the sessions subscribed, each with the URI it subscribed with. */
  readonly #byResource = new Map<string, { connector: string; uri: string; subscribers: Map<Subscriber, string> }>();
  readonly #stopListening: () => void;

  constructor(hub: Hub, view: GatewayView) {
    this.#hub = hub;
    this.#view = view;
    this.#stopListening = hub.onResourceUpdated((update: ResourceUpdate) => {
      for (const [subscriber, uri] of this.#byResource.get(keyOf(update.userId, update.connector, update.uri))?.subscribers ?? []) subscriber.notify(uri);
    });
  }

  async subscribe(subscriber: Subscriber, uri: string): Promise<void> {
    const { scope } = subscriber;
    const target = await this.#view.resolveUri(scope, uri);
    const key = keyOf(scope.userId, target.connector, target.name);
    if (!this.#byResource.has(key)) await this.#hub.subscribeResource(this.#view.actor(scope), target.connector, target.name);
    const resource = this.#byResource.get(key) ?? { connector: target.connector, uri: target.name, subscribers: new Map<Subscriber, string>() };
    this.#byResource.set(key, resource);
    resource.subscribers.set(subscriber, uri);
  }

  async unsubscribe(subscriber: Subscriber, uri: string): Promise<void> {
    const target = await this.#view.resolveUri(subscriber.scope, uri);
    await this.#leave(subscriber, keyOf(subscriber.scope.userId, target.connector, target.name));
  }

  /** A session closed: its subscriptions end. */
  async drop(subscriber: Subscriber): Promise<void> {
    const keys = [...this.#byResource].filter(([, resource]) => resource.subscribers.has(subscriber)).map(([key]) => key);
    await Promise.all(keys.map((key) => this.#leave(subscriber, key).catch(() => {})));
  }

  close(): void {
    this.#stopListening();
    this.#byResource.clear();
  }

  async #leave(subscriber: Subscriber, key: string): Promise<void> {
    const resource = this.#byResource.get(key);
    if (!resource?.subscribers.delete(subscriber) || resource.subscribers.size > 0) return;
    this.#byResource.delete(key);
    await this.#hub.unsubscribeResource(this.#view.actor(subscriber.scope), resource.connector, resource.uri);
  }
}

function keyOf(userId: string, connector: string, uri: string): string {
  return `${userId}\u0000${connector}\u0000${uri}`;
}
