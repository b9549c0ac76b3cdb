import { KeyCounts } from '../../core/key-counts.ts';
import { oneAfter } from '../../core/one-at-a-time.ts';
import type { ResourceSubscriptions, Subscriber } from './gateway-subscriptions.ts';

/**
 * A 2026-07-28 client's `subscriptions/listen` streams naming resources, over stdio. The
 * SDK's stdio entry serves the listen itself and hands each resource update the server
 * sends to the streams that were acknowledged for its URI; what it cannot do is subscribe
 * at the connectors' servers. So before the SDK sees a listen, each URI is subscribed
 * there, and the SDK is handed the listen naming only the URIs that could be. The
 * connection has one subscriber, whatever the number of streams: a URI is subscribed
 * while any stream holds it, and an update is sent once (the SDK passes it to every
 * stream holding its URI). Openings and endings run one at a time.
 */
export class StdioResourceListens {
  readonly #subscriptions: ResourceSubscriptions;
  readonly #subscriber: Subscriber;
  /** Per URI, how many streams hold it. */
  readonly #held = new KeyCounts<string>();
  /** Per listen request id, the URIs its stream holds. */
  readonly #streams = new Map<string | number, string[]>();
  /** Listens still opening, and those of them the client cancelled meanwhile. */
  readonly #opening = new Set<string | number>();
  readonly #cancelled = new Set<string | number>();
  #tail: Promise<void> | undefined;

  constructor(subscriptions: ResourceSubscriptions, subscriber: Subscriber) {
    this.#subscriptions = subscriptions;
    this.#subscriber = subscriber;
  }

  /**
   * Subscribes what the listen `id` names; resolves to the URIs it may be acknowledged for
   * (those subscribed), or undefined when the client cancelled it while it opened (then it
   * holds nothing, and should not reach the SDK).
   */
  open(id: string | number, uris: string[]): Promise<string[] | undefined> {
    this.#opening.add(id);
    return this.#oneAtATime(async () => {
      const honored: string[] = [];
      for (const uri of uris) {
        if (this.#held.get(uri) === 0) {
          try {
            await this.#subscriptions.subscribe(this.#subscriber, uri);
          } catch {
            // Not a resource here, not subscribable, or over the person's limit: left out of the acknowledgment.
            continue;
          }
        }
        this.#held.add(uri);
        honored.push(uri);
      }
      this.#opening.delete(id);
      if (this.#cancelled.delete(id)) {
        await this.#release(honored);
        return undefined;
      }
      this.#streams.set(id, honored);
      return honored;
    });
  }

  /** The client cancelled the listen `id` (or any request of that id): its stream's URIs are let go. */
  end(id: string | number): void {
    if (this.#opening.has(id)) {
      this.#cancelled.add(id);
      return;
    }
    const uris = this.#streams.get(id);
    if (!uris) return;
    this.#streams.delete(id);
    void this.#oneAtATime(() => this.#release(uris));
  }

  async #release(uris: string[]): Promise<void> {
    for (const uri of uris) {
      if (this.#held.remove(uri) === 0) await this.#subscriptions.unsubscribe(this.#subscriber, uri).catch(() => {});
    }
  }

  #oneAtATime<T>(task: () => Promise<T>): Promise<T> {
    const { result, tail } = oneAfter(this.#tail, task);
    this.#tail = tail;
    return result;
  }
}
