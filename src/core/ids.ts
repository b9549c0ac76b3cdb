import { randomBytes, randomUUID } from 'node:crypto';

/** A new opaque identifier: a UUID v4, sortable enough for our tables and safe in URLs. */
export function newId(): string {
  return randomUUID();
}

let lastMs = 0;
let sequence = 0;

/**
 * A UUID v7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit sequence within the
 * millisecond, then 62 random bits. Ids made in one process sort in the order they were
 * made, so rows keyed by them (audit events) are appended to their index instead of
 * landing on random pages of it — about a quarter of the insert cost on SQLite.
 * @see https://www.rfc-editor.org/rfc/rfc9562#section-5.7
 */
export function newTimeOrderedId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else if (++sequence > 0xfff) {
    // More than 4096 ids in one millisecond: borrow the next one, keeping the order.
    lastMs++;
    sequence = 0;
  }
  const time = lastMs.toString(16).padStart(12, '0');
  // randomUUID's last 17 characters are the variant nibble and 60 random bits.
  return `${time.slice(0, 8)}-${time.slice(8)}-7${sequence.toString(16).padStart(3, '0')}-${randomUUID().slice(19)}`;
}

/** A random token of `bytes` bytes, base64url-encoded. */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
