/**
 * The README's client configurations, run as written: each configured command is
 * spawned with the SDK's stdio client (with `patchbay` on PATH pointing at this
 * checkout), each configured URL is connected to with the configured header.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { type RunningServer, startServer } from '../src/server/index.ts';
import { runCli } from './fixtures/cli-process.ts';
import { openTestPatchbay, type TestPatchbay } from './fixtures/patchbay.ts';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

interface Configured {
  client: string;
  command?: string;
  args?: string[];
  url?: string;
  headers?: Record<string, string>;
}

/** Every server entry of the JSON snippets and every `claude mcp add` line in the README's client configuration. */
async function configuredClients(): Promise<Configured[]> {
  const text = await readFile(README, 'utf8');
  const section = text.slice(text.indexOf('### Client configuration'), text.indexOf('## Development'));
  const out: Configured[] = [];
  for (const [, client, lang, body] of section.matchAll(/\*\*([^*]+)\*\*[^\n]*\n\n```(json|sh)\n([\s\S]*?)```/g)) {
    if (lang === 'json') {
      const parsed = JSON.parse(body) as { mcpServers?: Record<string, Configured>; servers?: Record<string, Configured> };
      for (const entry of Object.values(parsed.mcpServers ?? parsed.servers ?? {})) out.push({ ...entry, client });
      continue;
    }
    for (const line of body.trim().split('\n')) {
      const words = [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]);
      const dashes = words.indexOf('--');
      if (dashes >= 0) out.push({ client, command: words[dashes + 1], args: words.slice(dashes + 2) });
      else {
        const header = words[words.indexOf('--header') + 1];
        const [name, value] = header.split(/:\s*/);
        out.push({ client, url: words.find((w) => /^https?:\/\//.test(w)), headers: { [name]: value } });
      }
    }
  }
  return out;
}

describe('the README’s gateway configurations work as written', () => {
  let example: ExampleServer;
  let patchbay: TestPatchbay;
  let server: RunningServer;
  let bin: string;
  let token: string;
  let workToken: string;

  before(async () => {
    example = await startExampleServer();
    patchbay = await openTestPatchbay();
    const actor = patchbay.actor('cli');
    await patchbay.hub.addConnector(actor, { url: example.url, name: 'ex', project: 'work' });
    await patchbay.hub.updateToolSetting(actor, 'ex', 'echo', { approval: 'allow' });
    server = await startServer(patchbay, 'pb_unused-api-token-0123456789', { port: 0 });
    token = (await patchbay.tokens.create(actor, { name: 'readme' })).secret;
    workToken = (await patchbay.tokens.create(actor, { name: 'readme-work', projects: ['nothing-here'] })).secret;
    bin = await mkdtemp(join(tmpdir(), 'patchbay-bin-'));
    await symlink(MAIN, join(bin, 'patchbay'));
  });
  after(async () => {
    await server?.close();
    await patchbay?.close();
    await example?.close();
    if (bin) await rm(bin, { recursive: true, force: true });
  });

  const env = (extra: Record<string, string> = {}) => {
    const base: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !k.startsWith('PATCHBAY_')) base[k] = v;
    return { ...base, PATH: `${bin}${delimiter}${process.env.PATH}`, PATCHBAY_DATA_DIR: patchbay.dataDir, PATCHBAY_LOG_LEVEL: 'warn', ...extra };
  };

  const exercise = async (client: Client) => {
    const tools = (await client.listTools()).tools.map((t) => t.name);
    assert.ok(tools.includes('ex__echo'), tools.join(','));
    const result = await client.callTool({ name: 'ex__echo', arguments: { message: 'from the README' } });
    assert.deepEqual(result.content, [{ type: 'text', text: 'from the README' }]);
    return tools;
  };

  test('the snippets name every client and each one connects, lists and calls', async (t) => {
    const configured = await configuredClients();
    assert.deepEqual([...new Set(configured.map((c) => c.client))], ['Claude Desktop', 'Claude Code', 'Cursor', 'VS Code']);
    assert.ok(configured.filter((c) => c.command).length >= 3 && configured.filter((c) => c.url).length >= 3);
    for (const entry of configured) {
      await t.test(`${entry.client}: ${entry.command ? `${entry.command} ${entry.args?.join(' ')}` : entry.url}`, async () => {
        const client = new Client({ name: entry.client, version: '1.0.0' });
        if (entry.command) {
          assert.equal(entry.command, 'patchbay');
          await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, env: env(), stderr: 'pipe' }));
        } else {
          const url = new URL(entry.url!);
          assert.equal(url.port, '7410', 'the documented default port');
          const headers = Object.fromEntries(Object.entries(entry.headers ?? {}).map(([k, v]) => [k, v.replace('pbt_…', token)]));
          await client.connect(new StreamableHTTPClientTransport(new URL(url.pathname, server.url), { requestInit: { headers } }));
        }
        try {
          await exercise(client);
        } finally {
          await client.close();
        }
      });
    }
  });

  test('with PATCHBAY_GATEWAY_TOKEN and Patchbay running, --stdio relays to it (the token’s projects apply)', async () => {
    const port = String(server.port);
    const relayed = new Client({ name: 'relay', version: '1.0.0' });
    await relayed.connect(new StdioClientTransport({ command: 'patchbay', args: ['gateway', '--stdio'], env: env({ PATCHBAY_PORT: port, PATCHBAY_GATEWAY_TOKEN: workToken }) }));
    try {
      assert.deepEqual((await relayed.listTools()).tools, [], 'the running hub applied the token’s projects');
    } finally {
      await relayed.close();
    }
    const full = new Client({ name: 'relay', version: '1.0.0' });
    await full.connect(new StdioClientTransport({ command: 'patchbay', args: ['gateway', '--stdio'], env: env({ PATCHBAY_PORT: port, PATCHBAY_GATEWAY_TOKEN: token }) }));
    try {
      await exercise(full);
      // The running server writes its audit just after answering; wait for its event to land.
      let last: { door: string } | undefined;
      for (let i = 0; i < 200 && last?.door !== 'gateway'; i++) {
        [last] = await patchbay.hub.auditEvents(patchbay.actor('cli'), { limit: 1 });
        if (last?.door !== 'gateway') await delay(25);
      }
      assert.equal(last?.door, 'gateway', 'the relayed call is audited at the gateway door');
    } finally {
      await full.close();
    }
  });

  test('with PATCHBAY_GATEWAY_TOKEN and no Patchbay answering, --stdio serves from the store as that token: its projects, refused once revoked', async () => {
    // A port nothing listens on: taken, then given back.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = String((probe.address() as AddressInfo).port);
    await new Promise((resolve) => probe.close(resolve));
    const spawn = (secret: string) => new StdioClientTransport({ command: 'patchbay', args: ['gateway', '--stdio'], env: env({ PATCHBAY_PORT: port, PATCHBAY_GATEWAY_TOKEN: secret }), stderr: 'pipe' });

    const limited = new Client({ name: 'no-hub', version: '1.0.0' });
    await limited.connect(spawn(workToken));
    try {
      assert.deepEqual((await limited.listTools()).tools, [], 'the token reaches only the project "nothing-here"');
    } finally {
      await limited.close();
    }

    const { secret } = await patchbay.tokens.create(patchbay.actor('cli'), { name: 'no-hub-then-revoked' });
    const client = new Client({ name: 'no-hub', version: '1.0.0' });
    const transport = spawn(secret);
    let stderr = '';
    transport.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    await client.connect(transport);
    try {
      await exercise(client);
      assert.match(stderr, /No Patchbay answers at http:\/\/127\.0\.0\.1:\d+: serving from the store directly, as the token "no-hub-then-revoked"/);
      await patchbay.tokens.revoke(patchbay.actor('cli'), 'no-hub-then-revoked');
      await assert.rejects(client.listTools(), /revoked/);
    } finally {
      await client.close();
    }

    // Revoked before it starts: it says so and exits 4, serving nothing.
    const refused = await runCli(['gateway', '--stdio'], { env: { PATCHBAY_DATA_DIR: patchbay.dataDir, PATCHBAY_PORT: port, PATCHBAY_GATEWAY_TOKEN: secret } });
    assert.equal(refused.code, 4, refused.stderr);
    assert.match(refused.stderr, /PATCHBAY_GATEWAY_TOKEN/);
    assert.match(refused.stderr, /revoked/);
  });

  test('--project naming a project no connector is in says so on stderr, and serves no tools', async () => {
    const client = new Client({ name: 'empty-project', version: '1.0.0' });
    const transport = new StdioClientTransport({ command: 'patchbay', args: ['gateway', '--stdio', '--project', 'nope'], env: env(), stderr: 'pipe' });
    let stderr = '';
    transport.stderr?.on('data', (chunk) => {
      stderr += String(chunk);
    });
    await client.connect(transport);
    try {
      assert.deepEqual((await client.listTools()).tools, []);
      assert.match(stderr, /No connector is in the project \\?"nope\\?"/);
    } finally {
      await client.close();
    }
  });

  test('served in-process over stdio, a 2026-07-28 client is asked what the server asks during a call', async () => {
    await patchbay.hub.updateToolSetting(patchbay.actor('cli'), 'ex', 'ask_name', { approval: 'allow' });
    const client = new Client({ name: 'stdio-modern', version: '1.0.0' }, { capabilities: { elicitation: { form: {} } }, versionNegotiation: { mode: 'auto' } });
    const asked: string[] = [];
    client.setRequestHandler('elicitation/create', async (request) => {
      asked.push((request.params as { message: string }).message);
      return { action: 'accept', content: { name: 'Stdio' } };
    });
    await client.connect(new StdioClientTransport({ command: 'patchbay', args: ['gateway', '--stdio'], env: env(), stderr: 'pipe' }));
    try {
      assert.equal(client.getProtocolEra(), 'modern');
      const result = await client.callTool({ name: 'ex__ask_name', arguments: {} });
      assert.deepEqual(result.content, [{ type: 'text', text: 'Hello, Stdio!' }]);
      assert.deepEqual(asked, ['What is your name?']);
    } finally {
      await client.close();
    }
  });
});
