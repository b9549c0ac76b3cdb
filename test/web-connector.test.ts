/**
 * The connector page in a real browser (Debian's Chromium through playwright-core),
 * served by a real `patchbay serve`, against the example MCP server: the connection
 * doctor, editing, limits, credentials, resource and prompt previews.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { getFreePort } from './fixtures/free-port.ts';
import { startWebSession, type WebSession } from './fixtures/web-browser.ts';

describe('the connector page in a browser', () => {
  let example: ExampleServer;
  let web: WebSession;
  let page: Page;

  before(async () => {
    example = await startExampleServer();
    web = await startWebSession();
    page = web.page;
    await web.signIn();
    const added = await web.api('POST', '/api/connectors', { url: example.url, name: 'example', allowHttp: true });
    assert.equal(added.status, 201, JSON.stringify(added.json));
  });

  after(async () => {
    await web?.close();
    await example?.close();
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
});
