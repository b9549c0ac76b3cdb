import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VERSION } from '../src/app.ts';
import { finished, runCli, spawnCli, waitForOutput } from './fixtures/cli-process.ts';
import { HOSTILE_DESCRIPTION, startTinyServer, TINY_LOGO_BYTES, TINY_README_TEXT, type TinyServer } from './fixtures/tiny-server.ts';

/** Bytes a hostile server could use to take over a terminal. */
const TERMINAL_CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    assert.fail(`stdout is not JSON: ${text}`);
  }
}

describe('patchbay CLI against a real MCP server', () => {
  let tiny: TinyServer;
  let dataDir: string;
  const cli = (args: string[], options: { env?: Record<string, string>; input?: string } = {}) =>
    runCli(args, { ...options, env: { PATCHBAY_DATA_DIR: dataDir, ...options.env } });

  before(async () => {
    tiny = await startTinyServer();
    dataDir = await mkdtemp(join(tmpdir(), 'patchbay-cli-'));
  });
  after(async () => {
    await tiny?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('add derives the name from the server, and list --json shows what was stored', async () => {
    const added = await cli(['add', tiny.url, '--project', 'lab']);
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added connector "tiny-server": Tiny Server 1\.2\.3 over streamable-http/);
    assert.match(added.stdout, /7 tools, 2 resources, 1 resource template, 1 prompt/);

    const listed = await cli(['list', '--json']);
    assert.equal(listed.code, 0, listed.stderr);
    const connectors = parseJson(listed.stdout) as Array<Record<string, unknown>>;
    assert.equal(connectors.length, 1);
    const [connector] = connectors;
    assert.equal(connector.name, 'tiny-server');
    assert.equal(connector.url, tiny.url);
    assert.equal(connector.project, 'lab');
    assert.equal(connector.status, 'connected');
    assert.deepEqual((connector.server as { serverInfo: unknown }).serverInfo, { name: 'Tiny Server', version: '1.2.3' });
  });

  test('list prints an aligned table for people', async () => {
    const listed = await cli(['list']);
    assert.equal(listed.code, 0, listed.stderr);
    const lines = listed.stdout.trimEnd().split('\n');
    assert.match(lines[0], /^NAME {9}STATUS {5}TRANSPORT {8}PROJECT {2}TAGS {2}URL$/);
    assert.match(lines[1], /^tiny-server {2}connected {2}streamable-http {2}lab {12}http:\/\/127\.0\.0\.1:\d+\/mcp$/);
    // columns line up: every cell starts where its header does
    assert.equal(lines[0].indexOf('URL'), lines[1].indexOf('http://'));
  });

  test('show prints server, protocol, capabilities, counts and sanitized instructions', async () => {
    const shown = await cli(['show', 'tiny-server']);
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /Server: +Tiny Server 1\.2\.3/);
    assert.match(shown.stdout, /Protocol: +2025-11-25 \(legacy era\)/);
    assert.match(shown.stdout, /Transport: +streamable-http \(preference: auto\)/);
    assert.match(shown.stdout, /Capabilities: +completions, prompts, resources, tools/);
    assert.match(shown.stdout, /Offers: +7 tools, 2 resources, 1 resource template, 1 prompt/);
    assert.match(shown.stdout, /Instructions:\n {2}Use echo to test\.\n/);
    assert.doesNotMatch(shown.stdout, TERMINAL_CONTROL);

    const json = parseJson((await cli(['show', 'tiny-server', '--json'])).stdout) as { counts: Record<string, number> };
    assert.deepEqual(json.counts, { tools: 7, resources: 2, resourceTemplates: 1, prompts: 1 });
  });

  test('tools lists one line per tool, with escape sequences from the server removed', async () => {
    const tools = await cli(['tools', 'tiny-server']);
    assert.equal(tools.code, 0, tools.stderr);
    assert.match(tools.stdout, /^NAME +APPROVAL +STATE +DESCRIPTION$/m);
    assert.match(tools.stdout, /^echo +ask +Returns the text it is given\.$/m);
    assert.doesNotMatch(tools.stdout, /Second line/);
    assert.match(tools.stdout, /^weird +ask +HIDDEN-TEXT +Looks harmless enough$/m);
    assert.doesNotMatch(tools.stdout, TERMINAL_CONTROL);

    // JSON keeps the server's text exactly, with the dangerous characters escaped.
    const json = await cli(['tools', 'tiny-server', '--json']);
    assert.doesNotMatch(json.stdout.replace(/\n/g, ''), TERMINAL_CONTROL);
    const list = parseJson(json.stdout) as Array<{ name: string; description?: string }>;
    assert.deepEqual(
      list.map((t) => t.name),
      ['echo', 'add', 'fail', 'image', 'weird', 'slow', 'ask'],
    );
    assert.equal(list.find((t) => t.name === 'weird')?.description, HOSTILE_DESCRIPTION);
  });

  test('call prints a text result; --arg values are JSON when they parse; a JSON object is merged', async () => {
    const echoed = await cli(['call', 'tiny-server', 'echo', '--arg', 'text=hello world']);
    assert.equal(echoed.code, 0, echoed.stderr);
    assert.equal(echoed.stdout, 'hello world\n');

    const added = await cli(['call', 'tiny-server', 'add', '--arg', 'a=2', '--arg', 'b=3', '--json']);
    assert.equal(added.code, 0, added.stderr);
    assert.deepEqual((parseJson(added.stdout) as { structuredContent: unknown }).structuredContent, { sum: 5 });

    const merged = await cli(['call', 'tiny-server', 'add', '{"a": 1, "b": 100}', '--arg', 'b=2']);
    assert.equal(merged.code, 0, merged.stderr);
    assert.equal(merged.stdout, '{\n  "sum": 3\n}\n');

    const piped = await cli(['call', 'tiny-server', 'add', '-', '--json'], { input: '{"a": 4, "b": 5}' });
    assert.deepEqual((parseJson(piped.stdout) as { structuredContent: unknown }).structuredContent, { sum: 9 });
  });

  test('call with arguments that do not match the schema exits 2 with INVALID_ARGUMENTS', async () => {
    const bad = await cli(['call', 'tiny-server', 'add', '--arg', 'a=two', '--arg', 'b=3']);
    assert.equal(bad.code, 2);
    assert.equal(bad.stdout, '');
    assert.match(bad.stderr, /^error: Arguments for tool "add" .*input schema/);

    const json = await cli(['call', 'tiny-server', 'add', '--arg', 'a=two', '--arg', 'b=3', '--json']);
    assert.equal(json.code, 2);
    assert.equal((parseJson(json.stdout) as { error: { code: string } }).error.code, 'INVALID_ARGUMENTS');

    const notObject = await cli(['call', 'tiny-server', 'add', '[1,2]', '--json']);
    assert.equal(notObject.code, 2);
    assert.equal((parseJson(notObject.stdout) as { error: { code: string } }).error.code, 'INVALID_ARGUMENTS');
  });

  test('call of an unknown tool exits 3', async () => {
    const unknown = await cli(['call', 'tiny-server', 'nope', '--json']);
    assert.equal(unknown.code, 3);
    assert.equal((parseJson(unknown.stdout) as { error: { code: string } }).error.code, 'TOOL_NOT_FOUND');
  });

  test('a tool error (isError) goes to stderr and exits 1', async () => {
    const failed = await cli(['call', 'tiny-server', 'fail']);
    assert.equal(failed.code, 1);
    assert.equal(failed.stdout, '');
    assert.equal(failed.stderr, 'The tool failed on purpose.\n');

    const json = await cli(['call', 'tiny-server', 'fail', '--json']);
    assert.equal(json.code, 1);
    assert.equal((parseJson(json.stdout) as { isError: boolean }).isError, true);
  });

  test('images and links are summarized; text from the server is sanitized', async () => {
    const image = await cli(['call', 'tiny-server', 'image']);
    assert.equal(image.code, 0, image.stderr);
    assert.equal(image.stdout, '[image image/png, 1.2 KB]\n[link tiny://logo.png (image/png)] logo\n');

    const weird = await cli(['call', 'tiny-server', 'weird']);
    assert.equal(weird.stdout, 'ok done\n');
  });

  test('a request for input is declined when stdin is not a terminal, with a note on stderr', async () => {
    const asked = await cli(['call', 'tiny-server', 'ask']);
    assert.equal(asked.code, 0, asked.stderr);
    assert.equal(asked.stdout, 'You chose decline.\n');
    assert.match(asked.stderr, /connector "tiny-server" asked for input \("What is your name\?"\), which cannot be given without a terminal; declined/);
  });

  test('Ctrl-C cancels a running call: the server sees the cancellation and the CLI exits 130', async () => {
    const child = spawnCli(['call', 'tiny-server', 'slow'], { env: { PATCHBAY_DATA_DIR: dataDir } });
    const run = finished(child);
    await tiny.waitFor('slow-started');
    const cancelled = tiny.waitFor('slow-cancelled');
    child.kill('SIGINT');
    const result = await run;
    assert.equal(result.code, 130, result.stderr);
    assert.match(result.stderr, /^error: .*cancelled/);
    await cancelled;
  });

  test('resources lists resources and templates; read prints text and saves blobs with --out', async () => {
    const listed = await cli(['resources', 'tiny-server']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^URI +NAME +TYPE +DESCRIPTION$/m);
    assert.match(listed.stdout, /^tiny:\/\/readme +readme +text\/plain +The read-me\.$/m);
    assert.match(listed.stdout, /^tiny:\/\/notes\/\{id\} +note +text\/plain +A note by id\.$/m);

    const text = await cli(['read', 'tiny-server', 'tiny://readme']);
    assert.equal(text.code, 0, text.stderr);
    assert.equal(text.stdout, `${TINY_README_TEXT}\n`);

    const blob = await cli(['read', 'tiny-server', 'tiny://logo.png']);
    assert.equal(blob.stdout, '[contents tiny://logo.png (image/png), 8 bytes]\n');
    assert.match(blob.stderr, /--out FILE/);

    const file = join(dataDir, 'logo.png');
    const saved = await cli(['read', 'tiny-server', 'tiny://logo.png', '--out', file]);
    assert.equal(saved.code, 0, saved.stderr);
    assert.deepEqual(await readFile(file), TINY_LOGO_BYTES);
  });

  test('prompts lists arguments (required marked *); prompt prints the messages', async () => {
    const listed = await cli(['prompts', 'tiny-server']);
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^greet +name\* +Greets someone\.$/m);

    const got = await cli(['prompt', 'tiny-server', 'greet', '--arg', 'name=Ada']);
    assert.equal(got.code, 0, got.stderr);
    assert.equal(got.stdout, '[user]\nPlease greet Ada.\n');

    const missing = await cli(['prompt', 'tiny-server', 'greet', '--json']);
    assert.equal(missing.code, 2);
    assert.equal((parseJson(missing.stdout) as { error: { code: string } }).error.code, 'INVALID_ARGUMENTS');
  });

  test('complete prints the suggestions for a prompt argument', async () => {
    const completed = await cli(['complete', 'tiny-server', '--prompt', 'greet', '--argument', 'name', '--value', 'A']);
    assert.equal(completed.code, 0, completed.stderr);
    assert.equal(completed.stdout, 'Ada\nAlan\n');

    const usage = await cli(['complete', 'tiny-server', '--argument', 'name']);
    assert.equal(usage.code, 2);
  });

  test('--verbose prints the HTTP exchange on stderr without session ids or credentials', async () => {
    const verbose = await cli(['tools', 'tiny-server', '--refresh', '--verbose']);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.match(verbose.stderr, new RegExp(`> \\[\\d+\\] POST ${tiny.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    assert.match(verbose.stderr, /"method":"tools\/list"/);
    assert.match(verbose.stderr, /< \[\d+\] 200 (text\/event-stream|application\/json)/);
    assert.match(verbose.stderr, /mcp-session-id: \[hidden\]/);
    assert.doesNotMatch(verbose.stderr, /mcp-session-id: [0-9a-f-]{36}/);
    assert.match(verbose.stdout, /^echo /m);
  });

  test('update renames and retags; the old name is gone', async () => {
    const updated = await cli(['update', 'tiny-server', '--name', 'tiny', '--tag', 'Work', '--tag', 'alpha']);
    assert.equal(updated.code, 0, updated.stderr);
    assert.match(updated.stdout, /Updated connector "tiny" \(was "tiny-server"\)/);
    const [all, oldName, tagged, otherTag, nothing] = await Promise.all([
      cli(['list', '--json']),
      cli(['show', 'tiny-server']),
      cli(['list', '--tag', 'work', '--json']),
      cli(['list', '--tag', 'other', '--json']),
      cli(['update', 'tiny']),
    ]);
    const [connector] = parseJson(all.stdout) as Array<{ name: string; tags: string[]; project: string }>;
    assert.equal(connector.name, 'tiny');
    assert.deepEqual(connector.tags, ['alpha', 'work']);
    assert.equal(connector.project, 'lab');
    assert.equal(oldName.code, 3);
    assert.equal((parseJson(tagged.stdout) as unknown[]).length, 1);
    assert.equal((parseJson(otherTag.stdout) as unknown[]).length, 0);
    assert.equal(nothing.code, 2);
  });

  test('remove (rm) deletes the connector; list is then empty', async () => {
    const removed = await cli(['rm', 'tiny']);
    assert.equal(removed.code, 0, removed.stderr);
    assert.equal(removed.stdout, 'Removed connector "tiny".\n');
    const listed = await cli(['list', '--json']);
    assert.deepEqual(parseJson(listed.stdout), []);
    const people = await cli(['list']);
    assert.equal(people.stdout, '');
    assert.match(people.stderr, /No connectors yet/);
  });

  test('a malformed URL and plain http to another host are refused with exit 2, and nothing is stored', async () => {
    const urls = ['not a url', 'http://example.com/mcp'];
    const runs = await Promise.all(urls.flatMap((url) => [cli(['add', url, '--json']), cli(['add', url])]));
    for (const [i, url] of urls.entries()) {
      const [json, people] = [runs[2 * i], runs[2 * i + 1]];
      assert.equal(json.code, 2, json.stdout);
      assert.equal((parseJson(json.stdout) as { error: { code: string } }).error.code, 'INVALID_URL');
      assert.equal(people.code, 2);
      assert.match(people.stderr, new RegExp(`^error: Cannot use "${url}" as a connector URL`));
    }
    assert.deepEqual(parseJson((await cli(['list', '--json'])).stdout), []);
  });

  test('an unknown connector exits 3 with one line on stderr; with --json the error is parseable on stdout', async () => {
    const shown = await cli(['show', 'ghost']);
    assert.equal(shown.code, 3);
    assert.equal(shown.stdout, '');
    assert.match(shown.stderr, /^error: No connector named "ghost"\. Run `patchbay list` to see your connectors\.\n$/);

    const json = await cli(['call', 'ghost', 'echo', '--json']);
    assert.equal(json.code, 3);
    const { error } = parseJson(json.stdout) as { error: { code: string; message: string } };
    assert.equal(error.code, 'CONNECTOR_NOT_FOUND');
    assert.match(error.message, /ghost/);
  });

  test('a bad environment variable exits 1 and names the variable', async () => {
    const result = await cli(['list'], { env: { PATCHBAY_PORT: 'abc' } });
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: Invalid configuration:\n {2}PATCHBAY_PORT: /);
  });

  test('usage errors exit 2; help documents commands and exit codes; --version prints the version', async () => {
    const [unknown, bogus, missing, timeout, help, callHelp, version] = await Promise.all([
      cli(['lsit']),
      cli(['list', '--bogus']),
      cli(['add']),
      cli(['call', 'x', 'y', '--timeout', 'soon']),
      cli(['help']),
      cli(['call', '--help']),
      cli(['--version']),
    ]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /Unknown command "lsit" \(did you mean "list"\?\)/);
    assert.equal(bogus.code, 2);
    assert.equal(missing.code, 2);
    assert.equal(timeout.code, 2);

    assert.equal(help.code, 0);
    for (const name of ['add', 'list', 'show', 'update', 'remove', 'test', 'tools', 'call', 'resources', 'read', 'prompts', 'prompt', 'complete', 'serve', 'example-server']) {
      assert.match(help.stdout, new RegExp(`^ {2}${name}\\b`, 'm'));
    }
    assert.match(help.stdout, /^ {2}130 +cancelled/m);
    assert.match(help.stdout, /^ {2}3 +not found \(.*CONNECTOR_NOT_FOUND/m);

    assert.match(callHelp.stdout, /^Usage: patchbay call <name> <tool> \[json\]/);
    assert.match(callHelp.stdout, /--arg k=v \.\.\./);

    assert.equal(version.stdout, `${VERSION}\n`);
  });
});

/** A request with full control over headers (fetch does not let a caller set Host). */
function httpRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string }): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('patchbay serve', () => {
  let dataDir: string;
  let child: ReturnType<typeof spawnCli>;
  let printed: string;
  let url: string;
  let token: string;
  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'patchbay-serve-'));
    child = spawnCli(['serve', '--port', '0'], { env: { PATCHBAY_DATA_DIR: dataDir, PATCHBAY_LOG_LEVEL: 'warn' } });
    printed = await waitForOutput(child, /^Use it: .*\n/m);
  });
  after(async () => {
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('prints its URL, the access token kept in the data directory, and how to use them', async () => {
    url = /^Patchbay is running at (http:\/\/127\.0\.0\.1:\d+)$/m.exec(printed)?.[1] ?? '';
    token = /^Access token: (\S+)$/m.exec(printed)?.[1] ?? '';
    assert.ok(url && token, printed);
    assert.equal(token, (await readFile(join(dataDir, 'access-token'), 'utf8')).trim());
    assert.match(printed, new RegExp(`^Use it: curl -H "Authorization: Bearer ${token}" ${url}/api/connectors`, 'm'));
    assert.match(printed, new RegExp(`^Gateway for other MCP clients: ${url}/mcp `, 'm'));
  });

  test('the API answers 200 with the token, 401 without, 403 for a foreign Host and 415 for a form body', async () => {
    const endpoint = `${url}/api/connectors`;
    const ok = await fetch(endpoint, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(ok.status, 200, await ok.clone().text());
    assert.deepEqual(await ok.json(), { connectors: [] });
    assert.equal((await fetch(endpoint)).status, 401);
    const foreign = await httpRequest(endpoint, { headers: { host: 'attacker.example', authorization: `Bearer ${token}` } });
    assert.equal(foreign.status, 403);
    const form = await fetch(endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'url=https://example.com',
    });
    assert.equal(form.status, 415);
  });

  test('SIGTERM stops the server and Patchbay cleanly, with exit status 0', async () => {
    const run = finished(child);
    child.kill('SIGTERM');
    const result = await run;
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /Patchbay stopped\./);
    await assert.rejects(fetch(`${url}/api/health`));
  });
});
