import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startExampleServer } from '../src/example-server/index.ts';
import { openTestPatchbay } from './fixtures/patchbay.ts';

test('audit events older than the retention are deleted; newer ones stay', async (t) => {
  const server = await startExampleServer();
  t.after(() => server.close());
  await using patchbay = await openTestPatchbay({ PATCHBAY_AUDIT_RETENTION_DAYS: '30' });
  const actor = patchbay.actor('cli');
  const { connector } = await patchbay.hub.addConnector(actor, { url: server.url });
  await patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'kept for now' });
  await patchbay.hub.auditIdle();
  assert.equal((await patchbay.hub.auditEvents(actor)).length, 1);
  assert.equal(await patchbay.hub.pruneHistory(30), 0, 'a fresh event is kept');
  assert.equal(await patchbay.hub.pruneHistory(30, Date.now() + 31 * 86_400_000), 1, 'a month later it is gone');
  assert.deepEqual(await patchbay.hub.auditEvents(actor), []);
});
