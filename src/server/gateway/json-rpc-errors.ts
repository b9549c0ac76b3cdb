import { ProtocolError, ProtocolErrorCode } from '@modelcontextprotocol/server';
import { type ErrorCode, type PatchbayError, toPatchbayError } from '../../core/errors.ts';

/** JSON-RPC codes for Patchbay's error codes; anything else is an internal error. */
const JSON_RPC_CODES: Partial<Record<ErrorCode, number>> = {
  VALIDATION_FAILED: ProtocolErrorCode.InvalidParams,
  INVALID_ARGUMENTS: ProtocolErrorCode.InvalidParams,
  INVALID_URL: ProtocolErrorCode.InvalidParams,
  INVALID_NAME: ProtocolErrorCode.InvalidParams,
  NOT_FOUND: ProtocolErrorCode.InvalidParams,
  CONNECTOR_NOT_FOUND: ProtocolErrorCode.InvalidParams,
  TOOL_NOT_FOUND: ProtocolErrorCode.InvalidParams,
  PROMPT_NOT_FOUND: ProtocolErrorCode.InvalidParams,
  // spec (resources): a resource that does not exist is Invalid Params on every revision the gateway serves
  RESOURCE_NOT_FOUND: ProtocolErrorCode.InvalidParams,
  CAPABILITY_NOT_SUPPORTED: ProtocolErrorCode.MethodNotFound,
  // A retry whose requestState names a call that is no longer held: the client's input is what is wrong.
  CALL_ENDED: ProtocolErrorCode.InvalidParams,
};

/**
 * Errors a client acts on as a tool's own failure: the model reads the message and can
 * tell the person (ask for approval, wait for a limit, review a changed tool).
 */
const TOOL_RESULT_CODES = new Set<ErrorCode>([
  'TOOL_DISABLED',
  'TOOL_BLOCKED',
  'TOOL_DEFINITION_CHANGED',
  'APPROVAL_REQUIRED',
  'APPROVAL_INVALID',
  'USAGE_LIMIT_EXCEEDED',
  'ELICITATION_DECLINED',
  'AUTH_REQUIRED',
  'CONNECTOR_UNREACHABLE',
  'SERVER_ERROR',
  'PROTOCOL_ERROR',
  'TIMEOUT',
  'RESPONSE_TOO_LARGE',
]);

/** Whether a failed call is answered as a tool result with `isError` (else a JSON-RPC error). */
export function isToolResultError(error: PatchbayError): boolean {
  return TOOL_RESULT_CODES.has(error.code);
}

/** A Patchbay error as a JSON-RPC error; `data` carries the stable code and safe details. */
export function toProtocolError(error: unknown): ProtocolError {
  if (error instanceof ProtocolError) return error;
  const err = toPatchbayError(error);
  return new ProtocolError(JSON_RPC_CODES[err.code] ?? ProtocolErrorCode.InternalError, err.message, { code: err.code, ...(err.details ? { details: err.details } : {}) });
}
