/**
 * The published MCP Inspector CLI (`@modelcontextprotocol/inspector-cli`), as a person
 * would run it, against the gateway fronting the example server and server-everything.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { join, dirname } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { type RunningServer, startServer } from '../src/server/index.ts';
import { type EverythingServer, startEverything } from './fixtures/everything.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

const run = promisify(execFile);
const INSPECTOR_BUILD = join(dirname(createRequire(import.meta.url).resolve('@modelcontextprotocol/inspector-cli/package.json')), 'build');
const INSPECTOR = join(INSPECTOR_BUILD, 'index.js');
/** It finds its own package.json by a path relative to the working directory: run it from its build folder. */
const INSPECTOR_OPTIONS = { timeout: 60_000, cwd: INSPECTOR_BUILD };

describe('the MCP Inspector CLI against the gateway', () => {
  let example: ExampleServer;
  let everything: EverythingServer;
  let patchbay: TestPatchbay;
  let server: RunningServer;
  let token: string;

  before(async () => {
    [example, everything, patchbay] = await Promise.all([startExampleServer(), startEverything('streamableHttp'), openTestPatchbay()]);
    const actor = patchbay.actor('cli');
    await patchbay.hub.addConnector(actor, { url: example.url, name: 'ex' });
    await patchbay.hub.addConnector(actor, { url: everything.url, name: 'every' });
    for (const name of ['ex', 'every']) await patchbay.hub.setConnectorPolicy(actor, name, { defaultApproval: 'allow' });
    server = await startServer(patchbay, 'pb_unused-api-token-0123456789', { port: 0 });
    token = (await patchbay.tokens.create(actor, { name: 'inspector' })).secret;
  });
  after(async () => {
    await server?.close();
    await patchbay?.close();
    await Promise.all([example?.close(), everything?.close()]);
  });

  /** Runs the inspector's CLI mode with one method and returns the JSON it prints. */
  const inspect = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, [INSPECTOR, `${server.url}/mcp`, '--transport', 'http', '--header', `Authorization: Bearer ${token}`, ...args], INSPECTOR_OPTIONS);
    return JSON.parse(stdout) as Record<string, any>;
  };

  test('lists and calls tools of both connectors under their stable names', async () => {
    const names = (await inspect('--method', 'tools/list')).tools.map((t: { name: string }) => t.name);
    for (const name of ['ex__echo', 'ex__add', 'every__echo', 'every__get-sum']) assert.ok(names.includes(name), `missing ${name} in ${names.join(', ')}`);
    const echoed = await inspect('--method', 'tools/call', '--tool-name', 'ex__echo', '--tool-arg', 'message=hello from the inspector');
    assert.deepEqual(echoed.content, [{ type: 'text', text: 'hello from the inspector' }]);
    const sum = await inspect('--method', 'tools/call', '--tool-name', 'every__get-sum', '--tool-arg', 'a=2', 'b=40');
    assert.match(JSON.stringify(sum.content), /42/);
    await patchbay.hub.auditIdle();
    const [last] = await patchbay.hub.auditEvents(patchbay.actor('cli'), { limit: 1 });
    assert.equal(last.door, 'gateway');
  });

  test('reads a resource through its mapped URI and renders a prompt', async () => {
    const resources = (await inspect('--method', 'resources/list')).resources as Array<{ uri: string; name: string }>;
    const readme = resources.find((r) => r.uri.startsWith('patchbay://ex/'));
    assert.ok(readme, JSON.stringify(resources.map((r) => r.uri)));
    const read = await inspect('--method', 'resources/read', '--uri', readme.uri);
    assert.equal(read.contents[0].uri, readme.uri, 'the content comes back under the gateway’s URI');
    assert.ok(typeof read.contents[0].text === 'string' && read.contents[0].text.length > 0);

    const prompts = (await inspect('--method', 'prompts/list')).prompts as Array<{ name: string }>;
    assert.ok(prompts.some((p) => p.name === 'ex__greeting'), JSON.stringify(prompts.map((p) => p.name)));
    const rendered = await inspect('--method', 'prompts/get', '--prompt-name', 'ex__greeting', '--prompt-args', 'name=Ada', 'style=pirate');
    assert.match(JSON.stringify(rendered.messages), /Ada/);
  });

  test('without the token the inspector is refused', async () => {
    await assert.rejects(run(process.execPath, [INSPECTOR, `${server.url}/mcp`, '--transport', 'http', '--method', 'tools/list'], INSPECTOR_OPTIONS), (error: { stderr?: string; stdout?: string }) => {
      assert.match(`${error.stderr}${error.stdout}`, /401|Unauthorized|invalid_token|access token/i);
      return true;
    });
  });
});
