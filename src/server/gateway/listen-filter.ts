/** Resources one 2026-07-28 listen stream may subscribe to: each is a subscription at its server. */
export const MAX_LISTEN_RESOURCES = 100;

/** What a client is told when one listen names more resources than that. */
export function tooManyListenResources(count: number): string {
  return `Invalid params: at most ${MAX_LISTEN_RESOURCES} resourceSubscriptions per subscriptions/listen stream (${count} were asked for). Open another stream for the rest.`;
}

export function isListenRequest(body: unknown): boolean {
  return body !== null && typeof body === 'object' && !Array.isArray(body) && (body as { method?: unknown }).method === 'subscriptions/listen';
}

/** The URIs a single `subscriptions/listen` request asks resource updates for (distinct, in order), when it asks for any. */
export function resourceSubscriptionsOf(body: unknown): string[] | undefined {
  if (!isListenRequest(body)) return undefined;
  const uris = (body as { params?: { notifications?: { resourceSubscriptions?: unknown } } }).params?.notifications?.resourceSubscriptions;
  // Anything but a list of strings is the SDK's to refuse as an invalid filter.
  if (!Array.isArray(uris) || uris.length === 0 || !uris.every((uri) => typeof uri === 'string')) return undefined;
  return [...new Set(uris as string[])];
}

/** The listen request asking for updates of `uris` only. */
export function withResourceSubscriptions<T>(body: T, uris: string[]): T {
  const message = body as { params: { notifications: Record<string, unknown> } };
  return { ...message, params: { ...message.params, notifications: { ...message.params.notifications, resourceSubscriptions: uris } } } as T;
}
