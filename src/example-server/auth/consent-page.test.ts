import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { AuthenticatedExampleServer } from '../example-server.ts';
import { escapeHtml } from './consent-page.ts';
import { authorizationParams, createPkce, exchangeCode, postForm, registerClient, requestAuthorization, startAuthServer } from './oauth-test-client.ts';

const HOSTILE_NAME = '<img src=x onerror="alert(1)">&';

function consentIdOf(html: string): string {
  const match = /name="consent" value="([^"]+)"/.exec(html);
  assert.ok(match, 'the page has a consent form');
  return match[1];
}

async function decide(server: AuthenticatedExampleServer, consent: string, decision: string) {
  const response = await fetch(`${server.auth.issuer}/authorize`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ consent, decision }),
  });
  const location = response.headers.get('location');
  return { status: response.status, location: location === null ? undefined : new URL(location), body: await response.text() };
}

describe('interactive consent', () => {
  it('shows who asks for what, escaped, and issues a code only after "Allow"', async (t) => {
    const server = await startAuthServer(t, { interactive: true });
    const client = await registerClient(server, { client_name: HOSTILE_NAME });
    const pkce = createPkce();
    const params = authorizationParams(server, client.client_id, pkce, { scope: 'mcp:read mcp:admin' });
    const page = await requestAuthorization(server, params);
    assert.equal(page.status, 200);
    assert.equal(page.location, undefined);
    assert.ok(page.body.includes(escapeHtml(HOSTILE_NAME)));
    assert.equal(page.body.includes('<img'), false, 'the client name is not markup');
    assert.match(page.body, /<code>mcp:admin<\/code>/);
    assert.match(page.body, /127\.0\.0\.1:9/, 'the redirect host is shown');
    assert.match(page.body, /<button type="submit" name="decision" value="allow">Allow<\/button>/);

    const allowed = await decide(server, consentIdOf(page.body), 'allow');
    assert.equal(allowed.status, 303);
    assert.equal(allowed.location?.searchParams.get('state'), params.state);
    assert.equal(allowed.location?.searchParams.get('iss'), server.auth.issuer);
    const code = allowed.location?.searchParams.get('code');
    assert.ok(code);
    const tokens = await exchangeCode(server, client.client_id, code, pkce);
    assert.equal(tokens.body.scope, 'mcp:read mcp:admin');

    const again = await decide(server, consentIdOf(page.body), 'allow');
    assert.equal(again.status, 400, 'a consent is answered once');
    assert.equal(again.location, undefined);
    assert.deepEqual(
      server.auth.requests('authorize').map((record) => [record.method, record.status]),
      [
        ['GET', 200],
        ['POST', 303],
        ['POST', 400],
      ],
    );
  });

  it('sends access_denied back on "Deny" and refuses forged consent ids', async (t) => {
    const server = await startAuthServer(t, { interactive: true });
    const client = await registerClient(server);
    const params = authorizationParams(server, client.client_id, createPkce());
    const page = await requestAuthorization(server, params);
    const denied = await decide(server, consentIdOf(page.body), 'deny');
    assert.equal(denied.status, 303);
    assert.equal(denied.location?.searchParams.get('error'), 'access_denied');
    assert.equal(denied.location?.searchParams.get('code'), null);
    assert.equal(denied.location?.searchParams.get('state'), params.state);
    assert.equal((await decide(server, 'made-up', 'allow')).status, 400);
  });

  it('is off by default: POST to the authorization endpoint is not allowed', async (t) => {
    const server = await startAuthServer(t);
    const answer = await postForm(`${server.auth.issuer}/authorize`, { consent: 'x', decision: 'allow' });
    assert.equal(answer.status, 405);
  });
});

describe('patchbay example-server --auth', () => {
  it('prints the MCP URL and the issuer, and the server demands a token', async (t) => {
    const entry = fileURLToPath(new URL('../index.ts', import.meta.url));
    const child = spawn(process.execPath, ['--input-type=module', '-e', `import { runExampleServerCli } from ${JSON.stringify(entry)}; await runExampleServerCli(['--port', '0', '--auth']);`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    t.after(() => child.kill('SIGKILL'));
    const exited = once(child, 'exit');
    const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
    const first = (await lines.next()).value as string;
    const second = (await lines.next()).value as string;
    const url = /^Example MCP server listening on (http:\/\/127\.0\.0\.1:\d+\/mcp)$/.exec(first)?.[1];
    assert.ok(url, first);
    assert.equal(second, `Sign-in required: OAuth authorization server at ${new URL(url).origin} (approves every sign-in at once; --interactive asks in the browser)`);
    const refused = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(refused.status, 401);
    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
  });
});
