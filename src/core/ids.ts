import { randomBytes, randomUUID } from 'node:crypto';

/** A new opaque identifier: a UUID v4, sortable enough for our tables and safe in URLs. */
export function newId(): string {
  return randomUUID();
}

/** A random token of `bytes` bytes, base64url-encoded. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
