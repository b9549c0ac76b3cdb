/**
 * Settings › Access tokens in a real browser (Debian's Chromium through playwright-core)
 * against a real `patchbay serve` and two real example servers: a token created with the
 * keyboard alone works against the gateway with the SDK client, reaches only its project,
 * its client snippets are the README's, and once revoked it gets 401.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { connectGateway } from './fixtures/gateway-client.ts';
import { focusedName, startWebSession, type WebSession } from './fixtures/web-browser.ts';

// Functions passed to page.evaluate run in the page; the test's own types have no DOM.
declare const document: any;
declare const navigator: any;

const README_BASE = 'http://127.0.0.1:7410';
const README_TOKEN = 'pbt_…';

describe('access tokens page in the browser', () => {
  let work: ExampleServer;
  let home: ExampleServer;
  let web: WebSession;
  let page: Page;

  before(async () => {
    work = await startExampleServer();
    home = await startExampleServer();
    web = await startWebSession();
    page = web.page;
    await web.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: web.base });
    await web.signIn();
    for (const [name, server, project] of [
      ['alpha', work, 'work'],
      ['beta', home, 'home'],
    ] as const) {
      const added = await web.api('POST', '/api/connectors', { url: server.url, name, project });
      assert.equal(added.status, 201, JSON.stringify(added.json));
    }
    const allowed = await web.api('PATCH', '/api/connectors/alpha/tools/echo/setting', { approval: 'allow' });
    assert.equal(allowed.status, 200, JSON.stringify(allowed.json));
  });

  after(async () => {
    await web?.close();
    await work?.close();
    await home?.close();
  });

  test('created with the keyboard: shown once with copy, address and the README’s client snippets; it works at /mcp for its project only', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Access tokens' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Access tokens', level: 1 }).waitFor();
    await page.getByText('No tokens yet.').waitFor();
    assert.equal(new URL(page.url()).pathname, '/settings/tokens');

    await page.getByRole('button', { name: 'Create token' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Create access token' });
    await dialog.waitFor();
    assert.equal(await dialog.getByRole('textbox', { name: 'Name' }).evaluate((el) => el === document.activeElement), true, 'the name field has focus');
    await page.keyboard.type('cursor');
    const checkboxes = dialog.getByRole('group', { name: 'Projects' }).getByRole('checkbox');
    assert.deepEqual(await checkboxes.evaluateAll((boxes) => boxes.map((b) => b.parentElement?.textContent)), ['home', 'work'], 'the person’s projects, sorted');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await focusedName(page), 'work');
    await page.keyboard.press('Space');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    assert.equal(await focusedName(page), 'Create token');
    await page.keyboard.press('Enter');

    const created = page.getByRole('dialog', { name: 'Token created' });
    await created.waitFor();
    const secret = await created.getByRole('textbox', { name: 'Token “cursor”' }).inputValue();
    assert.match(secret, /^pbt_[A-Za-z0-9_-]{43}$/);
    const address = await created.getByRole('textbox', { name: 'Gateway address' }).inputValue();
    assert.equal(address, `${web.base}/mcp`);
    await created.getByText('It reaches only the connectors of project work.').waitFor();

    await created.getByRole('button', { name: 'Copy token' }).focus();
    await page.keyboard.press('Enter');
    await created.getByRole('status').filter({ hasText: 'Copied.' }).first().waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secret);

    const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
    const clients = ['Claude Desktop', 'Claude Code', 'Cursor', 'VS Code'];
    for (const client of clients) {
      const shown = (await created.getByRole('region', { name: `${client} configuration` }).locator('pre').textContent()) ?? '';
      const asInReadme = shown.replaceAll(address, `${README_BASE}/mcp`).replaceAll(secret, README_TOKEN);
      assert.ok(readme.includes(asInReadme), `the ${client} snippet is the README’s, with this address and token:\n${asInReadme}`);
      if (client !== 'Claude Desktop') assert.ok(shown.includes(secret), `the ${client} snippet carries the new token`);
    }
    await web.screenshot('token-created', { fullPage: true });

    const listedAfterCreate = await web.api('GET', '/api/tokens');
    assert.deepEqual(
      listedAfterCreate.json.tokens.map((t: any) => [t.name, t.projects]),
      [['cursor', ['work']]],
    );

    await using gateway = await connectGateway(address, secret);
    const names = (await gateway.client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('alpha__echo'), names.join(', '));
    assert.ok(!names.some((n) => n.startsWith('beta__')), 'a token for project work does not see project home');
    const echoed = await gateway.client.callTool({ name: 'alpha__echo', arguments: { message: 'from the browser’s token' } });
    assert.deepEqual(echoed.content, [{ type: 'text', text: 'from the browser’s token' }]);

    await created.getByRole('button', { name: 'Done' }).click();
    await created.waitFor({ state: 'detached' });
    await page.reload();
    const row = page.getByRole('table', { name: 'Access tokens' }).getByRole('row').filter({ hasText: 'cursor' });
    await row.waitFor();
    assert.equal(await row.getByRole('cell').nth(0).textContent(), 'work');
    assert.notEqual(await row.getByRole('cell').nth(2).textContent(), 'Never', 'last used is shown once the token was used');
    await row.getByText('Active').waitFor();
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is never shown again');
    await web.screenshot('tokens', { fullPage: true });
  });

  test('revoked with the keyboard after confirming: the row says so and the gateway answers 401', async () => {
    const { json } = await web.api('POST', '/api/tokens', { name: 'agent' });
    const secret = json.secret as string;
    await using open = await connectGateway(`${web.base}/mcp`, secret);
    assert.ok((await open.client.listTools()).tools.length > 0);
    await page.reload();

    const table = page.getByRole('table', { name: 'Access tokens' });
    const row = table.getByRole('row').filter({ hasText: 'agent' });
    await row.getByRole('button', { name: 'Revoke agent' }).focus();
    await page.keyboard.press('Enter');
    const confirm = page.getByRole('dialog', { name: 'Revoke token “agent”?' });
    await confirm.waitFor();
    assert.equal(await focusedName(page), 'Cancel', 'the safe answer has focus');
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'detached' });
    assert.equal((await web.api('GET', '/api/tokens')).json.tokens.find((t: any) => t.name === 'agent').revokedAt, null, 'Escape revokes nothing');

    await row.getByRole('button', { name: 'Revoke agent' }).focus();
    await page.keyboard.press('Enter');
    await confirm.waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await focusedName(page), 'Revoke token');
    await page.keyboard.press('Enter');
    await confirm.waitFor({ state: 'detached' });
    await row.getByText(/^Revoked /).waitFor();
    assert.equal(await row.getByRole('button', { name: 'Revoke agent' }).count(), 0);
    await table.getByRole('row').filter({ hasText: 'cursor' }).getByText('Active').waitFor();

    const refused = await fetch(`${web.base}/mcp`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
    });
    assert.equal(refused.status, 401);
    await assert.rejects(open.client.listTools(), /401|Unauthorized|revoked/i, 'an open session stops too');
    await assert.rejects(connectGateway(`${web.base}/mcp`, secret), /401|Unauthorized|revoked/i);
    assert.deepEqual(web.problems, []);
  });
});
