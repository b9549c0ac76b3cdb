import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPatchbayError } from '../src/core/errors.ts';
import { startExampleServer } from '../src/example-server/index.ts';
import { replicaEnvironment } from './fixtures/hub-events.ts';
import { openTestPatchbay } from './fixtures/patchbay.ts';

test('a limit of 3 a day with 10 concurrent calls: exactly 3 reach the server, 7 are refused with the reset time', async (t) => {
  const server = await startExampleServer();
  t.after(() => server.close());
  await using patchbay = await openTestPatchbay();
  const actor = patchbay.actor('cli');
  const { connector } = await patchbay.hub.addConnector(actor, { url: server.url });
  await patchbay.hub.updateToolSetting(actor, connector.name, 'echo', { limits: { perDay: 3 } });
  const outcomes = await Promise.allSettled(Array.from({ length: 10 }, (_, i) => patchbay.hub.callTool(actor, connector.name, 'echo', { message: `n${i}` })));
  const ok = outcomes.filter((o) => o.status === 'fulfilled');
  const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected');
  assert.equal(ok.length, 3);
  assert.equal(refused.length, 7);
  const midnight = new Date();
  midnight.setUTCHours(24, 0, 0, 0);
  for (const r of refused) {
    assert.ok(isPatchbayError(r.reason, 'USAGE_LIMIT_EXCEEDED'), String(r.reason));
    assert.equal(r.reason.details?.resetsAt, midnight.toISOString());
  }
  await patchbay.hub.auditIdle();
  const events = await patchbay.hub.auditEvents(actor, { connector: connector.name, limit: 100 });
  assert.equal(events.filter((e) => e.toolName === 'echo' && e.decision.startsWith('allowed')).length, 3, 'three calls reached the server');
  assert.equal(events.filter((e) => e.decision === 'refused:USAGE_LIMIT_EXCEEDED').length, 7);
  // Another tool of the same connector is not limited by echo's limit.
  await patchbay.hub.callTool(actor, connector.name, 'add', { a: 1, b: 1 });
});

test('a concurrency limit of 2 lets two calls run at once and refuses the third', async (t) => {
  const server = await startExampleServer();
  t.after(() => server.close());
  await using patchbay = await openTestPatchbay();
  const actor = patchbay.actor('cli');
  const { connector } = await patchbay.hub.addConnector(actor, { url: server.url });
  await patchbay.hub.setConnectorPolicy(actor, connector.name, { limits: { concurrent: 2 } });
  // Each slow call reports progress once it runs at the server: then both hold their slot.
  let running = 0;
  let bothRunning: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    bothRunning = resolve;
  });
  const slow = () => {
    let counted = false;
    return patchbay.hub.callTool(actor, connector.name, 'slow', { steps: 3, delayMs: 200 }, {
      onProgress: () => {
        if (counted) return;
        counted = true;
        if (++running === 2) bothRunning();
      },
    });
  };
  const first = [slow(), slow()];
  await started;
  await assert.rejects(patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'third' }), (e: unknown) => isPatchbayError(e, 'USAGE_LIMIT_EXCEEDED'));
  await Promise.all(first);
  await patchbay.hub.callTool(actor, connector.name, 'echo', { message: 'after' });
});

const url = process.env.PATCHBAY_TEST_DATABASE_URL;
test('the same limit holds across two Patchbay processes on one PostgreSQL', { skip: url ? false : 'PATCHBAY_TEST_DATABASE_URL is not set' }, async (t) => {
  const server = await startExampleServer();
  t.after(() => server.close());
  const env = replicaEnvironment(t, url!, 'pb_limits');
  await using a = await openTestPatchbay(env);
  await using b = await openTestPatchbay(env);
  await a.hub.addConnector(a.actor('api'), { url: server.url, name: 'shared' });
  await a.hub.updateToolSetting(a.actor('api'), 'shared', 'echo', { limits: { perDay: 3 } });
  const calls = Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).hub.callTool((i % 2 ? a : b).actor('api'), 'shared', 'echo', { message: `m${i}` }));
  const outcomes = await Promise.allSettled(calls);
  assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 3);
  assert.equal(outcomes.filter((o) => o.status === 'rejected' && isPatchbayError(o.reason, 'USAGE_LIMIT_EXCEEDED')).length, 7);
});
