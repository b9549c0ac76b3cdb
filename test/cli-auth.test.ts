import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ExampleServer, startExampleServer } from '../src/example-server/index.ts';
import { runCli } from './fixtures/cli-process.ts';

const KEY = 'sk-cli-0f9e8d7c6b5a49382716';
const PASSWORD = 'pa55 word with spaces';

describe('patchbay add/auth with credentials', () => {
  let server: ExampleServer;
  let dataDir: string;
  const cli = (args: string[], input?: string) => runCli(args, { env: { PATCHBAY_DATA_DIR: dataDir }, input });

  before(async () => {
    server = await startExampleServer({
      authenticate: async (req: IncomingMessage, res: ServerResponse) => {
        const basic = `Basic ${Buffer.from(`ada:${PASSWORD}`).toString('base64')}`;
        if (req.headers['x-api-key'] === KEY || req.headers.authorization === basic) return undefined;
        res.writeHead(401).end();
        return false as const;
      },
    });
    dataDir = await mkdtemp(join(tmpdir(), 'patchbay-cli-auth-'));
  });
  after(async () => {
    await server?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  test('add without credentials keeps the connector waiting for sign-in and says how to sign in', async () => {
    const run = await cli(['add', server.url, '--name', 'waiting', '--json']);
    assert.equal(run.code, 0, run.stderr);
    assert.equal(JSON.parse(run.stdout).connector.status, 'needs-sign-in');
    assert.equal((await cli(['remove', 'waiting'])).code, 0);
    const people = await cli(['add', server.url, '--name', 'waiting']);
    assert.match(people.stdout, /patchbay login waiting/);
    assert.match(people.stdout, /patchbay auth waiting --header/);
    assert.equal((await cli(['remove', 'waiting'])).code, 0);
  });

  test('add --header stores the key; auth shows it masked; a call works', async () => {
    const added = await cli(['add', server.url, '--name', 'locked', '--header', `X-Api-Key: ${KEY}`, '--json']);
    assert.equal(added.code, 0, added.stderr);
    assert.equal(JSON.parse(added.stdout).connector.authKind, 'headers');
    const shown = await cli(['auth', 'locked', '--json']);
    assert.deepEqual(JSON.parse(shown.stdout).credentials, { kind: 'headers', headers: { 'X-Api-Key': '••••2716' } });
    assert.equal(shown.stdout.includes(KEY), false);
    const call = await cli(['call', 'locked', 'echo', '--arg', 'message=unlocked']);
    assert.equal(call.code, 0, call.stderr);
    assert.match(call.stdout, /unlocked/);
  });

  test('auth --basic reads the password from stdin; --clear signs out', async () => {
    const set = await cli(['auth', 'locked', '--basic', 'ada', '--password-stdin'], `${PASSWORD}\n`);
    assert.equal(set.code, 0, set.stderr);
    assert.match(set.stdout, /user ada, password ••••/);
    assert.equal(set.stdout.includes(PASSWORD), false);
    assert.equal((await cli(['call', 'locked', 'echo', '--arg', 'message=basic'])).code, 0);
    assert.equal((await cli(['auth', 'locked', '--clear'])).code, 0);
    const refused = await cli(['call', 'locked', 'echo', '--arg', 'message=x', '--json']);
    assert.equal(refused.code, 4);
    assert.equal(JSON.parse(refused.stdout).error.code, 'AUTH_REQUIRED');
  });

  test('--basic with no terminal and nothing piped in is refused, and the credentials stay as they were; --password-stdin may give an empty one', async () => {
    const before = await cli(['auth', 'locked', '--json']);
    const run = await cli(['auth', 'locked', '--basic', 'bob'], '');
    assert.equal(run.code, 2, run.stderr);
    assert.match(run.stderr, /No password for bob.*--password-stdin/);
    assert.deepEqual(JSON.parse((await cli(['auth', 'locked', '--json'])).stdout), JSON.parse(before.stdout));
    const empty = await cli(['auth', 'locked', '--basic', 'bob', '--password-stdin', '--json'], '');
    assert.equal(empty.code, 0, empty.stderr);
    assert.equal(JSON.parse(empty.stdout).credentials.username, 'bob');
  });

  test('a malformed header is refused without echoing it', async () => {
    const run = await cli(['auth', 'locked', '--header', 'sk-this-is-the-secret-itself']);
    assert.equal(run.code, 2);
    assert.equal(run.stderr.includes('sk-this-is-the-secret-itself'), false);
  });
});
