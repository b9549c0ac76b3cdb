/**
 * A call held for the person's approval goes on as soon as the answer comes — given in
 * this process, by `patchbay approve` in another process on the SQLite file, or on
 * another replica on PostgreSQL — instead of when it next looks. `hub.approvalChange`
 * says why it returned; every wait here is a minute long, so a 'timeout' means the
 * answer was never noticed.
 */
import assert from 'node:assert/strict';
import { type TestContext, test } from 'node:test';
import { isPatchbayError } from '../src/core/errors.ts';
import { startExampleServer } from '../src/example-server/index.ts';
import { startServer } from '../src/server/index.ts';
import { MAX_HELD_APPROVAL_WAITS } from '../src/server/routes/policy.ts';
import { createTestApiApp, TEST_HOST, TEST_TOKEN } from './fixtures/api-app.ts';
import { runCli } from './fixtures/cli-process.ts';
import { connectGateway } from './fixtures/gateway-client.ts';
import { replicaEnvironment } from './fixtures/hub-events.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

const url = process.env.PATCHBAY_TEST_DATABASE_URL;
const MINUTE = 60_000;

/** A Patchbay with the example server as "ex" (its tools at Ask, the default). */
async function openWithExample(t: TestContext, env: Record<string, string> = {}): Promise<TestPatchbay> {
  const server = await startExampleServer();
  t.after(() => server.close());
  const patchbay = await openTestPatchbay(env);
  t.after(() => patchbay.close());
  await patchbay.hub.addConnector(patchbay.actor('cli'), { url: server.url, name: 'ex' });
  return patchbay;
}

/** Calls echo as a client would (at Ask) and returns the id of the approval request it opened. */
async function askForApproval(patchbay: TestPatchbay, message: string): Promise<string> {
  const refused = await patchbay.hub.callTool(patchbay.actor('gateway'), 'ex', 'echo', { message }).then(
    () => assert.fail('a call at Ask went through unasked'),
    (error: unknown) => error,
  );
  assert.ok(isPatchbayError(refused, 'APPROVAL_REQUIRED'), String(refused));
  return String(refused.details?.approvalId);
}

/** Waits (woken only by changes) until the request is no longer pending; fails if a wait runs out instead. */
async function answeredWhileWatching(patchbay: TestPatchbay, id: string): Promise<string | undefined> {
  for (;;) {
    assert.equal(await patchbay.hub.approvalChange(MINUTE), 'changed', 'woken by the answer, not by the time limit');
    const request = await patchbay.hub.approvalRequest(patchbay.actor('cli'), id);
    if (request?.status !== 'pending') return request?.status;
  }
}

test('an answer given in this process wakes the waiter at once; a cancelled wait says so', async (t) => {
  const patchbay = await openWithExample(t);
  const id = await askForApproval(patchbay, 'here');
  const woken = patchbay.hub.approvalChange(MINUTE);
  await patchbay.hub.answerApproval(patchbay.actor('cli'), id, 'once');
  assert.equal(await woken, 'changed');
  assert.equal((await patchbay.hub.approvalRequest(patchbay.actor('cli'), id))?.status, 'allowed');

  const controller = new AbortController();
  const cancelled = patchbay.hub.approvalChange(MINUTE, controller.signal);
  controller.abort();
  assert.equal(await cancelled, 'aborted');
  assert.equal(await patchbay.hub.approvalChange(20), 'timeout', 'with nothing changing, the wait ends at its limit');

  // A change between reading the approvals and starting to wait is not missed: the mark taken before the read says so.
  const mark = patchbay.hub.approvalMark();
  await askForApproval(patchbay, 'in between');
  assert.equal(await patchbay.hub.approvalChange(MINUTE, undefined, mark), 'changed');
});

test('SQLite: `patchbay approve` in another process wakes the waiter', async (t) => {
  const patchbay = await openWithExample(t);
  const id = await askForApproval(patchbay, 'from the CLI');
  const approved = runCli(['approve', id], { env: { PATCHBAY_DATA_DIR: patchbay.dataDir } });
  assert.equal(await answeredWhileWatching(patchbay, id), 'allowed');
  const cli = await approved;
  assert.equal(cli.code, 0, cli.stderr);

  // Answered by another process between a read and the wait: the mark taken before the read ends the wait at once.
  const second = await askForApproval(patchbay, 'answered in between');
  const mark = patchbay.hub.approvalMark();
  const denied = await runCli(['deny', second], { env: { PATCHBAY_DATA_DIR: patchbay.dataDir } });
  assert.equal(denied.code, 0, denied.stderr);
  assert.equal(await patchbay.hub.approvalChange(MINUTE, undefined, mark), 'changed');
});

test('the gateway: a call held for approval goes on when `patchbay approve` answers in another process', async (t) => {
  const patchbay = await openWithExample(t, { PATCHBAY_GATEWAY_APPROVAL_WAIT_MS: String(MINUTE) });
  const server = await startServer(patchbay, 'pb_unused-api-token-0123456789', { port: 0 });
  t.after(() => server.close());
  const token = (await patchbay.tokens.create(patchbay.actor('cli'), { name: 'client' })).secret;
  await using gw = await connectGateway(`${server.url}/mcp`, token);
  const call = gw.client.callTool({ name: 'ex__echo', arguments: { message: 'held' } });
  let pending = await patchbay.hub.pendingApprovals(patchbay.actor('cli'));
  while (pending.length === 0) {
    await patchbay.hub.approvalChange(MINUTE);
    pending = await patchbay.hub.pendingApprovals(patchbay.actor('cli'));
  }
  const cli = await runCli(['approve', pending[0].id], { env: { PATCHBAY_DATA_DIR: patchbay.dataDir } });
  assert.equal(cli.code, 0, cli.stderr);
  const result = (await call) as { content: Array<{ text?: string }>; isError?: boolean };
  assert.equal(result.isError, undefined, JSON.stringify(result));
  assert.equal(result.content[0].text, 'held');
});

