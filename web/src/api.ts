/**
 * The one way the web app talks to Patchbay: same-origin JSON requests to the HTTP API,
 * authenticated by the HttpOnly session cookie. Changes echo the `pb_csrf` cookie in
 * `x-csrf-token`, which a page on another site cannot read.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** Fired when the API says the browser has no valid session. */
export const SIGNED_OUT_EVENT = 'patchbay:signed-out';

function readCookie(name: string): string | undefined {
  for (const part of document.cookie.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export async function apiRequest<T>(method: Method, path: string, body?: unknown, options: { signal?: AbortSignal } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let payload: string | undefined;
  if (method !== 'GET') headers['x-csrf-token'] = readCookie('pb_csrf') ?? '';
  if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
    headers['content-type'] = 'application/json';
    payload = JSON.stringify(body ?? {});
  }
  let response: Response;
  try {
    response = await fetch(path, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store', signal: options.signal });
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new ApiError(0, 'NETWORK', 'Patchbay did not answer. Is `patchbay serve` still running?');
  }
  const text = await response.text();
  let data: unknown;
  try {
    data = text ? JSON.parse(text) : undefined;
  } catch {
    data = undefined;
  }
  if (!response.ok) {
    const error = (data as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    const code = typeof error?.code === 'string' ? error.code : `HTTP_${response.status}`;
    const message = typeof error?.message === 'string' ? error.message : `The request failed (HTTP ${response.status}).`;
    const noSession = response.status === 403 && (error as { details?: { session?: unknown } } | undefined)?.details?.session === 'missing';
    if ((response.status === 401 && code === 'UNAUTHENTICATED') || noSession) window.dispatchEvent(new Event(SIGNED_OUT_EVENT));
    throw new ApiError(response.status, code, message);
  }
  return data as T;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** `/api/connectors/<name>` with the name escaped. */
export function connectorPath(name: string, rest = ''): string {
  return `/api/connectors/${encodeURIComponent(name)}${rest}`;
}
