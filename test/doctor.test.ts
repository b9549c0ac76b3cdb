import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type AuthenticatedExampleServer, type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import type { DoctorReport, DoctorStep } from '../src/hub/index.ts';
import { runCli } from './fixtures/cli-process.ts';
import { startEverything } from './fixtures/everything.ts';
import { getFreePort } from './fixtures/free-port.ts';
import { captureBearer } from './fixtures/hub-events.ts';
import { type HostileServer, startHostileServer } from './fixtures/hostile-server.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';
import { createTestApiApp } from './fixtures/api-app.ts';

const STEP_IDS = ['url', 'dns', 'connect', 'initialize', 'fallback', 'resource-metadata', 'authorization-server', 'registration', 'token', 'tools'];

function step(report: DoctorReport, id: string): DoctorStep {
  const found = report.steps.find((s) => s.id === id);
  assert.ok(found, `no step ${id}`);
  return found;
}

function statuses(report: DoctorReport): Record<string, string> {
  return Object.fromEntries(report.steps.map((s) => [s.id, s.status]));
}

/** What every report must be, whatever the server did. */
function assertWellFormed(report: DoctorReport): void {
  assert.deepEqual(
    report.steps.map((s) => s.id),
    STEP_IDS,
    'every step, in order',
  );
  for (const s of report.steps) {
    assert.ok(Number.isInteger(s.ms) && s.ms >= 0, `${s.id}: ms`);
    assert.ok(s.detail.length > 0, `${s.id}: a detail`);
    if (s.status === 'skipped') assert.equal(s.ms, 0);
    if (s.excerpt !== undefined) {
      assert.ok(s.excerpt.length <= 501, `${s.id}: excerpt capped (${s.excerpt.length})`);
      assert.doesNotMatch(s.excerpt, /[\u0000-\u001f\u007f-\u009f\u202a-\u202e]/, `${s.id}: control characters made visible`);
    }
  }
}

