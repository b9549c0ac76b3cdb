/**
 * The few HTTP answers the example server writes itself (the SDK transports write the
 * rest), and reading a request body under a size limit.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';

type JsonRpcId = string | number | null;

function idOf(body: unknown): JsonRpcId {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return null;
  const id = (body as { id?: unknown }).id;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

/** Answers with a JSON-RPC error, echoing the request id when the body had one. */
export function writeJsonRpcError(res: ServerResponse, status: number, code: number, message: string, body?: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id: idOf(body) }));
}

/** Reads the whole body as UTF-8, or answers `too-large` as soon as it passes `maxBytes`. */
export async function readRequestText(req: IncomingMessage, maxBytes: number): Promise<string | 'too-large'> {
  if (Number(req.headers['content-length']) > maxBytes) return 'too-large';
  const chunks: Buffer[] = [];
  let received = 0;
  for await (const chunk of req) {
    received += (chunk as Buffer).length;
    if (received > maxBytes) return 'too-large';
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
