/**
 * The MCP client layer: sessions with remote MCP servers on the official SDK v2
 * client, pooled per (user, connector), with transport fallback, re-initialization,
 * reconnection, response-size limits and error mapping.
 *
 * May import: src/core and the MCP SDK client package. Nothing else of ours.
 */
export { type AuthChallenge, parseAuthChallenge } from './auth-challenge.ts';
export { type BearerAuth, withBearerAuth } from './bearer-fetch.ts';
export { createMcpFetch, type FetchLike, type McpFetchOptions } from './http-fetch.ts';
export { isAbort, mapMcpError } from './map-error.ts';
export {
  canSubscribe,
  type ElicitationHandler,
  type ListKind,
  McpSession,
  type RequestControl,
  type SamplingHandler,
  type SessionFacts,
  type SessionHooks,
  type SessionSettings,
  type SessionTarget,
  type TransportKind,
  type TransportPreference,
} from './session.ts';
export { SessionPool, type SessionPoolOptions } from './session-pool.ts';