describe('the connection doctor against real servers', () => {
  let patchbay: TestPatchbay;
  let hostile: HostileServer;
  const diagnose = (target: string, options: { stepTimeoutMs?: number } = {}) => patchbay.hub.diagnose(patchbay.actor('cli'), target, options);

  before(async () => {
    patchbay = await openTestPatchbay();
    hostile = await startHostileServer();
  });
  after(async () => {
    await hostile?.close();
    await patchbay?.close();
  });

  test('the example server: every step ok, by URL and as a connector', async (t) => {
    const server = await startExampleServer();
    t.after(() => server.close());

    const report = await diagnose(server.url);
    assertWellFormed(report);
    assert.equal(report.verdict, 'ok', report.advice);
    assert.deepEqual(statuses(report), {
      url: 'ok',
      dns: 'ok',
      connect: 'ok',
      initialize: 'ok',
      fallback: 'skipped',
      'resource-metadata': 'skipped',
      'authorization-server': 'skipped',
      registration: 'skipped',
      token: 'skipped',
      tools: 'ok',
    });
    assert.match(step(report, 'dns').detail, /127\.0\.0\.1 \(loopback, allowed\)/);
    const initialize = step(report, 'initialize');
    assert.match(initialize.detail, /HTTP 200 text\/event-stream/);
    assert.match(initialize.detail, /protocol 2025-11-25; server patchbay-example 1\.0\.0/);
    assert.match(initialize.detail, /2026-07-28: server\/discover answered \(versions 2026-07-28/);
    assert.match(initialize.excerpt ?? '', /^event: message\\ndata: \{"result":\{"protocolVersion":"2025-11-25"/);
    assert.match(step(report, 'tools').detail, /10 tools \(echo, add, /);
    assert.deepEqual(report.server, { name: 'patchbay-example', version: '1.0.0', title: 'Patchbay example server', protocolVersion: '2025-11-25', transport: 'streamable-http', needsSignIn: false, scopes: [] });
    assert.equal(report.target.connector, null);
    assert.match(report.advice, /patchbay add/);

    const { connector } = await patchbay.hub.addConnector(patchbay.actor('cli'), { url: server.url, name: 'doctor-example' });
    const byName = await diagnose(connector.name);
    assertWellFormed(byName);
    assert.equal(byName.verdict, 'ok');
    assert.equal(byName.target.connector, 'doctor-example');
    assert.match(step(byName, 'token').detail, /signs in with nothing/);
    assert.equal(step(byName, 'tools').status, 'ok');
    assert.equal((await patchbay.hub.getConnector(patchbay.actor('cli'), connector.name)).status, 'connected', 'the diagnosis changes nothing');
  });

  test('a server that wants sign-in: discovery steps ok, the registration that would be used, nothing registered', async (t) => {
    const server = await startExampleServer({ auth: {} });
    t.after(() => server.close());
    const report = await diagnose(server.url);
    assertWellFormed(report);
    assert.equal(report.verdict, 'needs-sign-in');
    assert.deepEqual(statuses(report), {
      url: 'ok',
      dns: 'ok',
      connect: 'ok',
      initialize: 'warn',
      fallback: 'skipped',
      'resource-metadata': 'ok',
      'authorization-server': 'ok',
      registration: 'ok',
      token: 'skipped',
      tools: 'skipped',
    });
    const initialize = step(report, 'initialize');
    assert.match(initialize.detail, /HTTP 401/);
    assert.ok(initialize.detail.includes(`resource_metadata="${server.auth.resourceMetadataUrl}"`), 'the challenge is shown as sent');
    const resource = step(report, 'resource-metadata');
    assert.ok(resource.detail.includes(`Tried ${server.auth.resourceMetadataUrl} → HTTP 200`), resource.detail);
    assert.match(resource.detail, /matches this server/);
    const as = step(report, 'authorization-server');
    assert.ok(as.detail.includes(`${server.auth.issuer}/.well-known/oauth-authorization-server → HTTP 200`), as.detail);
    assert.match(as.detail, /Issuer matches; PKCE S256 advertised; registration endpoint/);
    assert.match(step(report, 'registration').detail, /^Dynamic client registration at .*\/register would be used/);
    assert.equal(report.server.needsSignIn, true);
    assert.equal(report.server.name, null, 'the server says who it is only after sign-in');
    assert.ok(report.server.scopes.includes('mcp:read'), JSON.stringify(report.server.scopes));
    assert.match(report.advice, /patchbay login/);
    assert.equal(server.auth.requests('register').length, 0, 'nothing was registered');
    assert.equal(server.auth.requests('token').length, 0, 'no token was asked for');
  });

  test('an authorization server without PKCE S256: the metadata step fails and says so', async (t) => {
    const server = await startExampleServer({ auth: { omitCodeChallengeMethods: true } });
    t.after(() => server.close());
    const report = await diagnose(server.url);
    assertWellFormed(report);
    assert.equal(report.verdict, 'failed');
    const as = step(report, 'authorization-server');
    assert.equal(as.status, 'fail');
    assert.match(as.detail, /PKCE S256 is missing: code_challenge_methods_supported is absent/);
    assert.equal(step(report, 'registration').status, 'skipped');
    assert.match(report.advice, /S256/);
  });

  test('an authorization server whose metadata names another issuer: the mismatch is the failure', async (t) => {
    const server = await startExampleServer({ auth: { issuerOverride: 'https://issuer.example' } });
    t.after(() => server.close());
    const report = await diagnose(server.url);
    assertWellFormed(report);
    assert.equal(report.verdict, 'failed');
    const as = step(report, 'authorization-server');
    assert.equal(as.status, 'fail');
    assert.match(as.detail, /Issuer mismatch: the metadata says "https:\/\/issuer\.example", but it was fetched for "http:\/\/127\.0\.0\.1:\d+"/);
  });

  test('html instead of MCP: initialize fails with the content type and an excerpt', async () => {
    const report = await diagnose(hostile.urlFor('html'));
    assertWellFormed(report);
    assert.equal(report.verdict, 'failed');
    const initialize = step(report, 'initialize');
    assert.equal(initialize.status, 'fail');
    assert.match(initialize.detail, /^HTTP 200 text\/html; charset=utf-8: the content type is text\/html/);
    assert.match(initialize.excerpt ?? '', /^<!doctype html>\\n<html lang="en">/);
    assert.equal(step(report, 'fallback').status, 'skipped');
    assert.equal(step(report, 'tools').status, 'skipped');
    assert.match(report.advice, /web page/);
  });

  test('404 to initialize: the legacy transport is tried, and fails too', async () => {
    const before = hostile.requests('status-404').length;
    const report = await diagnose(hostile.urlFor('status-404'));
    assertWellFormed(report);
    assert.equal(report.verdict, 'failed');
    assert.equal(step(report, 'initialize').status, 'warn');
    assert.match(step(report, 'initialize').detail, /HTTP 404.*legacy HTTP\+SSE transport is tried next/);
    const fallback = step(report, 'fallback');
    assert.equal(fallback.status, 'fail');
    assert.match(fallback.detail, /^GET HTTP 404/);
    const gets = hostile.requests('status-404').slice(before).filter((r) => r.method === 'GET');
    assert.equal(gets.length, 1);
    assert.equal(gets[0].headers.accept, 'text/event-stream');
  });

  test('501 to initialize (a plain web server): not an MCP endpoint, not a failing server', async () => {
    const report = await diagnose(hostile.urlFor('status-501'));
    assertWellFormed(report);
    assert.equal(report.verdict, 'failed');
    assert.equal(step(report, 'initialize').status, 'fail');
    assert.match(report.advice, /not an MCP endpoint/);
    assert.doesNotMatch(JSON.stringify(report), /try again later/i);
  });

  test('a server that never answers: initialize times out, the rest is skipped', async () => {
    const report = await diagnose(hostile.urlFor('hang'), { stepTimeoutMs: 500 });
    assertWellFormed(report);
    assert.equal(report.verdict, 'failed');
    const initialize = step(report, 'initialize');
    assert.equal(initialize.status, 'fail');
    assert.equal(initialize.detail, 'No answer within 500 ms.');
    assert.equal(step(report, 'connect').status, 'ok', 'the connection itself opened');
    assert.equal(step(report, 'tools').status, 'skipped');
  });

  test('a huge answer is cut off, and only its head is shown', async () => {
    for (const mode of ['huge', 'huge-cl'] as const) {
      const report = await diagnose(hostile.urlFor(mode));
      assertWellFormed(report);
      const initialize = step(report, 'initialize');
      assert.equal(initialize.status, 'fail');
      assert.match(initialize.detail, /the body passed 1 MiB and was cut off there/, mode);
      assert.match(initialize.excerpt ?? '', /^\{"jsonrpc":"2\.0","id":1,"result":\{"content":\[\{"type":"text","text":"x{100}/);
      assert.equal(initialize.excerpt?.length, 501);
    }
  });

  test('a truncated event stream and broken JSON are named', async () => {
    const truncated = step(await diagnose(hostile.urlFor('truncated-sse')), 'initialize');
    assert.equal(truncated.status, 'fail');
    assert.match(truncated.detail, /the event stream stopped before the answer arrived; the body broke off after 43 bytes/);
    assert.equal(truncated.excerpt, 'event: message\\ndata: {"jsonrpc":"2.0","id":');
    const garbage = step(await diagnose(hostile.urlFor('garbage-json')), 'initialize');
    assert.match(garbage.detail, /HTTP 200 application\/json: the body is not valid JSON/);
    const wrongId = step(await diagnose(hostile.urlFor('wrong-id')), 'initialize');
    assert.match(wrongId.detail, /for another request \(id 1001, expected 1\)/);
  });

  test('server-everything in legacy SSE mode: the fallback step works and tools are listed over SSE', async (t) => {
    const everything = await startEverything('sse');
    t.after(() => everything.close());
    const report = await diagnose(everything.url);
    assertWellFormed(report);
    assert.equal(report.verdict, 'ok', report.advice);
    assert.equal(step(report, 'initialize').status, 'warn');
    assert.match(step(report, 'initialize').detail, /^HTTP 404/);
    const fallback = step(report, 'fallback');
    assert.equal(fallback.status, 'ok');
    assert.match(fallback.detail, /^GET HTTP 200 text\/event-stream; the endpoint event names http:\/\/127\.0\.0\.1:\d+\/message\?sessionId=‹redacted› for messages/);
    assert.match(fallback.excerpt ?? '', /^event: endpoint\\ndata: \/message\?sessionId=‹redacted›/, 'the session id is a capability: not shown');
    assert.match(step(report, 'tools').detail, /over sse, protocol 2025-11-25 \(legacy era\): \d+ tools \(echo,/);
  });

  test('a refused connection stops at TCP', async () => {
    const port = await getFreePort();
    const report = await diagnose(`http://127.0.0.1:${port}/mcp`);
    assertWellFormed(report);
    assert.equal(report.verdict, 'failed');
    const connect = step(report, 'connect');
    assert.equal(connect.status, 'fail');
    assert.equal(connect.detail, `Could not connect: 127.0.0.1:${port}: connection refused. Nothing is listening there.`);
    for (const id of STEP_IDS.slice(3)) assert.equal(step(report, id).status, 'skipped', id);
  });

  test('a name that does not resolve stops at DNS', async () => {
    const report = await diagnose('https://patchbay-doctor-test.invalid/mcp');
    assertWellFormed(report);
    assert.equal(report.verdict, 'failed');
    assert.equal(step(report, 'url').status, 'ok');
    const dns = step(report, 'dns');
    assert.equal(dns.status, 'fail');
    assert.match(dns.detail, /^The name patchbay-doctor-test\.invalid does not resolve \(ENOTFOUND\)/);
    assert.equal(step(report, 'connect').status, 'skipped');
  });

  test('a text that is not a URL fails at the URL step', async () => {
    const report = await diagnose('mcp.example.com/mcp');
    assertWellFormed(report);
    assert.equal(step(report, 'url').status, 'fail');
    assert.match(step(report, 'url').detail, /is not an absolute URL/);
  });

  test('stored credentials are sent but never shown, even when the server echoes them', async (t) => {
    const key = 'sk-doctor-0123456789abcdef';
    const seen: string[] = [];
    const echo = createHttpServer((req, res) => {
      seen.push(String(req.headers['x-api-key']));
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end(`<pre>X-Api-Key: ${req.headers['x-api-key']}\nyour key is ${req.headers['x-api-key']}</pre>`);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => echo.close(resolve)));
    const url = `http://127.0.0.1:${(echo.address() as AddressInfo).port}/mcp`;
    const actor = patchbay.actor('cli');
    await patchbay.hub.addConnector(actor, { url, name: 'doctor-echo', connect: false, credentials: { kind: 'headers', headers: { 'X-Api-Key': key } } });

    const report = await diagnose('doctor-echo');
    assertWellFormed(report);
    assert.ok(seen.includes(key), 'the probes carry the stored key');
    const initialize = step(report, 'initialize');
    assert.equal(initialize.status, 'fail');
    assert.match(initialize.excerpt ?? '', /your key is ‹redacted›/);
    assert.match(step(report, 'token').detail, /^Stored: headers X-Api-Key \(values not shown\)/);
    assert.equal(JSON.stringify(report).includes(key), false, 'the key appears nowhere in the report');
  });

  test('a signed-in connector: what is stored and whether a refresh would run, never a token; the doctor refreshes nothing', async (t) => {
    const server = (await startExampleServer({ auth: {} })) as AuthenticatedExampleServer;
    t.after(() => server.close());
    server.auth.preRegister({ client_id: 'doctor-robot', client_secret: 'doctor-robot-secret' });
    const bearer = captureBearer();
    await using own = await openTestPatchbay({}, { wrapFetch: bearer.wrapFetch });
    const actor = own.actor('cli');
    const { connector } = await own.hub.addConnector(actor, { url: server.url, name: 'doctor-signed-in' });
    await own.hub.signInWithClientCredentials(actor, connector.name, { client_id: 'doctor-robot', client_secret: 'doctor-robot-secret' });
    await own.hub.callTool(actor, connector.name, 'echo', { message: 'hi' });
    const token = bearer.last();
    assert.ok(token, 'a token was used');

    const fine = await own.hub.diagnose(actor, connector.name);
    assertWellFormed(fine);
    assert.equal(fine.verdict, 'ok', fine.advice);
    assert.equal(step(fine, 'initialize').status, 'ok', 'the stored token was sent');
    const stored = step(fine, 'token');
    assert.equal(stored.status, 'ok');
    assert.match(stored.detail, /An access token from .* is stored \(value not shown\); it expires in \d+ min/);
    assert.match(stored.detail, /a machine client.*No refresh is needed yet\./);
    assert.equal(step(fine, 'tools').status, 'ok');

    server.auth.expireAccessTokens();
    const tokenRequests = server.auth.requests('token').length;
    const expired = await own.hub.diagnose(actor, connector.name);
    assertWellFormed(expired);
    assert.equal(expired.verdict, 'needs-sign-in');
    assert.equal(step(expired, 'initialize').status, 'warn');
    assert.match(step(expired, 'token').detail, /A refresh would be attempted before the next request, since the server refused this token\./);
    assert.match(step(expired, 'registration').detail, /stored machine client "doctor-robot" would be used/);
    assert.equal(server.auth.requests('token').length, tokenRequests, 'the doctor asked for no token');

    for (const report of [fine, expired]) {
      const text = JSON.stringify(report);
      assert.equal(text.includes(token), false, 'no token value');
      assert.equal(text.includes('doctor-robot-secret'), false, 'no client secret');
    }
  });

  test('an https server with a self-signed certificate: the TLS step shows the certificate and why it is refused', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'patchbay-doctor-tls-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    const made = spawnSync(
      'openssl',
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30', '-subj', '/CN=doctor.test/O=Patchbay Tests', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem')],
      { stdio: 'ignore' },
    );
    if (made.error || made.status !== 0) {
      t.skip('openssl is not available to make a certificate');
      return;
    }
    const tls = createHttpsServer({ key: await readFile(join(dir, 'key.pem')), cert: await readFile(join(dir, 'cert.pem')) }, (_req, res) => res.end());
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise((resolve) => tls.close(resolve)));
    const report = await diagnose(`https://127.0.0.1:${(tls.address() as AddressInfo).port}/mcp`);
    assertWellFormed(report);
    const connect = step(report, 'connect');
    assert.equal(connect.status, 'fail');
    assert.match(connect.detail, /^TLSv1\.3 to 127\.0\.0\.1:\d+; certificate for CN=doctor\.test, O=Patchbay Tests \(IP Address:127\.0\.0\.1\), issued by CN=doctor\.test, O=Patchbay Tests, valid \d{4}-\d\d-\d\d to \d{4}-\d\d-\d\d; not trusted: DEPTH_ZERO_SELF_SIGNED_CERT/);
    assert.equal(step(report, 'initialize').status, 'skipped');
    assert.match(report.advice, /certificate/);
  });

  test("a shared deployment's address policy applies to the doctor too", async (t) => {
    const server = await startExampleServer();
    t.after(() => server.close());
    await using shared = await openTestPatchbay({ PATCHBAY_HOST: '0.0.0.0' });
    const actor = shared.actor('cli');
    const plain = await shared.hub.diagnose(actor, server.url);
    assert.equal(step(plain, 'url').status, 'fail');
    assert.match(step(plain, 'url').detail, /this shared deployment does not reach/);
    const port = new URL(server.url).port;
    const secure = await shared.hub.diagnose(actor, `https://localhost:${port}/mcp`);
    assertWellFormed(secure);
    const dns = step(secure, 'dns');
    assert.equal(dns.status, 'fail');
    assert.match(dns.detail, /localhost resolves to .*127\.0\.0\.1 \(loopback, refused\)/);
    assert.match(dns.detail, /only a local Patchbay reaches/);
    assert.equal(step(secure, 'connect').status, 'skipped', 'nothing was opened');
  });
});

describe('the doctor through the HTTP API', () => {
  const TOKEN = 'pb_doctor-token-0123456789abcdef';
  const HOST = '127.0.0.1:7410';
  let server: ExampleServer;
  let patchbay: TestPatchbay;
  let app: ReturnType<typeof createTestApiApp>;
  const call = (method: string, path: string, body?: unknown, token = TOKEN) =>
    app.request(path, {
      method,
      headers: { host: HOST, authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  before(async () => {
    server = await startExampleServer();
    patchbay = await openTestPatchbay();
    app = createTestApiApp(patchbay, { accessToken: TOKEN, allowedHosts: [HOST], allowedOrigins: [] });
  });
  after(async () => {
    await patchbay?.close();
    await server?.close();
  });

  test('POST /api/doctor diagnoses a URL; GET /api/connectors/:name/doctor a connector; both need the token', async () => {
    assert.equal((await call('POST', '/api/doctor', { url: server.url }, 'pb_wrong-token-0123456789abcdef')).status, 401);
    const byUrl = await call('POST', '/api/doctor', { url: server.url });
    assert.equal(byUrl.status, 200);
    const { report } = (await byUrl.json()) as { report: DoctorReport };
    assertWellFormed(report);
    assert.equal(report.verdict, 'ok');

    const notUrl = await call('POST', '/api/doctor', { url: 'example' });
    assert.equal(notUrl.status, 400);
    assert.equal(((await notUrl.json()) as { error: { code: string } }).error.code, 'VALIDATION_FAILED');

    assert.equal((await call('GET', '/api/connectors/missing/doctor')).status, 404);
    await patchbay.hub.addConnector(patchbay.actor('api'), { url: server.url, name: 'doctored' });
    const byName = await call('GET', '/api/connectors/doctored/doctor');
    assert.equal(byName.status, 200);
    const named = ((await byName.json()) as { report: DoctorReport }).report;
    assert.equal(named.target.connector, 'doctored');
    assert.equal(named.verdict, 'ok');
  });
});

describe('patchbay doctor', () => {
  test('prints one line per step with its mark, and exits 4 when sign-in is needed, 5 when a step failed', async (t) => {
    const dataDir = await mkdtemp(join(tmpdir(), 'patchbay-doctor-cli-'));
    t.after(() => rm(dataDir, { recursive: true, force: true }));
    const server = await startExampleServer({ auth: {} });
    t.after(() => server.close());
    const hostile = await startHostileServer();
    t.after(() => hostile.close());
    const env = { PATCHBAY_DATA_DIR: dataDir };

    const signIn = await runCli(['doctor', server.url], { env });
    assert.equal(signIn.code, 4, signIn.stderr);
    const lines = signIn.stdout.split('\n');
    assert.equal(lines[0], `Doctor: ${server.url}`);
    assert.match(lines[1], /^✓ URL +\d+ ms {2}http:\/\/127\.0\.0\.1:\d+\/mcp: plain http to this machine/);
    assert.ok(lines.some((l) => /^! Streamable HTTP initialize +\d+ ms {2}HTTP 401 application\/json: the server wants sign-in/.test(l)));
    assert.ok(lines.some((l) => /^– Legacy HTTP\+SSE +Not tried: the server answered, asking for sign-in\.$/.test(l)));
    assert.ok(lines.some((l) => /^✓ Client registration +\d+ ms {2}Dynamic client registration at /.test(l)));
    assert.ok(lines.some((l) => /^– tools\/list +Skipped: sign-in comes first\.$/.test(l)));
    assert.match(signIn.stdout, /\n! needs sign-in: The server wants sign-in\. Add it with `patchbay add /);

    const broken = await runCli(['doctor', hostile.urlFor('html')], { env });
    assert.equal(broken.code, 5, broken.stderr);
    assert.match(broken.stdout, /\n✗ Streamable HTTP initialize +\d+ ms {2}HTTP 200 text\/html; charset=utf-8: /);
    assert.match(broken.stdout, /\n +│ <!doctype html>\\n<html lang="en">/, 'the excerpt, on one line');
    assert.match(broken.stdout, /\n✗ failed: The URL leads to a web page/);

    const json = await runCli(['doctor', hostile.urlFor('html'), '--json'], { env });
    assert.equal(json.code, 5);
    const report = JSON.parse(json.stdout) as DoctorReport;
    assert.equal(report.verdict, 'failed');
    assert.equal(report.steps.length, STEP_IDS.length);
  });
});
