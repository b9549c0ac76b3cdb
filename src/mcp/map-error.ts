import { InsufficientScopeError, ProtocolError, SdkError, SdkErrorCode, SdkHttpError, SseError, UnauthorizedError } from '@modelcontextprotocol/client';
import { PatchbayError } from '../core/errors.ts';
import { RESPONSE_TOO_LARGE_OPENING } from './http-fetch.ts';

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ETIMEDOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Walks an error's `cause` chain (bounded) and returns the first node matching `pick`. */
export function findCause<T>(error: unknown, pick: (e: unknown) => T | undefined): T | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current != null; depth++) {
    const found = pick(current);
    if (found !== undefined) return found;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The network error code (ECONNREFUSED, ...) anywhere in the chain, if any. */
export function networkErrorCode(error: unknown): string | undefined {
  return findCause(error, (e) => {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && CONNECTION_CODES.has(code) ? code : undefined;
  });
}

/** The TLS failure (a wrong protocol, an untrusted or mismatched certificate) anywhere in the chain, if any. */
function tlsErrorCode(error: unknown): string | undefined {
  return findCause(error, (e) => {
    const code = (e as { code?: unknown }).code;
    return typeof code === 'string' && (/^ERR_(SSL|TLS)_/.test(code) || CERTIFICATE_CODES.has(code)) ? code : undefined;
  });
}

/** OpenSSL's verdicts on a certificate, as Node reports them. */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
]);

/** The HTTP status of a failed transport exchange, if the error carries one. */
export function httpStatusOf(error: unknown): number | undefined {
  return findCause(error, (e) => {
    if (e instanceof SdkHttpError) return e.status;
    if (e instanceof SdkError) {
      const data = e.data as { status?: unknown } | undefined;
      if (typeof data?.status === 'number') return data.status;
    }
    // The legacy SSE transport reports HTTP failures as SseError with a numeric code
    // (its name is plain "Error": the class is told by its brand, through instanceof).
    if (e instanceof SseError && typeof e.code === 'number' && e.code >= 100) return e.code;
    return undefined;
  });
}

/**
 * The server does not know the session the request named: 404, as the spec has it, or
 * 400 with a body that says so, as servers built on the SDK's examples answer for a
 * session id they never issued (one from before their restart): "Bad Request: No valid
 * session ID provided". Either way the request was refused, not run.
 */
export function isSessionUnknown(error: unknown): boolean {
  const status = httpStatusOf(error);
  if (status === 404) return true;
  if (status !== 400) return false;
  return findCause(error, (e) => (e instanceof Error && /\bsession\b/i.test(e.message) ? true : undefined)) === true;
}

/** True when nothing reached the server: it is safe to retry any request. */
export function isRefused(error: unknown): boolean {
  const code = networkErrorCode(error);
  return code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH';
}

