import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { VERSION } from '../src/app.ts';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { type RunningServer, startServer } from '../src/server/index.ts';
import { connectGateway } from './fixtures/gateway-client.ts';
import { type EverythingServer, startEverything } from './fixtures/everything.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

const textOf = (result: { content?: unknown }) => ((result.content as Array<{ type: string; text?: string }>) ?? []).map((c) => c.text ?? '').join('');

describe('the gateway (/mcp) fronting the example server and server-everything', () => {
  let example: ExampleServer;
  let everything: EverythingServer;
  let patchbay: TestPatchbay;
  let server: RunningServer;
  let all: string;
  let workOnly: string;
  /** Every Authorization header Patchbay sent to an upstream server. */
  const upstreamAuthorization: string[] = [];
  const actor = () => patchbay.actor('cli');

  before(async () => {
    [example, everything, patchbay] = await Promise.all([
      startExampleServer(),
      startEverything('streamableHttp'),
      openTestPatchbay(
        {},
        {
          wrapFetch: (fetch) => async (url, init) => {
            const header = new Headers(init?.headers).get('authorization');
            if (header) upstreamAuthorization.push(header);
            return fetch(url, init);
          },
        },
      ),
    ]);
    await patchbay.hub.addConnector(actor(), { url: example.url, name: 'ex', project: 'work' });
    await patchbay.hub.addConnector(actor(), { url: everything.url, name: 'every', project: 'home' });
    for (const name of ['ex', 'every']) await patchbay.hub.setConnectorPolicy(actor(), name, { defaultApproval: 'allow' });
    server = await startServer(patchbay, 'pb_unused-api-token-0123456789', { port: 0 });
    all = (await patchbay.tokens.create(actor(), { name: 'all' })).secret;
    workOnly = (await patchbay.tokens.create(actor(), { name: 'work-only', projects: ['work'] })).secret;
  });
  after(async () => {
    await server?.close();
    await patchbay?.close();
    await Promise.all([example?.close(), everything?.close()]);
  });

  for (const mode of ['legacy', 'auto'] as const) {
    describe(`with a ${mode === 'legacy' ? '2025-11-25 (session)' : '2026-07-28 (stateless)'} client`, () => {
      test('lists every connector’s tools under stable names and calls them through the door', async () => {
        await using gw = await connectGateway(`${server.url}/mcp`, all, { mode });
        assert.equal(gw.client.getServerVersion()?.name, 'patchbay');
        assert.equal(gw.client.getServerVersion()?.version, VERSION);
        const names = (await gw.client.listTools()).tools.map((t) => t.name);
        for (const name of ['ex__echo', 'ex__add', 'every__echo', 'every__get-sum']) assert.ok(names.includes(name), `missing ${name} in ${names.join(',')}`);
        assert.equal(textOf(await gw.client.callTool({ name: 'ex__echo', arguments: { message: 'hi' } })), 'hi');
        // Hidden characters in a result never reach the client's model, as in Patchbay's chat.
        assert.equal(textOf(await gw.client.callTool({ name: 'ex__echo', arguments: { message: 'hi\u200b\u202e\u{E0052}\u{E0055}\u{E004E}' } })), 'hi');
        const sum = await gw.client.callTool({ name: 'ex__add', arguments: { a: 2, b: 40 } });
        assert.deepEqual(sum.structuredContent, { sum: 42 });
        assert.equal(textOf(await gw.client.callTool({ name: 'every__echo', arguments: { message: 'yo' } })), 'Echo: yo');
        await patchbay.hub.auditIdle();
        const events = await patchbay.hub.auditEvents(actor(), { limit: 4 });
        assert.ok(events.every((e) => e.door === 'gateway'), 'every call went through the door as the gateway');
        await assert.rejects(gw.client.callTool({ name: 'nope__nothing', arguments: {} }), /No tool named/);
        const bad = await gw.client.callTool({ name: 'ex__add', arguments: { a: 'x', b: 1 } }).catch((e: Error) => e);
        assert.ok(bad instanceof Error && /must|number|invalid/i.test(bad.message), String(bad));
      });

      test('resources and templates carry URIs that map back to their connector; prompts and completions too', async () => {
        await using gw = await connectGateway(`${server.url}/mcp`, all, { mode });
        const resources = (await gw.client.listResources()).resources;
        assert.ok(resources.some((r) => r.uri === 'patchbay://ex/example://readme'));
        const readme = await gw.client.readResource({ uri: 'patchbay://ex/example://readme' });
        assert.equal(readme.contents[0].uri, 'patchbay://ex/example://readme');
        assert.match((readme.contents[0] as { text: string }).text, /example/i);
        const templates = (await gw.client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
        assert.ok(templates.includes('patchbay://ex/example://notes/{id}'), templates.join(','));
        const everyTemplate = templates.find((t) => t.startsWith('patchbay://every/'));
        assert.ok(everyTemplate, 'server-everything templates are there too');
        const completion = await gw.client.complete({ ref: { type: 'ref/resource', uri: 'patchbay://ex/example://notes/{id}' }, argument: { name: 'id', value: '' } });
        assert.ok(completion.completion.values.length > 0);
        const note = await gw.client.readResource({ uri: `patchbay://ex/example://notes/${completion.completion.values[0]}` });
        assert.ok((note.contents[0] as { text: string }).text.length > 0);
        await assert.rejects(gw.client.readResource({ uri: 'example://readme' }), /patchbay:\/\/<connector>/);

        const prompts = (await gw.client.listPrompts()).prompts.map((p) => p.name);
        assert.ok(prompts.includes('ex__greeting') && prompts.includes('every__simple-prompt'), prompts.join(','));
        const greeting = await gw.client.getPrompt({ name: 'ex__greeting', arguments: { name: 'Ada', style: 'formal' } });
        assert.match(JSON.stringify(greeting.messages), /Ada/);
        const styles = await gw.client.complete({ ref: { type: 'ref/prompt', name: 'ex__greeting' }, argument: { name: 'style', value: 'f' } });
        assert.ok(styles.completion.values.includes('formal'));
      });
    });
  }

  test('a tool result’s resource links name the gateway’s URIs', async () => {
    await using gw = await connectGateway(`${server.url}/mcp`, all);
    const names = (await gw.client.listTools()).tools.map((t) => t.name);
    const linkTool = names.find((n) => n.startsWith('ex__') && /link/.test(n));
    assert.ok(linkTool, names.join(','));
    const result = await gw.client.callTool({ name: linkTool, arguments: {} });
    const link = (result.content as Array<{ type: string; uri?: string }>).find((c) => c.type === 'resource_link');
    assert.equal(link?.uri, 'patchbay://ex/example://logo.png');
    const logo = await gw.client.readResource({ uri: link!.uri! });
    assert.ok('blob' in logo.contents[0]);
  });

  test('/mcp/p/<project> and /mcp/c/<connector> serve a smaller set; /c keeps the server’s own names', async () => {
    await using work = await connectGateway(`${server.url}/mcp/p/work`, all);
    const workTools = (await work.client.listTools()).tools.map((t) => t.name);
    assert.ok(workTools.includes('ex__echo') && !workTools.some((n) => n.startsWith('every__')));
    await using one = await connectGateway(`${server.url}/mcp/c/every`, all, { mode: 'auto' });
    const oneTools = (await one.client.listTools()).tools.map((t) => t.name);
    assert.ok(oneTools.includes('echo') && oneTools.includes('get-sum') && !oneTools.includes('ex__echo'), oneTools.join(','));
    assert.equal(textOf(await one.client.callTool({ name: 'echo', arguments: { message: 'direct' } })), 'Echo: direct');
    const uri = (await one.client.listResources()).resources[0].uri;
    assert.ok(!uri.startsWith('patchbay://'));
    assert.ok((await one.client.readResource({ uri })).contents.length > 0);
    await assert.rejects(connectGateway(`${server.url}/mcp/c/missing`, all), /404|not/i);
  });

  test('a token limited to one project cannot see or call another project’s tools', async () => {
    await using gw = await connectGateway(`${server.url}/mcp`, workOnly, { mode: 'auto' });
    const names = (await gw.client.listTools()).tools.map((t) => t.name);
    assert.ok(names.includes('ex__echo'));
    assert.ok(!names.some((n) => n.startsWith('every__')), names.join(','));
    await assert.rejects(gw.client.callTool({ name: 'every__echo', arguments: { message: 'x' } }), /No tool named/);
    await assert.rejects(gw.client.readResource({ uri: (await patchbay.hub.catalog(actor(), 'every')).resources[0].uri.replace(/^/, 'patchbay://every/') }), /No resource/);
    await assert.rejects(connectGateway(`${server.url}/mcp/p/home`, workOnly), /404|reach/i);
    await assert.rejects(connectGateway(`${server.url}/mcp/c/every`, workOnly), /404|reach/i);
  });

  test('missing, wrong or revoked token → 401 with a Bearer challenge; foreign Host or Origin → 403', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${server.url}/mcp`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }),
      });
    const missing = await post({});
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="patchbay"');
    assert.equal(((await missing.json()) as any).error.code, 'UNAUTHENTICATED');
    const wrong = await post({ authorization: 'Bearer pbt_nottherightone' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.headers.get('www-authenticate') ?? '', /error="invalid_token"/);
    const apiToken = await post({ authorization: 'Bearer pb_unused-api-token-0123456789' });
    assert.equal(apiToken.status, 401, 'the API access token is not a gateway token');

    const { secret } = await patchbay.tokens.create(actor(), { name: 'short-lived' });
    const open = await connectGateway(`${server.url}/mcp`, secret);
    assert.ok((await open.client.listTools()).tools.length > 0);
    await patchbay.tokens.revoke(actor(), 'short-lived');
    await assert.rejects(open.client.listTools(), /401|Unauthorized|revoked/i, 'an open session stops working once its token is revoked');
    await open.close();
    assert.equal((await post({ authorization: `Bearer ${secret}` })).status, 401);

    // fetch will not send another Host: a DNS-rebinding page's request, made by hand.
    const foreignHost = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(`${server.url}/mcp`, { method: 'POST', headers: { host: 'evil.example', authorization: `Bearer ${all}`, 'content-type': 'application/json' } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end('{}');
    });
    assert.equal(foreignHost, 403);
    const foreignOrigin = await post({ authorization: `Bearer ${all}`, origin: 'http://evil.example' });
    assert.equal(foreignOrigin.status, 403);
  });

  test('a session belongs to the token that opened it: another token gets 404', async () => {
    await using gw = await connectGateway(`${server.url}/mcp`, all);
    const sessionId = gw.transport.sessionId;
    assert.ok(sessionId);
    const other = (await patchbay.tokens.create(actor(), { name: 'other' })).secret;
    const request = (token: string, path = '/mcp') =>
      fetch(`${server.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          authorization: `Bearer ${token}`,
          'mcp-session-id': sessionId,
          'mcp-protocol-version': '2025-11-25',
        },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/list', params: {} }),
      });
    const stolen = await request(other);
    assert.equal(stolen.status, 404);
    assert.equal(((await stolen.json()) as any).id, 7);
    assert.equal((await request(all, '/mcp/p/work')).status, 404, 'nor at another endpoint');
    const own = await request(all);
    assert.equal(own.status, 200);
    assert.equal(own.headers.get('content-type'), 'application/json', 'a request that needs no stream is answered with plain JSON');
    assert.ok(((await own.json()) as any).result.tools.length > 0);
  });

  test('the incoming token never reaches an upstream server', async () => {
    await using gw = await connectGateway(`${server.url}/mcp`, all);
    await gw.client.callTool({ name: 'ex__echo', arguments: { message: 'no leaks' } });
    await gw.client.callTool({ name: 'every__echo', arguments: { message: 'no leaks' } });
    assert.ok(!upstreamAuthorization.some((h) => h.includes('pbt_')), upstreamAuthorization.join(','));
  });

  test('bodies must be JSON', async () => {
    const response = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${all}`, 'content-type': 'text/plain' }, body: 'hi' });
    assert.equal(response.status, 415);
    const broken = await fetch(`${server.url}/mcp`, { method: 'POST', headers: { authorization: `Bearer ${all}`, 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(broken.status, 400);
  });
});
