/**
 * Proof Key for Code Exchange with the S256 method, the only one this server accepts.
 * @see https://www.rfc-editor.org/rfc/rfc7636
 */

import { createHash, timingSafeEqual } from 'node:crypto';

/** An S256 challenge is a base64url SHA-256 digest without padding: exactly 43 characters. */
export function isS256CodeChallenge(value: string): boolean {
  return /^[A-Za-z0-9_-]{43}$/.test(value);
}

/** @see https://www.rfc-editor.org/rfc/rfc7636#section-4.1 */
export function isCodeVerifier(value: string): boolean {
  return /^[A-Za-z0-9._~-]{43,128}$/.test(value);
}

export function computeS256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6 */
export function verifyS256(verifier: string, challenge: string): boolean {
  const expected = Buffer.from(computeS256Challenge(verifier));
  const given = Buffer.from(challenge);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
