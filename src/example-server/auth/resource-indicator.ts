/**
 * RFC 8707 resource indicators: the only resource this server issues tokens for is its
 * MCP URL.
 */

import { OAuthFailure } from './oauth-replies.ts';

/**
 * Whether `given` names the MCP URL `resource`. Scheme and host compare without regard
 * to case (spec: servers SHOULD accept uppercase scheme and host); everything else, the
 * trailing slash included, must be identical.
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function isSameResource(given: string, resource: string): boolean {
  if (!URL.canParse(given) || given.includes('#')) return false;
  return new URL(given).href === new URL(resource).href;
}

/**
 * Checks the `resource` parameters of a request against the MCP URL.
 * @throws OAuthFailure `invalid_target` when absent, repeated or naming anything else
 */
export function checkResourceParameter(values: readonly string[], resource: string): void {
  if (values.length === 0) throw new OAuthFailure('invalid_target', `The resource parameter is missing; send resource=${resource}.`);
  if (values.length > 1) throw new OAuthFailure('invalid_target', `This server issues tokens for one resource only: ${resource}.`);
  if (!isSameResource(values[0], resource)) throw new OAuthFailure('invalid_target', `Unknown resource "${values[0]}"; this server issues tokens for ${resource} only.`);
}
