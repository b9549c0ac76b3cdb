import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startExampleServer } from '../src/example-server/index.ts';
import { finished, runCli, spawnCli } from './fixtures/cli-process.ts';
import { getFreePort } from './fixtures/free-port.ts';

describe('patchbay login', () => {
  let server: Awaited<ReturnType<typeof startExampleServer>>;
  let dataDir: string;
  const env = (extra: Record<string, string> = {}) => ({ PATCHBAY_DATA_DIR: dataDir, ...extra });

  before(async () => {
    server = await startExampleServer({ auth: {} });
    dataDir = await mkdtemp(join(tmpdir(), 'patchbay-cli-login-'));
  });
  after(async () => {
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('signs in through the loopback listener: shows the scopes, prints the address, and the connector works', async () => {
    const added = await runCli(['add', server.url, '--name', 'secured'], { env: env() });
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /patchbay login secured/);

    const port = await getFreePort();
    const child = spawnCli(['login', 'secured', '--no-browser', '--port', String(port)], { env: env() });
    const done = finished(child);
    let stderr = '';
    const address = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (chunk: string) => {
        stderr += chunk;
        const match = /^\s+(http\S+\/authorize\S*)$/m.exec(stderr);
        if (match) resolve(match[1]);
      });
      child.once('close', () => reject(new Error(`login exited early: ${stderr}`)));
    });
    assert.match(stderr, /It asks for: .*mcp:read/);
    // The person's browser: the authorization server approves and sends it back to the CLI's listener.
    const approved = await fetch(address, { redirect: 'manual' });
    const callback = approved.headers.get('location');
    assert.ok(callback?.startsWith(`http://127.0.0.1:${port}/callback?`), `redirected to ${callback}`);
    const page = await fetch(callback!);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /Signed in/);
    const result = await done;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Signed in to "secured"/);

    const call = await runCli(['call', 'secured', 'echo', '--arg', 'message=after login'], { env: env() });
    assert.equal(call.code, 0, call.stderr);
    assert.match(call.stdout, /after login/);

    const revoked = () => (server as unknown as { auth: { requests(kind: string): readonly unknown[] } }).auth.requests('revoke').length;
    const revokedBefore = revoked();
    const logout = await runCli(['logout', 'secured', '--json'], { env: env() });
    assert.equal(logout.code, 0, logout.stderr);
    assert.equal(JSON.parse(logout.stdout).status, 'needs-sign-in');
    assert.ok(revoked() > revokedBefore, 'the tokens were revoked at the server');
    const refused = await runCli(['call', 'secured', 'echo', '--arg', 'message=x', '--json'], { env: env() });
    assert.equal(refused.code, 4);
  });

  test('a busy port fails fast with a clear message', async (t) => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    t.after(() => new Promise<void>((resolve) => blocker.close(() => resolve())));
    const port = (blocker.address() as { port: number }).port;
    const run = await runCli(['login', 'secured', '--no-browser', '--port', String(port)], { env: env() });
    assert.equal(run.code, 1);
    assert.match(run.stderr, new RegExp(`Port ${port} .* in use`));
  });

  test('--client-credentials signs in as a machine with a secret from stdin; no browser, no listener', async () => {
    const auth = (server as unknown as { auth: { preRegister(c: Record<string, unknown>): void; requests(kind: string): readonly unknown[] } }).auth;
    auth.preRegister({ client_id: 'svc-42', client_secret: 'machine-secret-0123456789', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_basic' });
    assert.equal((await runCli(['add', server.url, '--name', 'machine'], { env: env() })).code, 0);
    const run = await runCli(['login', 'machine', '--client-credentials', '--client-id', 'svc-42', '--client-secret-stdin'], { env: env(), input: 'machine-secret-0123456789\n' });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /as the client svc-42/);
    assert.equal(run.stdout.includes('machine-secret'), false);
    const call = await runCli(['call', 'machine', 'echo', '--arg', 'message=m2m'], { env: env() });
    assert.equal(call.code, 0, call.stderr);
    const wrong = await runCli(['login', 'machine', '--client-credentials', '--client-id', 'svc-42', '--client-secret-stdin', '--json'], { env: env(), input: 'not-the-secret\n' });
    assert.equal(wrong.code, 4);
    assert.equal(wrong.stdout.includes('not-the-secret'), false, 'the secret is not echoed in the error');
  });
});
