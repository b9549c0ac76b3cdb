/**
 * Every error Patchbay raises on purpose is a `PatchbayError` with a stable string
 * `code`. Callers and tests branch on `code`, never on message text. One table maps
 * each code to an HTTP status and to a CLI exit code.
 */

export const ERROR_CODES = {
  // input
  VALIDATION_FAILED: { status: 400, exit: 2 },
  INVALID_URL: { status: 400, exit: 2 },
  INVALID_NAME: { status: 400, exit: 2 },
  INVALID_ARGUMENTS: { status: 400, exit: 2 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, exit: 2 },
  // who is asking
  UNAUTHENTICATED: { status: 401, exit: 4 },
  FORBIDDEN: { status: 403, exit: 4 },
  SSRF_BLOCKED: { status: 403, exit: 4 },
  AUTH_REQUIRED: { status: 401, exit: 4 },
  AUTH_FLOW_INVALID: { status: 400, exit: 4 },
  // what is asked for
  NOT_FOUND: { status: 404, exit: 3 },
  CONNECTOR_NOT_FOUND: { status: 404, exit: 3 },
  TOOL_NOT_FOUND: { status: 404, exit: 3 },
  PROMPT_NOT_FOUND: { status: 404, exit: 3 },
  RESOURCE_NOT_FOUND: { status: 404, exit: 3 },
  CONVERSATION_NOT_FOUND: { status: 404, exit: 3 },
  MODEL_NOT_FOUND: { status: 404, exit: 3 },
  MODEL_NOT_CONFIGURED: { status: 409, exit: 2 },
  NAME_TAKEN: { status: 409, exit: 2 },
  CAPABILITY_NOT_SUPPORTED: { status: 422, exit: 5 },
  // what a person decided
  TOOL_DISABLED: { status: 403, exit: 6 },
  TOOL_BLOCKED: { status: 403, exit: 6 },
  TOOL_DEFINITION_CHANGED: { status: 409, exit: 6 },
  APPROVAL_REQUIRED: { status: 409, exit: 6 },
  APPROVAL_INVALID: { status: 409, exit: 6 },
  USAGE_LIMIT_EXCEEDED: { status: 429, exit: 6 },
  CHAT_STEP_LIMIT: { status: 409, exit: 6 },
  CONVERSATION_BUSY: { status: 409, exit: 6 },
  // the remote server
  CONNECTOR_UNREACHABLE: { status: 502, exit: 5 },
  PROTOCOL_ERROR: { status: 502, exit: 5 },
  SERVER_ERROR: { status: 502, exit: 5 },
  RESPONSE_TOO_LARGE: { status: 502, exit: 5 },
  TIMEOUT: { status: 504, exit: 5 },
  CANCELLED: { status: 499, exit: 130 },
  ELICITATION_DECLINED: { status: 409, exit: 5 },
  CALL_ENDED: { status: 410, exit: 5 },
  MODEL_ERROR: { status: 502, exit: 5 },
  // ours
  CONFIG_INVALID: { status: 500, exit: 1 },
  STORE_ERROR: { status: 500, exit: 1 },
  SECRET_UNREADABLE: { status: 500, exit: 4 },
  INTERNAL: { status: 500, exit: 1 },
} as const satisfies Record<string, { status: number; exit: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface PatchbayErrorOptions {
  cause?: unknown;
  /** Safe, structured facts for the caller (never secrets). */
  details?: Record<string, unknown>;
}

export class PatchbayError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ErrorCode, message: string, options: PatchbayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'PatchbayError';
    this.code = code;
    this.details = options.details;
  }

  get status(): number {
    return ERROR_CODES[this.code].status;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export function isPatchbayError(error: unknown, code?: ErrorCode): error is PatchbayError {
  return error instanceof PatchbayError && (code === undefined || error.code === code);
}

/** Wraps anything thrown into a PatchbayError; unknown errors become `INTERNAL`. */
export function toPatchbayError(error: unknown): PatchbayError {
  if (error instanceof PatchbayError) return error;
  return new PatchbayError('INTERNAL', 'Something went wrong inside Patchbay. Run again with --verbose and report the log if it persists.', { cause: error });
}

export function statusForCode(code: string): number {
  return code in ERROR_CODES ? ERROR_CODES[code as ErrorCode].status : 500;
}
