/**
 * The connector page in a real browser (Debian's Chromium through playwright-core),
 * served by a real `patchbay serve`, against the example MCP server: the connection
 * doctor, editing, limits, credentials, resource and prompt previews.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { README_TEXT } from '../src/example-server/content.ts';
import { getFreePort } from './fixtures/free-port.ts';
import { FOREIGN_IMAGE, MARKUP, type MarkupServer, startMarkupServer } from './fixtures/markup-server.ts';
import { startWebSession, type WebSession } from './fixtures/web-browser.ts';

describe('the connector page in a browser', () => {
  let example: ExampleServer;
  let markup: MarkupServer;
  let web: WebSession;
  let page: Page;

  before(async () => {
    example = await startExampleServer();
    markup = await startMarkupServer();
    web = await startWebSession();
    page = web.page;
    await web.signIn();
    const added = await web.api('POST', '/api/connectors', { url: example.url, name: 'example', allowHttp: true });
    assert.equal(added.status, 201, JSON.stringify(added.json));
  });

  after(async () => {
    await web?.close();
    await example?.close();
    await markup?.close();
  });

  test('a failing connector shows the doctor’s steps at once: where it fails, why, and what to do', async () => {
    const port = await getFreePort();
    const added = await web.api('POST', '/api/connectors', { url: `http://127.0.0.1:${port}/mcp`, name: 'gone', allowHttp: true, connect: false });
    assert.equal(added.status, 201, JSON.stringify(added.json));
    assert.notEqual((await web.api('POST', '/api/connectors/gone/test', {})).status, 200);
    assert.equal((await web.api('GET', '/api/connectors/gone')).json.connector.status, 'error');

    await page.goto(`${web.base}/connectors/gone`);
    const doctor = page.getByRole('region', { name: 'Connection doctor' });
    const steps = doctor.getByRole('list', { name: 'Diagnosis steps' });
    await doctor.getByText('A step failed.').waitFor();
    const connect = steps.locator('li[data-step="connect"]');
    await connect.getByText('Failed', { exact: true }).waitFor();
    assert.match((await connect.locator('.doctor-detail').textContent()) ?? '', /refused|ECONNREFUSED/i);
    assert.match((await connect.locator('.doctor-advice').textContent()) ?? '', /^What to do: \S/);
    assert.deepEqual(
      await steps.locator('li').evaluateAll((items) => items.map((li) => li.getAttribute('data-step'))),
      ['url', 'dns', 'connect', 'initialize', 'fallback', 'resource-metadata', 'authorization-server', 'registration', 'token', 'tools'],
    );
    await steps.locator('li[data-step="url"]').getByText('OK', { exact: true }).waitFor();
    await steps.locator('li[data-step="tools"]').getByText('Skipped', { exact: true }).waitFor();
    assert.equal(await doctor.locator('.doctor-advice').count(), 1, 'advice at the failing step only');
    await web.screenshot('doctor', { fullPage: true });
  });

  test('"Add anyway" saves a connector whose check failed, without connecting; Activity says in words why each call went as it did; at phone width the page stays on the screen', async () => {
    const port = await getFreePort();
    await page.setViewportSize({ width: 1200, height: 900 });
    await page.goto(`${web.base}/connectors`);
    await page.getByRole('button', { name: 'Add custom connector' }).first().click();
    await page.getByLabel('Server URL').fill(`http://127.0.0.1:${port}/mcp`);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByRole('button', { name: 'Add anyway' }).click();
    // Named after the host, as nothing answered to say its name.
    await page.waitForURL(/\/connectors\/127-0-0-1(-\d+)?$/);
    const added = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    const saved = await web.api('GET', `/api/connectors/${added}`);
    assert.equal(saved.status, 200, 'saved, though nothing answers there yet');
    assert.equal(saved.json.connector.url, `http://127.0.0.1:${port}/mcp`);

    // A call you make yourself, and one refused by a Block; the activity names both in words.
    assert.equal((await web.api('POST', '/api/connectors/example/tools/echo/call', { arguments: { message: 'hi' } })).status, 200);
    assert.equal((await web.api('PATCH', '/api/connectors/example/tools/add/setting', { approval: 'block' })).status, 200);
    assert.notEqual((await web.api('POST', '/api/connectors/example/tools/add/call', { arguments: { a: 1, b: 2 } })).status, 200);
    await page.goto(`${web.base}/connectors/example`);
    await page.getByRole('tab', { name: 'Activity' }).click();
    const activity = page.locator('#panel-activity');
    await activity.getByText('Allowed: you called it').first().waitFor();
    await activity.getByText('Refused: blocked').first().waitFor();
    assert.equal(await activity.getByText('TOOL_BLOCKED', { exact: true }).count(), 0, 'no code where words belong');
    assert.ok((await activity.getByText('Blocked', { exact: true }).count()) > 0);
    assert.equal((await web.api('PATCH', '/api/connectors/example/tools/add/setting', { approval: 'default' })).status, 200);

    await page.setViewportSize({ width: 375, height: 800 });
    await page.getByRole('tab', { name: 'Tools' }).click();
    await page.locator('table').first().waitFor();
    const widths = (await page.evaluate('({ page: document.documentElement.scrollWidth, screen: window.innerWidth })')) as { page: number; screen: number };
    assert.ok(widths.page <= widths.screen, `the page is ${widths.page} px wide on a ${widths.screen} px screen`);
    await web.screenshot('connector-phone-width', { fullPage: true });
    await page.setViewportSize({ width: 1200, height: 900 });
    assert.equal((await web.api('DELETE', `/api/connectors/${added}`)).status, 200);
  });

  test('adding a server already added says so first; "Add again" then adds a second connector', async () => {
    const before = (await web.api('GET', '/api/connectors')).json.connectors.length;
    await page.goto(`${web.base}/connectors`);
    await page.getByRole('button', { name: 'Add custom connector' }).first().click();
    await page.getByLabel('Server URL').fill(example.url);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.getByText('You already have this server as “example”.', { exact: false }).waitFor();
    assert.equal((await web.api('GET', '/api/connectors')).json.connectors.length, before, 'nothing added yet');
    await page.getByRole('button', { name: 'Add again' }).click();
    await page.waitForURL(/\/connectors\/(?!example$)[^/]+$/);
    const second = decodeURIComponent(new URL(page.url()).pathname.split('/').pop()!);
    assert.equal((await web.api('GET', '/api/connectors')).json.connectors.length, before + 1);
    assert.equal((await web.api('DELETE', `/api/connectors/${second}`)).status, 200);
  });

  test('a working connector runs the doctor on demand; every step that ran is OK', async () => {
    await page.goto(`${web.base}/connectors/example`);
    await page.locator('tr[data-tool="echo"]').waitFor();
    const doctor = page.getByRole('region', { name: 'Connection doctor' });
    assert.equal(await doctor.getByRole('list', { name: 'Diagnosis steps' }).count(), 0, 'not run by itself when the connector works');
    await doctor.getByRole('button', { name: 'Run diagnosis' }).click();
    await doctor.getByText('Every step worked.').waitFor();
    const tools = doctor.locator('li[data-step="tools"]');
    await tools.getByText('OK', { exact: true }).waitFor();
    assert.match((await tools.locator('.doctor-detail').textContent()) ?? '', /tools \(echo, add/);
    await doctor.locator('li[data-step="initialize"]').getByText('What came back').click();
    assert.match((await doctor.locator('li[data-step="initialize"] pre').textContent()) ?? '', /protocolVersion/);
    assert.equal(await doctor.getByText('Failed', { exact: true }).count(), 0);
    assert.deepEqual(web.problems, []);
  });

  test('settings: project and tags saved; a taken name and an unusable address are refused in words; a rename moves the page', async (t) => {
    const other = await web.api('POST', '/api/connectors', { url: example.url, name: 'other', allowHttp: true, connect: false });
    assert.equal(other.status, 201);
    await page.goto(`${web.base}/connectors/example`);
    const settings = page.getByRole('region', { name: 'Settings' });
    await settings.getByLabel('Project').fill('lab');
    await settings.getByLabel('Tags').fill('demo,  tools ,');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByRole('status').getByText('Saved.').waitFor();
    let { connector } = (await web.api('GET', '/api/connectors/example')).json;
    assert.equal(connector.project, 'lab');
    assert.deepEqual(connector.tags, ['demo', 'tools']);

    await settings.getByLabel('Name').fill('other');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.getByText('A connector named "other" already exists.', { exact: false }).waitFor();
    assert.equal(await settings.getByLabel('Name').getAttribute('aria-invalid'), 'true');
    await settings.getByLabel('Name').fill('Not A Name');
    await settings.getByText('Use lowercase letters, digits and hyphens', { exact: false }).waitFor();
    await settings.getByLabel('Name').fill('');
    await settings.getByText('A connector needs a name', { exact: false }).waitFor();
    await settings.getByLabel('Name').fill('n'.repeat(80));
    assert.equal((await settings.getByLabel('Name').inputValue()).length, 64, 'no longer than a name may be');
    await settings.getByLabel('Name').fill('example');
    await settings.getByLabel('Tags').fill(`demo, ${'t'.repeat(65)}`);
    await settings.getByText('A tag has at most 64 characters.').waitFor();
    await settings.getByLabel('Tags').fill('demo, tools');

    const address = settings.getByLabel('Server address');
    await address.fill('ftp://127.0.0.1/mcp');
    await settings.getByText('The address must start with https://', { exact: false }).waitFor();
    // Accepted by the page, refused by Patchbay: the address is checked again where it is saved.
    await address.fill(`https://example.com/${'a'.repeat(2100)}`);
    await settings.getByLabel('Allow plain http for this server (not encrypted)').check();
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await settings.locator('.field-error').filter({ hasText: /^Invalid request: url: / }).waitFor();
    assert.equal(await address.getAttribute('aria-invalid'), 'true');
    ({ connector } = (await web.api('GET', '/api/connectors/example')).json);
    assert.equal(connector.url, example.url, 'a refused address is not saved');
    assert.equal(connector.allowHttp, true, 'the same request saved nothing else either');

    const moved = await startExampleServer();
    t.after(() => moved.close());
    await address.fill(moved.url);
    await settings.getByLabel('Name').fill('renamed');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    await page.waitForURL(`${web.base}/connectors/renamed`);
    await page.getByText('Saved. “example” is now called “renamed”.').waitFor();
    await page.getByRole('heading', { name: 'renamed', exact: true }).waitFor();
    await page.locator('tr[data-tool="echo"]').waitFor();
    await web.screenshot('connector-settings', { fullPage: true });
    assert.equal((await web.api('GET', '/api/connectors/example')).status, 404);
    ({ connector } = (await web.api('GET', '/api/connectors/renamed')).json);
    assert.equal(connector.url, moved.url);
    assert.equal(connector.status, 'connected', 'connected afresh at the new address');
    assert.equal((await web.api('PATCH', '/api/connectors/renamed', { name: 'example', url: example.url })).status, 200);
    assert.equal((await web.api('DELETE', '/api/connectors/other')).status, 200);
  });

  test('limits per tool and per connector are shown and saved; a bad number is refused in words; a call over the limit is refused', async () => {
    await page.goto(`${web.base}/connectors/example`);
    const row = page.locator('tr[data-tool="echo"]');
    await row.getByText('No limits').waitFor();
    await row.getByRole('button', { name: 'Change limits for echo' }).click();
    const dialog = page.getByRole('dialog', { name: 'Limits for echo' });
    await dialog.getByLabel('Calls per hour').fill('1.5');
    await dialog.getByLabel('Calls at the same time').fill('0');
    await dialog.getByRole('button', { name: 'Save limits' }).click();
    assert.equal(await dialog.getByText('Enter a whole number from 1 to 1,000,000, or leave it empty for no limit.').count(), 2);
    assert.equal((await web.api('GET', '/api/connectors/example/tool-policies')).json.tools.find((t: any) => t.name === 'echo').setting.limits, null, 'nothing saved');
    await dialog.getByLabel('Calls per hour').fill('1');
    await dialog.getByLabel('Calls at the same time').fill('');
    await dialog.getByLabel('Calls per day').fill('50');
    const saved = page.waitForResponse((r) => r.url().endsWith('/tools/echo/setting') && r.request().method() === 'PATCH');
    await dialog.getByRole('button', { name: 'Save limits' }).click();
    assert.equal((await saved).status(), 200);
    await dialog.getByRole('status').getByText('Saved.').waitFor();
    await web.screenshot('tool-limits');
    await page.keyboard.press('Escape');
    await row.getByText('1 per hour · 50 per day').waitFor();
    const echo = (await web.api('GET', '/api/connectors/example/tool-policies')).json.tools.find((t: any) => t.name === 'echo');
    assert.deepEqual(echo.setting.limits, { perHour: 1, perDay: 50 });

    const first = await web.cli(['call', 'example', 'echo', '--arg', 'message=one']);
    assert.equal(first.code, 0, first.stderr);
    const second = await web.cli(['call', 'example', 'echo', '--arg', 'message=two']);
    assert.notEqual(second.code, 0);
    assert.match(second.stderr, /limit/i);

    const defaults = page.getByRole('region', { name: 'Defaults' });
    const whole = defaults.getByRole('region', { name: 'Limits for the whole connector' });
    await whole.getByText('No limits').waitFor();
    await whole.getByLabel('Calls per conversation').fill('20');
    await whole.getByLabel('Calls at the same time').fill('3');
    await whole.getByRole('button', { name: 'Save limits' }).click();
    await whole.getByText('20 per conversation · 3 at once').waitFor();
    assert.deepEqual((await web.api('GET', '/api/connectors/example')).json.connector.policy.limits, { perConversation: 20, concurrent: 3 });
    await whole.getByLabel('Calls per conversation').fill('');
    await whole.getByLabel('Calls at the same time').fill('');
    await whole.getByRole('button', { name: 'Save limits' }).click();
    await whole.getByText('Now: No limits').waitFor();
    assert.equal((await web.api('GET', '/api/connectors/example')).json.connector.policy.limits, null, 'all empty clears the limits');
  });

  test('resources: text shown as text, an image from its data, a template filled in with completions', async () => {
    await page.goto(`${web.base}/connectors/example`);
    await page.getByRole('tab', { name: 'Resources' }).click();
    const panel = page.getByRole('tabpanel');
    await panel.getByRole('button', { name: 'Preview Read me' }).click();
    const readme = page.getByRole('region', { name: 'Preview of example://readme' });
    assert.equal(await readme.locator('pre.content-text').textContent(), README_TEXT);

    await panel.getByRole('button', { name: 'Preview Logo' }).click();
    const logo = page.getByRole('region', { name: 'Preview of example://logo.png' }).getByRole('img', { name: 'Image from example://logo.png' });
    await logo.waitFor();
    assert.match((await logo.getAttribute('src')) ?? '', /^data:image\/png;base64,iVBOR/);
    assert.equal(await logo.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), 16);

    await panel.getByRole('button', { name: 'Fill in Note' }).click();
    const form = panel.getByRole('form', { name: 'Fill in note' });
    await form.getByLabel('id', { exact: true }).fill('meeting');
    const suggestions = form.getByRole('list', { name: 'Suggestions for id' });
    await suggestions.getByRole('button', { name: 'meeting-friday' }).waitFor();
    assert.deepEqual((await suggestions.getByRole('button').allTextContents()).sort(), ['meeting-friday', 'meeting-monday']);
    await suggestions.getByRole('button', { name: 'meeting-monday' }).click();
    assert.equal(await form.locator('.expanded-uri').textContent(), 'example://notes/meeting-monday');
    await form.getByRole('button', { name: 'Read' }).click();
    const note = page.getByRole('region', { name: 'Preview of example://notes/meeting-monday' });
    assert.equal(await note.locator('pre.content-text').textContent(), 'Agree on the connector permission model.');
    await web.screenshot('resource-preview', { fullPage: true });

    await form.getByLabel('id', { exact: true }).fill('nope');
    await form.getByRole('button', { name: 'Read' }).click();
    await page.getByRole('region', { name: 'Preview of example://notes/nope' }).getByRole('alert').getByText('There is no note "nope"', { exact: false }).waitFor();
  });

  test('prompts: the argument form completes, a missing required argument is named, the messages are shown', async () => {
    await page.getByRole('tab', { name: 'Prompts' }).click();
    const panel = page.getByRole('tabpanel');
    await panel.getByRole('button', { name: 'Try Greeting' }).click();
    const form = panel.getByRole('form', { name: 'Arguments of greeting' });
    await form.getByRole('button', { name: 'Get prompt' }).click();
    await form.getByRole('alert').getByText('Fill in name: the prompt needs it.').waitFor();
    await form.getByLabel('name (required)', { exact: true }).fill('Ada');
    await form.getByLabel('style', { exact: true }).fill('p');
    await form.getByRole('list', { name: 'Suggestions for style' }).getByRole('button', { name: 'pirate' }).click();
    assert.equal(await form.getByLabel('style', { exact: true }).inputValue(), 'pirate');
    await form.getByRole('button', { name: 'Get prompt' }).click();
    const messages = form.getByRole('region', { name: 'Messages of greeting' });
    await messages.getByText('A pirate greeting for Ada').waitFor();
    assert.equal(await messages.locator('.prompt-message pre').textContent(), 'Greet Ada the way a pirate would, arr.');
    await messages.locator('.prompt-message .badge', { hasText: 'user' }).waitFor();
    await web.screenshot('prompt-preview', { fullPage: true });

    await panel.getByRole('button', { name: 'Try Summarize' }).click();
    const summarize = panel.getByRole('form', { name: 'Arguments of summarize' });
    await summarize.getByText('This prompt takes no arguments.').waitFor();
    await summarize.getByRole('button', { name: 'Get prompt' }).click();
    const embedded = summarize.getByRole('region', { name: 'Messages of summarize' });
    assert.equal(await embedded.locator('figure[data-uri="example://readme"] pre').textContent(), README_TEXT);
  });

  test('a hostile server’s resources and prompts are shown literally: no markup runs, no SVG drawn, nothing fetched elsewhere', async () => {
    assert.equal((await web.api('POST', '/api/connectors', { url: markup.url, name: 'markup' })).status, 201);
    await page.goto(`${web.base}/connectors/markup`);
    await page.getByRole('tab', { name: 'Resources' }).click();
    const panel = page.getByRole('tabpanel');
    await panel.getByText('<i>page</i> <img src=x', { exact: false }).first().waitFor();
    await panel.getByRole('button', { name: 'Preview page' }).click();
    const html = page.getByRole('region', { name: 'Preview of markup://page' });
    assert.equal(await html.locator('pre.content-text').textContent(), MARKUP.resources.page.text);
    await panel.getByRole('button', { name: 'Preview vector' }).click();
    await page.getByRole('region', { name: 'Preview of markup://vector.svg' }).getByText('Binary content: image/svg+xml', { exact: false }).waitFor();
    await panel.getByRole('button', { name: 'Preview bytes' }).click();
    await page.getByRole('region', { name: 'Preview of markup://bytes.bin' }).getByText('Binary content: application/octet-stream, 1.5 KB — not shown.').waitFor();

    await page.getByRole('tab', { name: 'Prompts' }).click();
    await panel.getByText('<script>window.__pwned="prompt-description"</script>').waitFor();
    await panel.getByRole('button', { name: `Try ${MARKUP.prompt.name}` }).click();
    const form = panel.getByRole('form', { name: `Arguments of ${MARKUP.prompt.name}` });
    await form.getByRole('button', { name: 'Get prompt' }).click();
    const messages = form.getByRole('region', { name: `Messages of ${MARKUP.prompt.name}` });
    assert.equal(await messages.locator('pre').first().textContent(), MARKUP.prompt.text);
    await messages.getByText('Image: image/svg+xml', { exact: false }).waitFor();

    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined);
    assert.equal(await page.locator('main img, main script, main iframe, main a[href^="javascript"]').count(), 0);
    assert.deepEqual(web.requests.filter((url) => url.startsWith(FOREIGN_IMAGE) || new URL(url).hostname !== '127.0.0.1'), []);
    assert.deepEqual(web.problems, []);
  });

  test('server instructions as safe markdown: formatting and web links only; raw HTML, scripts and other links shown as written; no image loaded', async () => {
    await page.goto(`${web.base}/connectors/markup`);
    const formatted = page.locator('.instructions-formatted');
    await formatted.waitFor();
    const links = formatted.getByRole('link');
    assert.equal(await links.count(), 1, 'only the https link is a link');
    const manual = formatted.getByRole('link', { name: /the manual/ });
    assert.equal(await manual.getAttribute('href'), 'https://docs.example.com/manual');
    assert.equal(await manual.getAttribute('rel'), 'noopener noreferrer');
    assert.equal(await manual.getAttribute('target'), '_blank');
    assert.match((await manual.textContent()) ?? '', /opens another site/);
    assert.equal(await formatted.locator('code').first().textContent(), 'run --fast');
    assert.equal(await formatted.locator('.md-heading strong strong').textContent(), 'Usage');
    assert.equal(await formatted.locator('em').textContent(), 'emphasised');
    const text = (await formatted.textContent()) ?? '';
    for (const literal of [
      "[this](javascript:window.__pwned='link')",
      `<iframe src="javascript:window.__pwned='frame'"></iframe>`,
      `[data link](data:text/html,<script>window.__pwned='data'</script>)`,
      '[relative](/admin)',
      `<a href="https://evil.example" onclick="window.__pwned='anchor'">plain anchor</a>`,
    ]) {
      assert.ok(text.includes(literal), `shown as written: ${literal}`);
    }
    await formatted.getByText('[image: tracker — not loaded]').waitFor();
    assert.equal(await formatted.locator('img, iframe, script, a:not([href^="https://"])').count(), 0);
    await web.screenshot('instructions-markdown', { fullPage: true });

    await page.getByRole('button', { name: 'Show as written' }).click();
    assert.equal(await page.locator('pre.instructions').textContent(), MARKUP.instructions);
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined);
    assert.deepEqual(web.requests.filter((url) => new URL(url).hostname !== '127.0.0.1'), []);
    assert.deepEqual(web.problems, []);
  });

  test('a change after the session cookie is gone is refused (403) and the page says how to sign in again', async () => {
    await page.goto(`${web.base}/connectors/example`);
    const settings = page.getByRole('region', { name: 'Settings' });
    await settings.getByLabel('Project').fill('after sign-out');
    await web.context.clearCookies();
    const refused = page.waitForResponse((r) => r.url().endsWith('/api/connectors/example') && r.request().method() === 'PATCH');
    await settings.getByRole('button', { name: 'Save settings' }).click();
    assert.equal((await refused).status(), 403);
    await page.getByRole('heading', { name: 'Open Patchbay from its link' }).waitFor();
    assert.notEqual((await web.api('GET', '/api/connectors/example')).json.connector.project, 'after sign-out');
  });
});
