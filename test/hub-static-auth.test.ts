import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { isPatchbayError } from '../src/core/errors.ts';
import { createLogger } from '../src/core/log.ts';
import type { CredentialsInput } from '../src/hub/index.ts';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';
import { API_KEY, PASSWORD, requireCredentials, USER } from './fixtures/static-credentials.ts';

describe('sign-in with an API key, custom headers, or a user name and password', () => {
  let server: ExampleServer;
  let patchbay: TestPatchbay;
  const seen: string[] = [];
  const logLines: string[] = [];
  const actor = () => patchbay.actor('cli');

  before(async () => {
    server = await startExampleServer({ authenticate: requireCredentials(seen) });
    patchbay = await openTestPatchbay({}, { logger: createLogger('debug', {}, (line) => logLines.push(line)) });
  });
  after(async () => {
    await patchbay?.close();
    await server?.close();
  });

  test('without credentials the connector waits for sign-in; with wrong ones adding fails and stores nothing', async () => {
    const { connector, catalog } = await patchbay.hub.addConnector(actor(), { url: server.url, name: 'waiting' });
    assert.equal(connector.status, 'needs-sign-in');
    assert.equal(catalog, null);
    await patchbay.hub.removeConnector(actor(), 'waiting');
    await assert.rejects(
      patchbay.hub.addConnector(actor(), { url: server.url, credentials: { kind: 'headers', headers: { 'X-Api-Key': 'sk-wrong-key-000000000000' } } }),
      (e: unknown) => isPatchbayError(e, 'AUTH_REQUIRED') && /refused the credentials/.test((e as Error).message),
    );
    assert.deepEqual(await patchbay.hub.listConnectors(actor()), []);
  });

  test('an API key header is sent on every request, stored encrypted and shown masked', async () => {
    const { connector } = await patchbay.hub.addConnector(actor(), {
      url: server.url,
      name: 'keyed',
      credentials: { kind: 'headers', headers: { 'X-Api-Key': API_KEY } },
    });
    assert.equal(connector.authKind, 'headers');
    const result = await patchbay.hub.callTool(actor(), 'keyed', 'echo', { message: 'with key' });
    assert.deepEqual(result.content, [{ type: 'text', text: 'with key' }]);
    assert.ok(seen.includes(API_KEY));

    const shown = await patchbay.hub.showCredentials(actor(), 'keyed');
    assert.deepEqual(shown, { kind: 'headers', headers: { 'X-Api-Key': '••••e1d3' } });
  });

  test('a key that stops working gives AUTH_REQUIRED saying so; a new key fixes it without re-adding', async () => {
    await patchbay.hub.setCredentials(actor(), 'keyed', { kind: 'headers', headers: { 'X-Api-Key': 'sk-revoked-000000000000000' } });
    await assert.rejects(
      patchbay.hub.callTool(actor(), 'keyed', 'echo', { message: 'x' }),
      (e: unknown) => isPatchbayError(e, 'AUTH_REQUIRED') && /refused the stored credentials/.test((e as Error).message),
    );
    assert.equal((await patchbay.hub.getConnector(actor(), 'keyed')).status, 'needs-sign-in');
    await patchbay.hub.setCredentials(actor(), 'keyed', { kind: 'headers', headers: { 'X-Api-Key': API_KEY } });
    const result = await patchbay.hub.callTool(actor(), 'keyed', 'echo', { message: 'back' });
    assert.deepEqual(result.content, [{ type: 'text', text: 'back' }]);
    assert.equal((await patchbay.hub.getConnector(actor(), 'keyed')).status, 'connected');
  });

  test('a user name and password go as HTTP Basic, and clearing them signs out', async () => {
    await patchbay.hub.addConnector(actor(), { url: server.url, name: 'basic', credentials: { kind: 'basic', username: USER, password: PASSWORD } });
    const result = await patchbay.hub.callTool(actor(), 'basic', 'echo', { message: 'basic ok' });
    assert.deepEqual(result.content, [{ type: 'text', text: 'basic ok' }]);
    assert.deepEqual(await patchbay.hub.showCredentials(actor(), 'basic'), { kind: 'basic', username: USER, password: '••••••••' });
    await patchbay.hub.clearCredentials(actor(), 'basic');
    assert.equal(await patchbay.hub.showCredentials(actor(), 'basic'), null);
    await assert.rejects(patchbay.hub.callTool(actor(), 'basic', 'echo', { message: 'x' }), (e: unknown) => isPatchbayError(e, 'AUTH_REQUIRED'));
  });

  test('credentials that would break the protocol or smuggle headers are refused', async () => {
    const refused: CredentialsInput[] = [
      { kind: 'headers' as const, headers: { Host: 'evil.example' } },
      { kind: 'headers' as const, headers: { 'Mcp-Session-Id': 'x' } },
      { kind: 'headers' as const, headers: { 'X-Key': 'a\r\nX-Injected: 1' } },
      { kind: 'headers' as const, headers: { 'Bad Name': 'v' } },
      { kind: 'headers' as const, headers: {} },
      { kind: 'basic' as const, username: 'a:b', password: 'p' },
    ];
    for (const credentials of refused) {
      await assert.rejects(patchbay.hub.setCredentials(actor(), 'keyed', credentials), (e: unknown) => isPatchbayError(e, 'VALIDATION_FAILED'), JSON.stringify(credentials));
    }
  });

  test('removing a connector removes its credentials', async () => {
    const connector = await patchbay.hub.getConnector(actor(), 'keyed');
    assert.equal((await patchbay.store.credentials.list(patchbay.localUser.id, connector.id)).length, 1);
    await patchbay.hub.removeConnector(actor(), 'keyed');
    assert.equal((await patchbay.store.credentials.list(patchbay.localUser.id, connector.id)).length, 0);
  });

  test('no secret appears in the database files or the logs', async () => {
    const files = (await readdir(patchbay.dataDir)).filter((f) => f.startsWith('patchbay.db'));
    assert.ok(files.length > 0);
    const bytes = Buffer.concat(await Promise.all(files.map((f) => readFile(join(patchbay.dataDir, f)))));
    const basic = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    for (const secret of [API_KEY, PASSWORD, basic]) {
      assert.equal(bytes.includes(Buffer.from(secret)), false, 'secret found in the database files');
      assert.equal(logLines.join('').includes(secret), false, 'secret found in the logs');
    }
    assert.ok(logLines.length > 0, 'the debug log was captured');
  });
});
