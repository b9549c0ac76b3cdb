import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SdkErrorCode, SdkHttpError, SseError } from '@modelcontextprotocol/client';
import { httpStatusOf, isSessionUnknown, mapMcpError } from './map-error.ts';

const answered = (status: number, text: string) => new SdkHttpError(SdkErrorCode.ClientHttpNotImplemented, `Error POSTing to endpoint: ${text}`, { status, statusText: '', text });

test('a session the server does not know: 404, or 400 that says so; any other answer is not', () => {
  assert.equal(isSessionUnknown(answered(404, 'Session not found')), true);
  assert.equal(isSessionUnknown(answered(400, '{"jsonrpc":"2.0","error":{"code":-32000,"message":"Bad Request: No valid session ID provided"},"id":null}')), true);
  assert.equal(isSessionUnknown(new TypeError('fetch failed', { cause: answered(400, 'Bad Request: Mcp-Session-Id header is required') })), true, 'found as a cause');
  assert.equal(isSessionUnknown(answered(400, '{"error":"Unsupported protocol version"}')), false, 'a 400 about something else is the request’s fault: no new session');
  assert.equal(isSessionUnknown(answered(500, 'session store unavailable')), false);
  assert.equal(isSessionUnknown(new Error('session')), false, 'no HTTP status, no verdict');
});

test('the legacy SSE transport’s HTTP failures carry their status (its error is named plain "Error")', () => {
  const refused = new SseError(404, 'Non-200 status code (404)', {} as never);
  assert.equal(refused.name, 'Error');
  assert.equal(httpStatusOf(refused), 404);
  assert.equal(httpStatusOf(new TypeError('wrapped', { cause: refused })), 404);
  assert.equal(httpStatusOf(new SseError(undefined as never, 'terminated', {} as never)), undefined, 'a broken stream is no HTTP answer');
});

test('a failed TLS connection is told apart: plain HTTP, another name, out of date, untrusted, or a handshake that failed', () => {
  const said = (code: string) => {
    const error = mapMcpError(new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) }), { connector: 'x', url: 'https://mcp.example.com/mcp', operation: 'connect' });
    assert.equal(error.code, 'CONNECTOR_UNREACHABLE');
    return error.message;
  };
  assert.match(said('ERR_SSL_WRONG_VERSION_NUMBER'), /use the http:\/\/ URL \(http:\/\/mcp\.example\.com\/mcp\)/);
  assert.match(said('ERR_TLS_CERT_ALTNAME_INVALID'), /for another name/);
  assert.match(said('CERT_HAS_EXPIRED'), /out of date/);
  assert.match(said('SELF_SIGNED_CERT_IN_CHAIN'), /NODE_EXTRA_CA_CERTS/);
  assert.match(said('ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE'), /handshake failed/);
});
