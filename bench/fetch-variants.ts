/**
 * Earlier and alternative versions of Patchbay's MCP fetch on undici's WHATWG `fetch`,
 * so the benchmark shows what each choice in `src/mcp/http-fetch.ts` is worth. Same
 * contract as `createMcpFetch`: one keep-alive pool, POST bodies capped (except the
 * variant that only checks Content-Length, kept to price the cap itself).
 */

import { Agent, fetch as undiciFetch } from 'undici';
import { responseTooLarge } from '../src/mcp/http-fetch.ts';
import type { FetchLike } from '../src/mcp/index.ts';

export interface FetchVariantOptions {
  maxResponseBytes: number;
  /** Keep-alive connections per origin (the first version capped them at 128). */
  connections?: number;
  /**
   * How the POST body cap is enforced: a `TransformStream` piped through (the first
   * version), a `ReadableStream` that counts as it pulls, or only a declared
   * Content-Length (UNSAFE: a chunked body is not capped).
   */
  cap: 'transform-stream' | 'counting-stream' | 'content-length-only';
  /** `per-request`: undici gets a fresh signal that follows the caller's, instead of the caller's long-lived one. */
  signal: 'shared' | 'per-request';
}

export function createVariantFetch(options: FetchVariantOptions): { fetch: FetchLike; close(): Promise<void> } {
  const agent = new Agent({
    keepAliveTimeout: 30_000,
    keepAliveMaxTimeout: 600_000,
    connections: options.connections ?? 128,
    headersTimeout: 0,
    bodyTimeout: 0,
  });
  const limit = options.maxResponseBytes;

  const fetch: FetchLike = async (url, init) => {
    const method = (init?.method ?? 'GET').toUpperCase();
    const shared = init?.signal ?? undefined;
    let release = () => {};
    let signal = shared;
    if (options.signal === 'per-request' && shared) {
      shared.throwIfAborted();
      const own = new AbortController();
      const follow = () => own.abort(shared.reason);
      shared.addEventListener('abort', follow, { once: true });
      release = () => shared.removeEventListener('abort', follow);
      signal = own.signal;
    }
    let response: Response;
    try {
      response = (await undiciFetch(url as string, { ...(init as object), signal, dispatcher: agent } as Parameters<typeof undiciFetch>[1])) as unknown as Response;
    } catch (error) {
      release();
      throw error;
    }
    // A long-lived GET stream keeps following the caller's signal (one listener per session).
    if (method !== 'POST' || !response.body) return response;
    const declared = Number(response.headers.get('content-length') ?? Number.NaN);
    if (Number.isFinite(declared) && declared > limit) {
      release();
      await response.body.cancel().catch(() => {});
      throw responseTooLarge(limit, declared);
    }
    if (options.cap === 'content-length-only') {
      return options.signal === 'per-request' ? rewrap(response, countingStream(response.body, Number.POSITIVE_INFINITY, release)) : response;
    }
    const body = options.cap === 'transform-stream' ? response.body.pipeThrough(byteLimit(limit, release)) : countingStream(response.body, limit, release);
    return rewrap(response, body);
  };
  return { fetch, close: () => agent.close() };
}

function rewrap(response: Response, body: ReadableStream<Uint8Array>): Response {
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}

function countingStream(source: ReadableStream<Uint8Array>, limit: number, done: () => void): ReadableStream<Uint8Array> {
  const reader = source.getReader();
  let seen = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const chunk = await reader.read().catch((error: unknown) => {
        done();
        throw error;
      });
      if (chunk.done) {
        done();
        return controller.close();
      }
      seen += chunk.value.byteLength;
      if (seen > limit) {
        done();
        await reader.cancel().catch(() => {});
        return controller.error(responseTooLarge(limit));
      }
      controller.enqueue(chunk.value);
    },
    cancel(reason) {
      done();
      return reader.cancel(reason);
    },
  });
}

function byteLimit(limit: number, done: () => void): TransformStream<Uint8Array, Uint8Array> {
  let seen = 0;
  return new TransformStream({
    transform(chunk, controller) {
      seen += chunk.byteLength;
      if (seen > limit) {
        done();
        controller.error(responseTooLarge(limit));
        return;
      }
      controller.enqueue(chunk);
    },
    flush() {
      done();
    },
    cancel() {
      done();
    },
  });
}