test('GET /api/approvals?wait=&seen= answers once the pending approvals are no longer those it saw, or when the wait runs out', async (t) => {
  const patchbay = await openWithExample(t);
  const app = createTestApiApp(patchbay);
  const get = async (query = '') => {
    const response = await app.request(`/api/approvals${query}`, { headers: { host: TEST_HOST, authorization: `Bearer ${TEST_TOKEN}` } });
    return { status: response.status, json: (await response.json()) as { approvals?: Array<{ id: string }>; tag?: string; error?: { code: string; message: string } } };
  };
  const empty = await get();
  assert.equal(empty.status, 200);
  assert.deepEqual(empty.json.approvals, []);
  assert.equal(typeof empty.json.tag, 'string');

  // Held while nothing changes; answered as soon as a call starts waiting.
  const held = get(`?wait=25&seen=${empty.json.tag}`);
  const id = await askForApproval(patchbay, 'watched');
  const changed = await held;
  assert.deepEqual(changed.json.approvals?.map((a) => a.id), [id]);
  assert.notEqual(changed.json.tag, empty.json.tag);

  // A tag that is not the current one is answered at once; the current one at the end of the wait, unchanged.
  assert.deepEqual((await get(`?wait=25&seen=${empty.json.tag}`)).json.approvals?.map((a) => a.id), [id]);
  const unchanged = await get(`?wait=1&seen=${changed.json.tag}`);
  assert.equal(unchanged.json.tag, changed.json.tag);

  // An answer changes the set too.
  const answered = get(`?wait=25&seen=${changed.json.tag}`);
  await patchbay.hub.answerApproval(patchbay.actor('cli'), id, 'deny');
  assert.deepEqual((await answered).json.approvals, []);

  const tooLong = await get('?wait=600');
  assert.equal(tooLong.status, 400);
  assert.equal(tooLong.json.error?.code, 'VALIDATION_FAILED');
  assert.match(tooLong.json.error?.message ?? '', /wait/);
});

test(`one person has at most ${MAX_HELD_APPROVAL_WAITS} GET /api/approvals requests held at once; the next is answered at once, and holding resumes when a place frees`, async (t) => {
  const patchbay = await openWithExample(t);
  const app = createTestApiApp(patchbay);
  const get = async (query = '', signal?: AbortSignal) => {
    const response = await app.request(`/api/approvals${query}`, { headers: { host: TEST_HOST, authorization: `Bearer ${TEST_TOKEN}` }, signal });
    assert.equal(response.status, 200);
    return (await response.json()) as { approvals: Array<{ id: string }>; tag: string };
  };
  const { tag } = await get();
  let answered = 0;
  const holding = Array.from({ length: MAX_HELD_APPROVAL_WAITS }, () => get(`?wait=25&seen=${tag}`).finally(() => answered++));
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(answered, 0, 'the first ones are held');

  // One more is not held: it answers with the unchanged set while the others still wait. Until all of
  // them are held (a busy machine may take a while), a probe is held too: it is given up and tried again.
  let extra: Awaited<ReturnType<typeof get>> | undefined;
  for (let attempt = 0; attempt < 100 && !extra; attempt++) {
    const controller = new AbortController();
    const probe = get(`?wait=25&seen=${tag}`, controller.signal);
    extra = await Promise.race([probe, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 200))]);
    if (!extra) {
      controller.abort();
      await probe.catch(() => {});
    }
  }
  assert.ok(extra, 'a request past the limit is answered at once');
  assert.equal(extra.tag, tag);
  assert.equal(answered, 0, 'answered before any held request');

  // A change answers all of them, which frees their places: the next request is held again.
  const id = await askForApproval(patchbay, 'many tabs');
  const all = await Promise.all(holding);
  assert.ok(all.every((answer) => answer.approvals.length === 1 && answer.approvals[0].id === id));
  let settled = false;
  const again = get(`?wait=25&seen=${all[0].tag}`).finally(() => {
    settled = true;
  });
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(settled, false, 'held again once places are free');
  await patchbay.hub.answerApproval(patchbay.actor('cli'), id, 'deny');
  assert.deepEqual((await again).approvals, []);
});

test('PostgreSQL: an answer on one replica wakes a waiter on another, and leaves its other lookups alone', { skip: url ? false : 'PATCHBAY_TEST_DATABASE_URL is not set' }, async (t) => {
  const env = replicaEnvironment(t, url!, 'pb_approvals');
  const a = await openWithExample(t, env);
  const b = await openTestPatchbay(env);
  t.after(() => b.close());
  // B opens the request; A is woken by its notice, after every earlier one (notices arrive in commit order).
  const asked = a.hub.approvalChange(MINUTE);
  const id = await askForApproval(b, 'from another replica');
  assert.equal(await asked, 'changed');
  const settings = a.store.changes.version('settings');
  assert.notEqual(settings, null, 'replica A listens for changes');

  const answered = answeredWhileWatching(a, id);
  await b.hub.answerApproval(b.actor('cli'), id, 'once');
  assert.equal(await answered, 'allowed');
  assert.equal(a.store.changes.version('settings'), settings, 'an approval does not empty the door’s lookups on other replicas');
});