/** The client's verdicts on a result that does not keep to its tool's output schema. */
const OUTPUT_SCHEMA_BROKEN = /^(Structured content does not match the tool's output schema|Tool .* has an output schema but did not return structured content)/;

export interface ErrorContext {
  connector: string;
  url: string;
  operation: string;
  timeoutMs?: number;
}

/**
 * Turns whatever the SDK, undici or the server threw into a PatchbayError whose code
 * a caller can branch on and whose message says what to do next.
 */
export function mapMcpError(error: unknown, ctx: ErrorContext): PatchbayError {
  const existing = findCause(error, (e) => (e instanceof PatchbayError ? e : undefined));
  if (existing) return existing;
  const tooLarge = findCause(error, (e) => (e instanceof SseError ? RESPONSE_TOO_LARGE_OPENING.exec(e.message)?.[2] : undefined));
  if (tooLarge) return new PatchbayError('RESPONSE_TOO_LARGE', tooLarge, { cause: error, details: { connector: ctx.connector, operation: ctx.operation } });
  // The SDK's version probe wraps whatever went wrong with it: what went wrong is what the person can act on.
  if (error instanceof SdkError && error.code === SdkErrorCode.EraNegotiationFailed && error.cause !== undefined) return mapMcpError(error.cause, ctx);
  const where = `connector "${ctx.connector}" (${ctx.url})`;
  const details = { connector: ctx.connector, operation: ctx.operation };

  const insufficient = findCause(error, (e) => (e instanceof InsufficientScopeError ? e : undefined));
  if (insufficient) {
    const scope = insufficient.requiredScope?.slice(0, 200);
    return new PatchbayError(
      'AUTH_REQUIRED',
      `${where} needs more permission for ${ctx.operation}${scope ? ` (scope "${scope}")` : ''}. Sign in again to grant it: \`patchbay login ${ctx.connector}${scope ? ` --scope "${scope}"` : ''}\`.`,
      { cause: error, details: { ...details, scope, stepUp: true } },
    );
  }
  if (error instanceof UnauthorizedError || httpStatusOf(error) === 401) {
    return new PatchbayError('AUTH_REQUIRED', `${where} requires sign-in (HTTP 401). Give it credentials, for example \`patchbay auth ${ctx.connector} --header "Authorization: Bearer <token>"\` or \`--basic <user>\`, then try again.`, {
      cause: error,
      details,
    });
  }
  const status = httpStatusOf(error);
  if (error instanceof ProtocolError) {
    const message = truncate(error.message, 500);
    // Raised here, on the answer (by the SDK client or our own fast path), not sent by the server.
    if (OUTPUT_SCHEMA_BROKEN.test(error.message)) {
      return new PatchbayError('PROTOCOL_ERROR', `${where} answered ${ctx.operation} with a result that breaks the tool's own output schema (${message}). The server is at fault: tell its operator.`, {
        cause: error,
        details,
      });
    }
    if (error.code === -32602 && /not found|unknown/i.test(message)) {
      return new PatchbayError('NOT_FOUND', `${where} answered ${ctx.operation}: ${message}`, { cause: error, details: { ...details, rpcCode: error.code } });
    }
    return new PatchbayError('SERVER_ERROR', `${where} returned an error for ${ctx.operation}: ${message}`, {
      cause: error,
      details: { ...details, rpcCode: error.code },
    });
  }
  const netCode = networkErrorCode(error);
  if (netCode) {
    const hint =
      netCode === 'ECONNREFUSED'
        ? 'Nothing is listening there: check that the server is running and the URL is right.'
        : netCode === 'ENOTFOUND' || netCode === 'EAI_AGAIN'
          ? 'The host name does not resolve: check the URL.'
          : 'The connection broke: the server may have restarted or crashed. Try again.';
    return new PatchbayError('CONNECTOR_UNREACHABLE', `Could not reach ${where} (${netCode}). ${hint}`, { cause: error, details: { ...details, network: netCode } });
  }
  const tls = tlsErrorCode(error);
  if (tls) {
    const hint = /WRONG_VERSION_NUMBER|PACKET_LENGTH_TOO_LONG|RECORD_LAYER_FAILURE/.test(tls)
      ? `The server did not answer TLS: if it speaks plain HTTP, use the http:// URL${ctx.url.startsWith('https://') ? ` (${`http://${ctx.url.slice('https://'.length)}`.slice(0, 200)})` : ''}.`
      : /ALTNAME/.test(tls)
        ? 'Its TLS certificate is for another name: check the host in the URL.'
        : /EXPIRED|NOT_YET_VALID/.test(tls)
          ? 'Its TLS certificate is out of date (or this machine’s clock is wrong): its operator should renew it.'
          : CERTIFICATE_CODES.has(tls)
            ? 'Its TLS certificate is not trusted: if it is signed by your own authority, give Patchbay that certificate through NODE_EXTRA_CA_CERTS.'
            : 'The TLS handshake failed: the server may accept only protocol versions or ciphers this Node does not offer. `patchbay doctor <url>` shows the details.';
    return new PatchbayError('CONNECTOR_UNREACHABLE', `Could not open a secure connection to ${where} (${tls}). ${hint}`, { cause: error, details: { ...details, tls } });
  }
  if (error instanceof SdkError) {
    switch (error.code) {
      case SdkErrorCode.RequestTimeout:
        return new PatchbayError(
          'TIMEOUT',
          `${where} did not answer ${ctx.operation} within ${ctx.timeoutMs ?? '?'} ms. The server may be overloaded or stuck; try again, or allow more time (\`--timeout MS\` on a CLI call, PATCHBAY_REQUEST_TIMEOUT_MS for every request).`,
          { cause: error, details },
        );
      case SdkErrorCode.CapabilityNotSupported:
        return new PatchbayError('CAPABILITY_NOT_SUPPORTED', `${where} does not support ${ctx.operation}.`, { cause: error, details });
      case SdkErrorCode.InvalidResult:
        return new PatchbayError('PROTOCOL_ERROR', `${where} sent a malformed answer to ${ctx.operation}: ${truncate(error.message, 300)}`, {
          cause: error,
          details,
        });
      case SdkErrorCode.ClientHttpUnexpectedContent:
        return new PatchbayError(
          'PROTOCOL_ERROR',
          `${where} did not answer like an MCP server (unexpected content type). Check that the URL points at the MCP endpoint, not a web page.`,
          { cause: error, details },
        );
      case SdkErrorCode.ConnectionClosed:
        return new PatchbayError('CONNECTOR_UNREACHABLE', `${where} closed the connection during ${ctx.operation}. Try again; if it repeats, the server may be crashing.`, {
          cause: error,
          details,
        });
      default:
        break;
    }
  }
  if (status !== undefined) {
    if (status === 403)
      return new PatchbayError('FORBIDDEN', `${where} refused access (HTTP 403). Check the account's permissions on that server.`, { cause: error, details });
    // 501: a plain web server that takes no POST at all.
    if (status === 404 || status === 405 || status === 501)
      return new PatchbayError(
        'CONNECTOR_UNREACHABLE',
        `${where} answered HTTP ${status}: there is no MCP endpoint at that URL. Check the path (often /mcp or /sse).`,
        { cause: error, details: { ...details, httpStatus: status } },
      );
    if (status >= 300 && status < 400)
      return new PatchbayError(
        'PROTOCOL_ERROR',
        `${where} answered ${ctx.operation} with a redirect (HTTP ${status}), which Patchbay does not follow to another address. Use the final URL of the MCP endpoint.`,
        { cause: error, details: { ...details, httpStatus: status } },
      );
    if (status >= 400 && status < 500)
      return new PatchbayError('PROTOCOL_ERROR', `${where} rejected ${ctx.operation} (HTTP ${status}). Check that the URL is the server's MCP endpoint.`, {
        cause: error,
        details: { ...details, httpStatus: status },
      });
    return new PatchbayError('SERVER_ERROR', `${where} answered HTTP ${status} to ${ctx.operation}. The server is failing; try again later.`, {
      cause: error,
      details: { ...details, httpStatus: status },
    });
  }
  // Reading or checking an answer nested thousands of levels deep (a schema, a result) runs out of stack.
  if (findCause(error, (e) => (e instanceof RangeError && /call stack/i.test(e.message) ? true : undefined))) {
    return new PatchbayError('PROTOCOL_ERROR', `${where} sent an answer to ${ctx.operation} nested too deeply to read (thousands of levels). The server is at fault: tell its operator.`, {
      cause: error,
      details,
    });
  }
  if (isAbort(error)) {
    return new PatchbayError('CANCELLED', `${ctx.operation} on ${where} was cancelled.`, { cause: error, details });
  }
  if (error instanceof SyntaxError || /JSON|parse/i.test(String((error as Error)?.message))) {
    return new PatchbayError('PROTOCOL_ERROR', `${where} sent a response that is not valid JSON-RPC for ${ctx.operation}. Check that the URL is an MCP endpoint.`, {
      cause: error,
      details,
    });
  }
  return new PatchbayError('PROTOCOL_ERROR', `${ctx.operation} on ${where} failed: ${truncate(String((error as Error)?.message ?? error), 300)}`, {
    cause: error,
    details,
  });
}

export function isAbort(error: unknown): boolean {
  return findCause(error, (e) => ((e as { name?: unknown }).name === 'AbortError' ? true : undefined)) === true;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
