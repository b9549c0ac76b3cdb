/**
 * The Approvals page and paging through Activity, in a real browser (Debian's Chromium
 * through playwright-core) against a real `patchbay serve` and two real example servers.
 * Calls from "another client" are made through the hub on the same data directory, as
 * the gateway would make them.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import type { PatchbayError } from '../src/core/errors.ts';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { openTestPatchbay } from './fixtures/patchbay.ts';
import { startWebSession, type WebSession } from './fixtures/web-browser.ts';

describe('approvals and activity pages in the browser', () => {
  let first: ExampleServer;
  let second: ExampleServer;
  let web: WebSession;
  let page: Page;

  before(async () => {
    first = await startExampleServer();
    second = await startExampleServer();
    web = await startWebSession();
    page = web.page;
    await web.signIn();
    for (const [name, server] of [
      ['alpha', first],
      ['beta', second],
    ] as const) {
      const added = await web.api('POST', '/api/connectors', { url: server.url, name });
      assert.equal(added.status, 201, JSON.stringify(added.json));
    }
  });

  after(async () => {
    await web?.close();
    await first?.close();
    await second?.close();
  });

  /** A call from another client to a tool set to Ask: it waits; its approval id is returned. */
  const askFromGateway = async (connector: string, tool: string, args: Record<string, unknown>) => {
    await using other = await openTestPatchbay({}, { dataDir: web.dataDir });
    const refused = await other.hub.callTool(other.actor('gateway'), connector, tool, args).then(
      () => assert.fail('an Ask tool ran without approval'),
      (error: PatchbayError) => error,
    );
    assert.equal(refused.code, 'APPROVAL_REQUIRED');
    return refused.details?.approvalId as string;
  };

  test('every connector’s waiting calls on one page, with the full arguments; once, always and deny each do what they say', async () => {
    const nested = { message: 'to alpha', options: { depth: 2, tags: ['x', 'y'], note: '<img src=x onerror="window.__pwned=1">' } };
    const onceId = await askFromGateway('alpha', 'echo', nested);
    await askFromGateway('beta', 'add', { a: 2, b: 3 });
    const denyId = await askFromGateway('beta', 'echo', { message: 'to beta' });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
    await page.getByRole('heading', { name: 'Approvals', exact: true }).waitFor();
    const list = page.getByRole('region', { name: 'Waiting for your approval' });
    const alpha = list.getByRole('article').filter({ has: page.getByRole('link', { name: 'alpha' }) });
    await alpha.waitFor();
    assert.deepEqual(JSON.parse((await alpha.locator('pre').textContent()) ?? ''), nested, 'the full arguments, nested ones included');
    await alpha.getByText('Gateway', { exact: false }).waitFor();
    const betaAdd = list.getByRole('article', { name: 'add waiting' });
    assert.equal(await betaAdd.getByRole('link', { name: 'beta' }).count(), 1);
    assert.equal(await list.getByRole('article').count(), 3);
    await web.screenshot('approvals', { fullPage: true });

    await alpha.getByRole('button', { name: 'Allow once' }).click();
    await alpha.waitFor({ state: 'detached' });
    await betaAdd.getByRole('button', { name: 'Always allow' }).click();
    await betaAdd.waitFor({ state: 'detached' });
    const betaEcho = list.getByRole('article', { name: 'echo waiting' });
    await betaEcho.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('Nothing is waiting for your approval.').waitFor();

    await using other = await openTestPatchbay({}, { dataDir: web.dataDir });
    const gateway = other.actor('gateway');
    const result = await other.hub.callTool(gateway, 'alpha', 'echo', nested, { approvalId: onceId });
    assert.deepEqual(result.content, [{ type: 'text', text: 'to alpha' }]);
    await assert.rejects(other.hub.callTool(gateway, 'beta', 'echo', { message: 'to beta' }, { approvalId: denyId }), (e: PatchbayError) => e.code === 'APPROVAL_INVALID');
    const add = (await web.api('GET', '/api/connectors/beta/tool-policies')).json.tools.find((t: any) => t.name === 'add');
    assert.equal(add.setting.approval, 'allow', 'Always allow sets the tool to Allow');
    const added = await other.hub.callTool(gateway, 'beta', 'add', { a: 5, b: 6 });
    assert.equal(added.isError ?? false, false, 'a new call to an always-allowed tool needs no approval');
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined);
  });

  test('a call that starts waiting while the page is open shows up without a reload, through a request the server held for it', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Approvals' }).click();
    await page.getByText('Nothing is waiting for your approval.').waitFor();
    // The page's request now waits for a change (up to 25 s, more than the 15 s any wait here
    // allows): the new call shows up because the server answers it when the call starts waiting.
    const held = page.waitForResponse((response) => /\/api\/approvals\?wait=\d+&seen=/.test(response.url()));
    await askFromGateway('beta', 'echo', { message: 'arrived while you watched' });
    const answered = await held;
    assert.equal(((await answered.json()) as { approvals: unknown[] }).approvals.length, 1);
    const list = page.getByRole('region', { name: 'Waiting for your approval' });
    const arrived = list.getByRole('article', { name: 'echo waiting' });
    await arrived.waitFor();
    assert.match((await arrived.locator('pre').textContent()) ?? '', /arrived while you watched/);
    await arrived.getByRole('button', { name: 'Deny' }).click();
    await page.getByText('Nothing is waiting for your approval.').waitFor();
  });

  test('on any page, the navigation and the tab title say how many calls wait, as they start waiting and as they are answered', async () => {
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Connectors' }).click();
    await page.getByRole('heading', { name: 'Connectors', exact: true }).waitFor();
    assert.equal(await nav.getByRole('status').count(), 0, 'nothing waits: no count');
    const first = await askFromGateway('alpha', 'echo', { message: 'one' });
    await nav.getByRole('status', { name: '1 waiting' }).waitFor();
    const second = await askFromGateway('beta', 'echo', { message: 'two' });
    await nav.getByRole('status', { name: '2 waiting' }).waitFor();
    await web.screenshot('navigation-waiting-count');
    assert.equal(await page.title(), '(2) Patchbay');
    // Answered elsewhere (the API, as `patchbay approve` or another tab would): the count follows.
    for (const id of [first, second]) assert.equal((await web.api('POST', `/api/approvals/${id}`, { answer: 'deny' })).status, 200);
    await nav.getByRole('status').waitFor({ state: 'detached' });
    assert.equal(await page.title(), 'Patchbay');
  });

  test('a tab in the background holds no request (the browser’s few connections stay free for other tabs), and looks again when shown', async () => {
    const isHeld = (url: string) => /\/api\/approvals\?wait=/.test(url);
    const isPlain = (url: string) => /\/api\/approvals$/.test(url);
    // The page holds a request while shown.
    const held = page.waitForRequest((request) => isHeld(request.url()));
    await page.reload();
    const holding = await held;
    const setVisibility = (state: 'hidden' | 'visible') =>
      page.evaluate((value) => {
        Object.defineProperty(document, 'visibilityState', { value, configurable: true });
        document.dispatchEvent(new (globalThis as unknown as { Event: new (type: string) => unknown }).Event('visibilitychange'));
      }, state);

    // Hidden: the held request is given up, and what follows is asked without being held.
    const givenUp = page.waitForEvent('requestfailed', (request) => request === holding);
    const plain = page.waitForRequest((request) => isPlain(request.url()));
    await setVisibility('hidden');
    await givenUp;
    await plain;
    const heldWhileHidden: string[] = [];
    const onRequest = (request: { url(): string }) => {
      if (isHeld(request.url())) heldWhileHidden.push(request.url());
    };
    page.on('request', onRequest);
    await askFromGateway('alpha', 'echo', { message: 'while hidden' });
    await page.waitForTimeout(500);
    page.off('request', onRequest);
    assert.deepEqual(heldWhileHidden, [], 'no request is held while hidden');

    // Shown again: it looks at once (the call that started waiting meanwhile is there), then holds again.
    const heldAgain = page.waitForRequest((request) => isHeld(request.url()));
    await setVisibility('visible');
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('status', { name: '1 waiting' }).waitFor();
    await heldAgain;
    for (const approval of (await web.api('GET', '/api/approvals')).json.approvals) await web.api('POST', `/api/approvals/${approval.id}`, { answer: 'deny' });
    await nav.getByRole('status').waitFor({ state: 'detached' });
  });

  test('"Always allow" on a connector’s page shows the tool at Allow in its table at once', async () => {
    await page.goto(`${web.base}/connectors/alpha`);
    const approval = page.getByLabel('Approval for slow');
    await approval.waitFor();
    assert.notEqual(await approval.inputValue(), 'allow');
    await askFromGateway('alpha', 'slow', { steps: 1 });
    const waiting = page.getByRole('article', { name: 'slow waiting' });
    await waiting.getByRole('button', { name: 'Always allow' }).click();
    await waiting.waitFor({ state: 'detached' });
    await page.waitForFunction(() => (globalThis as unknown as { document: { querySelector(s: string): { value: string } | null } }).document.querySelector('tr[data-tool="slow"] select')?.value === 'allow');
    assert.equal(await approval.inputValue(), 'allow', 'without a reload');
    assert.equal((await web.api('PATCH', '/api/connectors/alpha/tools/slow/setting', { approval: 'default' })).status, 200);
  });

  test('Activity pages through the audit: older, newer and newest', async () => {
    {
      await using other = await openTestPatchbay({}, { dataDir: web.dataDir });
      for (let i = 0; i < 30; i++) await other.hub.callTool(other.actor('cli'), 'alpha', 'add', { a: i, b: 0 });
      await other.hub.auditIdle();
    }
    const total = (await web.api('GET', '/api/audit?connector=alpha&limit=1000')).json.events.length;
    assert.ok(total > 25 && total <= 50, `${total}`);
    await page.goto(`${web.base}/connectors/alpha`);
    await page.getByRole('tab', { name: 'Activity' }).click();
    const rows = page.locator('table.activity tbody tr');
    const pager = page.getByRole('navigation', { name: 'Activity pages' });
    await pager.waitFor();
    assert.equal(await rows.count(), 25);
    const newestFirstRow = await rows.first().textContent();
    assert.equal(await pager.getByRole('button', { name: '← Newer' }).isDisabled(), true);
    await pager.getByRole('button', { name: 'Older →' }).click();
    await page.waitForFunction((n) => document.querySelectorAll('table.activity tbody tr').length === n, total - 25);
    assert.equal(await pager.getByRole('button', { name: 'Older →' }).isDisabled(), true, 'the oldest page');
    assert.notEqual(await rows.first().textContent(), newestFirstRow);
    await pager.getByRole('button', { name: '← Newer' }).click();
    await page.waitForFunction(() => document.querySelectorAll('table.activity tbody tr').length === 25);
    assert.equal(await rows.first().textContent(), newestFirstRow, 'back to the newest page');
    assert.equal(await pager.getByRole('button', { name: '← Newer' }).isDisabled(), true);
    assert.deepEqual(web.problems, []);
  });
});

declare const document: { querySelectorAll(selector: string): { length: number }; dispatchEvent(event: unknown): boolean };
