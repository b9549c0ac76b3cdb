/**
 * Credentials in a real browser (Debian's Chromium through playwright-core) against a
 * real `patchbay serve`: an API key or a user name and password for a server that wants
 * them, a hand-registered OAuth client and a machine client at the example
 * authorization server. Secrets go in and never come back to the page.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { type AuthenticatedExampleServer, type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { API_KEY, PASSWORD, requireCredentials, USER } from './fixtures/static-credentials.ts';
import { startWebSession, type WebSession } from './fixtures/web-browser.ts';

const HAND_SECRET = 'hand-registered-secret-5f1c9a';
const ROBOT_SECRET = 'robot-secret-0b7e42d19c';

describe('credentials in the browser', () => {
  let keyed: ExampleServer;
  let oauth: AuthenticatedExampleServer;
  let web: WebSession;
  let page: Page;

  before(async () => {
    keyed = await startExampleServer({ authenticate: requireCredentials() });
    oauth = (await startExampleServer({ auth: {} })) as AuthenticatedExampleServer;
    web = await startWebSession();
    oauth.auth.preRegister({ client_id: 'person-client', client_secret: HAND_SECRET, token_endpoint_auth_method: 'client_secret_post', redirect_uris: [`${web.base}/oauth/callback`] });
    oauth.auth.preRegister({ client_id: 'robot', client_secret: ROBOT_SECRET });
    page = web.page;
    await web.signIn();
  });

  after(async () => {
    await web?.close();
    await keyed?.close();
    await oauth?.close();
  });

  /** Nothing the page holds or shows carries these. */
  const assertNoSecretOnPage = async (...secrets: string[]) => {
    const html = await page.content();
    const values = await page.locator('input').evaluateAll((inputs) => inputs.map((i) => (i as unknown as { value: string }).value));
    for (const secret of secrets) {
      assert.equal(html.includes(secret), false, 'a secret is in the page');
      assert.equal(values.includes(secret), false, 'a secret stayed in a field');
    }
  };

  test('an API key, replaced by a user name and password, then cleared: shown masked, never echoed', async () => {
    assert.equal((await web.api('POST', '/api/connectors', { url: keyed.url, name: 'keyed', connect: false })).status, 201);
    await page.goto(`${web.base}/connectors/keyed`);
    const card = page.getByRole('region', { name: 'Credentials' });
    const part = card.getByRole('region', { name: 'API key, header or password' });
    await part.getByText('Nothing stored.').waitFor();

    await part.getByLabel('Header name').fill('X-Api-Key');
    await part.getByLabel('Header value').fill('a-wrong-key-of-some-length');
    await part.getByRole('button', { name: 'Save credentials' }).click();
    await part.getByText('Saved.', { exact: false }).waitFor();
    assert.equal(await part.locator('dt', { hasText: 'X-Api-Key' }).locator('+ dd').textContent(), '••••ngth');
    assert.notEqual((await web.api('POST', '/api/connectors/keyed/test', {})).status, 200, 'the server refuses the wrong key');

    await part.getByLabel('Header value').fill(API_KEY);
    await part.getByRole('button', { name: 'Replace credentials' }).click();
    await part.locator('dt', { hasText: 'X-Api-Key' }).locator('+ dd').getByText('••••e1d3', { exact: true }).waitFor();
    await assertNoSecretOnPage(API_KEY);
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await page.getByText('Connected, and the list of tools is up to date.').waitFor();
    await page.locator('tr[data-tool="echo"]').waitFor();

    await part.getByLabel('Kind').selectOption('basic');
    await part.getByLabel('User name').fill(USER);
    await part.getByLabel('Password').fill(PASSWORD);
    await part.getByRole('button', { name: 'Replace credentials' }).click();
    await part.locator('dt', { hasText: 'User name' }).locator('+ dd').getByText(USER, { exact: true }).waitFor();
    assert.equal(await part.locator('dt', { hasText: 'Password' }).locator('+ dd').textContent(), '••••••••');
    await assertNoSecretOnPage(PASSWORD, API_KEY);
    await web.screenshot('credentials', { fullPage: true });
    await page.getByRole('button', { name: 'Reconnect' }).click();
    await page.getByText('Connected, and the list of tools is up to date.').waitFor();
    assert.deepEqual((await web.api('GET', '/api/connectors/keyed/credentials')).json.credentials, { kind: 'basic', username: USER, password: '••••••••' });
    assert.equal((await web.cli(['call', 'keyed', 'echo', '--arg', 'message=with a password'])).code, 0);

    await part.getByRole('button', { name: 'Clear credentials' }).click();
    await part.getByText('Nothing stored.').waitFor();
    assert.equal((await web.api('GET', '/api/connectors/keyed/credentials')).json.credentials, null);
    assert.notEqual((await web.api('POST', '/api/connectors/keyed/test', {})).status, 200, 'nothing is sent any more');
  });

  test('a hand-registered OAuth client is used by the next sign-in; its secret is not shown', async () => {
    const added = await web.api('POST', '/api/connectors', { url: oauth.url, name: 'hand' });
    assert.equal(added.status, 201, JSON.stringify(added.json));
    await page.goto(`${web.base}/connectors/hand`);
    const card = page.getByRole('region', { name: 'Credentials' });
    await card.getByText('OAuth clients').click();
    const hand = card.getByRole('region', { name: 'OAuth client registered by hand' });
    await hand.getByText('None: Patchbay registers itself when it can.').waitFor();
    await hand.getByRole('button', { name: 'Save client' }).click();
    await hand.getByText('Enter the client ID the authorization server gave you.').waitFor();
    await hand.getByLabel('Client ID').fill('person-client');
    await hand.getByLabel('Client secret').fill(HAND_SECRET);
    await hand.getByLabel('Client authentication').selectOption('client_secret_post');
    await hand.getByRole('button', { name: 'Save client' }).click();
    await hand.getByText('In use: person-client, with a secret (not shown) · client_secret_post').waitFor();
    await assertNoSecretOnPage(HAND_SECRET);

    await page.getByRole('region', { name: 'Sign in' }).getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: /^Continue to / }).click();
    await page.getByText('Signed in. Patchbay can now use this connector.').waitFor();
    await page.locator('tr[data-tool="echo"]').waitFor();
    assert.equal(oauth.auth.requests('register').length, 0, 'nothing was registered');
    const tokens = oauth.auth.requests('token').filter((r) => r.status === 200);
    assert.ok(tokens.some((r) => r.clientId === 'person-client' && r.grantType === 'authorization_code'), JSON.stringify(tokens));
  });

  test('machine sign-in with client credentials: a wrong secret is refused in words, the right one connects', async () => {
    assert.equal((await web.api('POST', '/api/connectors', { url: oauth.url, name: 'robot' })).status, 201);
    await page.goto(`${web.base}/connectors/robot`);
    const card = page.getByRole('region', { name: 'Credentials' });
    await card.getByText('OAuth clients').click();
    const machine = card.getByRole('region', { name: 'Machine sign-in (client credentials)' });
    await machine.getByLabel('Machine client ID').fill('robot');
    await machine.getByLabel('Machine client secret').fill('not-the-secret');
    await machine.getByRole('button', { name: 'Sign in as this client' }).click();
    const refusal = machine.getByRole('alert');
    await refusal.waitFor();
    assert.ok(((await refusal.textContent()) ?? '').length > 20, 'a sentence, not a code');
    assert.equal((await web.api('GET', '/api/connectors/robot')).json.connector.status, 'needs-sign-in');

    await machine.getByLabel('Machine client secret').fill(ROBOT_SECRET);
    await machine.getByRole('button', { name: 'Sign in as this client' }).click();
    await machine.getByText('Signed in as a machine client.').waitFor();
    await machine.getByText('Signed in as robot', { exact: false }).waitFor();
    await page.locator('.status-line').getByText('Connected', { exact: true }).waitFor();
    await assertNoSecretOnPage(ROBOT_SECRET);
    assert.equal((await web.api('GET', '/api/connectors/robot/oauth-clients')).json.machine.client_id, 'robot');
    assert.deepEqual(web.problems, []);
  });
});
