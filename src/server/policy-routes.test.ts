import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { openTestPatchbay, type TestPatchbay } from '../../test/fixtures/patchbay.ts';
import { createTestApiApp } from '../../test/fixtures/api-app.ts';
import { type ExampleServer, startExampleServer } from '../example-server/index.ts';

const TOKEN = 'pb_test-token-0123456789abcdef';
const HOST = '127.0.0.1:7410';

describe('tool settings, approvals and the audit over the API', () => {
  let server: ExampleServer;
  let patchbay: TestPatchbay;
  let app: ReturnType<typeof createTestApiApp>;
  const api = async (method: string, path: string, body?: unknown, accept = 'application/json') => {
    const response = await app.request(path, {
      method,
      headers: { host: HOST, authorization: `Bearer ${TOKEN}`, accept, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: response.status, text: await response.text() };
  };
  const json = (r: { text: string }) => JSON.parse(r.text) as any;

  before(async () => {
    server = await startExampleServer();
    patchbay = await openTestPatchbay();
    app = createTestApiApp(patchbay, { accessToken: TOKEN, allowedHosts: [HOST], allowedOrigins: [] });
    await patchbay.hub.addConnector(patchbay.actor('api'), { url: server.url, name: 'ex' });
  });
  after(async () => {
    await patchbay?.close();
    await server?.close();
  });

  test('settings: list, block a tool (the API call is refused), set the connector default', async () => {
    const listed = json(await api('GET', '/api/connectors/ex/tool-policies'));
    assert.equal(listed.policy.defaultApproval, 'ask');
    assert.equal(listed.tools.find((t: any) => t.name === 'add').annotations.readOnlyHint, true, 'the server claim is shown as such');
    const blocked = await api('PATCH', '/api/connectors/ex/tools/echo/setting', { approval: 'block' });
    assert.equal(json(blocked).setting.approval, 'block');
    const call = await api('POST', '/api/connectors/ex/tools/echo/call', { arguments: { message: 'x' } });
    assert.equal(call.status, 403);
    assert.equal(json(call).error.code, 'TOOL_BLOCKED');
    const bad = await api('PATCH', '/api/connectors/ex/tools/echo/setting', { approval: 'sometimes' });
    assert.equal(bad.status, 400);
    const policy = await api('PATCH', '/api/connectors/ex/policy', { defaultApproval: 'allow', limits: { perDay: 100 } });
    assert.deepEqual(json(policy).connector.policy, { defaultApproval: 'allow', allowReadOnly: false, limits: { perDay: 100 } });
    await api('PATCH', '/api/connectors/ex/policy', { defaultApproval: 'ask', limits: null });
    await api('PATCH', '/api/connectors/ex/tools/echo/setting', { approval: 'default' });
  });

  test('approvals: a gateway call waits; the API lists and answers it; the call then goes through with it', async () => {
    const gateway = patchbay.actor('gateway');
    let approvalId = '';
    await assert.rejects(patchbay.hub.callTool(gateway, 'ex', 'echo', { message: 'please' }), (e: any) => {
      approvalId = e.details.approvalId;
      return e.code === 'APPROVAL_REQUIRED';
    });
    const pending = json(await api('GET', '/api/approvals')).approvals;
    assert.ok(pending.some((a: any) => a.id === approvalId && a.arguments.message === 'please'));
    const answered = await api('POST', `/api/approvals/${approvalId}`, { answer: 'once' });
    assert.equal(json(answered).approval.status, 'allowed');
    const again = await api('POST', `/api/approvals/${approvalId}`, { answer: 'deny' });
    assert.equal(again.status, 409);
    const result = await patchbay.hub.callTool(gateway, 'ex', 'echo', { message: 'please' }, { approvalId });
    assert.deepEqual(result.content, [{ type: 'text', text: 'please' }]);
  });

  test('audit: as JSON and as JSON lines, filtered by connector', async () => {
    const events = json(await api('GET', '/api/audit?connector=ex')).events;
    assert.ok(events.some((e: any) => e.decision === 'refused:TOOL_BLOCKED' && e.door === 'api'));
    assert.ok(events.some((e: any) => e.decision === 'allowed:approval' && e.door === 'gateway'));
    const lines = await api('GET', '/api/audit?connector=ex&limit=2', undefined, 'application/x-ndjson');
    const parsed = lines.text.trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(parsed.length, 2);
    assert.equal(json(await api('GET', '/api/audit?connector=nothing')).events.length, 0);
    assert.equal((await api('GET', '/api/audit?since=yesterday')).status, 400);
  });

  test('audit pages: older and newer cursors walk the whole log without gaps or repeats; a made-up cursor is refused', async () => {
    for (let i = 0; i < 7; i++) await patchbay.hub.callTool(patchbay.actor('cli'), 'ex', 'add', { a: i, b: 1 });
    const all = json(await api('GET', '/api/audit?connector=ex&limit=1000')).events.map((e: any) => e.id);
    assert.ok(all.length >= 9, `${all.length}`);
    const first = json(await api('GET', '/api/audit?connector=ex&limit=4'));
    assert.equal(first.newer, null, 'the newest page has nothing newer');
    assert.ok(first.older);
    const seen: string[] = [...first.events.map((e: any) => e.id)];
    const pages = [first];
    let page = first;
    while (page.older) {
      page = json(await api('GET', `/api/audit?connector=ex&limit=4&before=${page.older}`));
      assert.ok(page.newer, 'an older page always has a newer one');
      pages.push(page);
      seen.push(...page.events.map((e: any) => e.id));
    }
    assert.deepEqual(seen, all, 'older pages, one after another, are the whole log in order');
    // And back up again from the oldest page.
    const back: string[] = [...page.events.map((e: any) => e.id)];
    while (page.newer) {
      page = json(await api('GET', `/api/audit?connector=ex&limit=4&after=${page.newer}`));
      assert.ok(page.events.length > 0 && page.events.length <= 4);
      back.unshift(...page.events.map((e: any) => e.id));
    }
    assert.deepEqual(back, all, 'newer pages lead back to the newest without gaps');
    assert.equal(page.older !== null, true);
    const forged = await api('GET', '/api/audit?before=not-a-cursor');
    assert.equal(forged.status, 400);
    assert.match(json(forged).error.message, /cursor/);
    assert.equal((await api('GET', `/api/audit?before=${first.older}&after=${first.older}`)).status, 400);
  });
});
