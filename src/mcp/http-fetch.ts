import { Agent, fetch as undiciFetch } from 'undici';
import { PatchbayError } from '../core/errors.ts';

/** The `fetch` shape the SDK transports accept. */
export type FetchLike = (url: string | URL, init?: RequestInit) => Promise<Response>;

export interface McpFetchOptions {
  /** Largest response body accepted for one request, in bytes. */
  maxResponseBytes: number;
  /** Keep-alive connections per origin. */
  connections?: number;
}

/**
 * A fetch for MCP traffic: one keep-alive pool shared by every session, and a hard cap
 * on each response body so a hostile or broken server cannot exhaust memory.
 * Long-lived GET event streams are not capped (they are many small events over time).
 */
export function createMcpFetch(options: McpFetchOptions): { fetch: FetchLike; close(): Promise<void> } {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connections: options.connections ?? 128,
    // Our own per-request timeouts govern; undici's 300 s defaults would only hide hangs longer.
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const limit = options.maxResponseBytes;

  const fetch: FetchLike = async (url, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const send = () => undiciFetch(url as string, { ...(init as object), dispatcher: agent } as Parameters<typeof undiciFetch>[1]) as unknown as Promise<Response>;
    let response: Response;
    try {
      response = await send();
    } catch (error) {
      // A pooled keep-alive connection the server had already closed (it restarted, or its idle
      // timeout won the race) fails before any answer: the request never reached a live server.
      // Resend once on a fresh connection, as browsers do.
      if (!isStaleConnection(error) || init?.signal?.aborted) throw error;
      response = await send();
    }
    if (method !== 'POST' || !response.body) return response;
    const declared = Number(response.headers.get('content-length') ?? NaN);
    if (Number.isFinite(declared) && declared > limit) {
      await response.body.cancel().catch(() => {});
      throw responseTooLarge(limit, declared);
    }
    return new Response(response.body.pipeThrough(byteLimit(limit)), {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
  return { fetch, close: () => agent.close() };
}

function isStaleConnection(error: unknown): boolean {
  const code = (error as { cause?: { code?: unknown } })?.cause?.code;
  return code === 'UND_ERR_SOCKET' || code === 'ECONNRESET' || code === 'EPIPE';
}

export function responseTooLarge(limit: number, size?: number): PatchbayError {
  return new PatchbayError(
    'RESPONSE_TOO_LARGE',
    `The server sent a response larger than ${formatBytes(limit)}${size ? ` (${formatBytes(size)})` : ''}; it was cut off. Ask the server for less (a narrower query or smaller page), or raise PATCHBAY_MAX_RESPONSE_BYTES.`,
    { details: { limit } },
  );
}

function byteLimit(limit: number): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > limit) {
        controller.error(responseTooLarge(limit));
        return;
      }
      controller.enqueue(chunk);
    },
  });
}

function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} bytes`;
}
