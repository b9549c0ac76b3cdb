import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { isPatchbayError } from '../src/core/errors.ts';
import { startExampleServer } from '../src/example-server/index.ts';
import { openTestPatchbay } from './fixtures/patchbay.ts';

describe('connector URLs in a shared deployment (not bound to loopback)', () => {
  const hostile = [
    'http://127.0.0.1:6666\\@1.1.1.1/',
    'http://2130706433/',
    'http://0x7f.1/',
    'http://[::ffff:a9fe:a9fe]/',
    'https://[::ffff:a9fe:a9fe]/',
    'https://169.254.169.254/latest/meta-data/',
    'https://10.0.0.5/mcp',
    'https://[fd00::1]/mcp',
    'https://100.64.0.1/mcp',
    'https://localhost/mcp',
  ];
  for (const url of hostile) {
    test(`refuses ${url} and stores nothing`, async () => {
      await using patchbay = await openTestPatchbay({ PATCHBAY_HOST: '0.0.0.0' });
      await assert.rejects(patchbay.hub.addConnector(patchbay.actor('api'), { url, connect: false }), (e: unknown) => {
        assert.ok(isPatchbayError(e), String(e));
        assert.ok(['SSRF_BLOCKED', 'INVALID_URL'].includes(e.code), `${e.code}: ${e.message}`);
        return true;
      });
      assert.deepEqual(await patchbay.hub.listConnectors(patchbay.actor('api')), []);
    });
  }

  test('a server on this machine is refused there, and allowed in local mode', async (t) => {
    const server = await startExampleServer();
    t.after(() => server.close());
    {
      await using shared = await openTestPatchbay({ PATCHBAY_HOST: '0.0.0.0' });
      await assert.rejects(shared.hub.addConnector(shared.actor('api'), { url: server.url }), (e: unknown) => isPatchbayError(e, 'SSRF_BLOCKED'));
    }
    await using local = await openTestPatchbay();
    const { connector } = await local.hub.addConnector(local.actor('cli'), { url: server.url });
    assert.equal(connector.status, 'connected');
  });

  test('an update to a forbidden address is refused and the connector keeps its URL', async () => {
    await using patchbay = await openTestPatchbay({ PATCHBAY_HOST: '0.0.0.0' });
    const actor = patchbay.actor('api');
    const { connector } = await patchbay.hub.addConnector(actor, { url: 'https://93.184.216.34/mcp', name: 'public', connect: false });
    await assert.rejects(patchbay.hub.updateConnector(actor, 'public', { url: 'https://169.254.169.254/' }), (e: unknown) => isPatchbayError(e, 'SSRF_BLOCKED'));
    assert.equal((await patchbay.hub.getConnector(actor, 'public')).url, connector.url);
  });

  test('a host name that does not resolve is a typed error', async () => {
    await using patchbay = await openTestPatchbay({ PATCHBAY_HOST: '0.0.0.0' });
    await assert.rejects(
      patchbay.hub.addConnector(patchbay.actor('api'), { url: 'https://no-such-host.invalid/mcp', connect: false }),
      (e: unknown) => isPatchbayError(e, 'CONNECTOR_UNREACHABLE'),
    );
  });
});

describe('connector URLs in local mode (bound to loopback)', () => {
  for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:a9fe:a9fe]/mcp', 'http://169.254.170.2/v2/credentials', 'https://169.254.169.254/mcp']) {
    test(`never connects to the cloud metadata endpoint ${url}`, async () => {
      await using patchbay = await openTestPatchbay();
      // Plain http to the LAN is the person's choice here (--allow-http); the metadata endpoint is not.
      await assert.rejects(patchbay.hub.addConnector(patchbay.actor('cli'), { url, allowHttp: true }), (e: unknown) => {
        assert.ok(isPatchbayError(e), String(e));
        assert.equal(e.code, 'SSRF_BLOCKED', `${e.code}: ${e.message}`);
        assert.match(e.message, /cloud metadata endpoint/);
        return true;
      });
      assert.deepEqual(await patchbay.hub.listConnectors(patchbay.actor('cli')), []);
    });
  }
});
