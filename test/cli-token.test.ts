import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DatabaseSync } from 'node:sqlite';
import { runCli } from './fixtures/cli-process.ts';

let dataDir: string;
const cli = (...args: string[]) => runCli(args, { env: { PATCHBAY_DATA_DIR: dataDir } });

before(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'patchbay-cli-token-'));
});
after(() => rm(dataDir, { recursive: true, force: true }));

test('patchbay token: create prints the token once and stores only its hash; list; revoke by name', async () => {
  const created = await cli('token', 'create', 'claude-desktop', '--project', 'work', '--project', 'home');
  assert.equal(created.code, 0, created.stderr);
  const secret = created.stdout.trim();
  assert.match(secret, /^pbt_[A-Za-z0-9_-]{43}$/);
  assert.match(created.stderr, /shown only now/);
  assert.match(created.stderr, /to the gateway at http:\/\/127\.0\.0\.1:7410\/mcp/, 'where to send it, this Patchbay’s own address');

  const db = new DatabaseSync(join(dataDir, 'patchbay.db'), { readOnly: true });
  const rows = db.prepare('select token_hash, prefix, projects from access_tokens').all() as Array<{ token_hash: string; prefix: string; projects: string }>;
  db.close();
  assert.equal(rows.length, 1);
  assert.notEqual(rows[0].token_hash, secret);
  assert.equal(rows[0].prefix, secret.slice(0, 8));
  assert.deepEqual(JSON.parse(rows[0].projects), ['home', 'work']);
  const file = await readFile(join(dataDir, 'patchbay.db'));
  assert.equal(file.includes(Buffer.from(secret.slice(4))), false, 'the token itself is nowhere in the database file');

  const listed = await cli('token', 'list', '--json');
  assert.equal(listed.code, 0, listed.stderr);
  const tokens = JSON.parse(listed.stdout);
  assert.equal(tokens.length, 1);
  assert.equal(tokens[0].name, 'claude-desktop');
  assert.equal(JSON.stringify(tokens).includes(secret), false, 'list never shows the token');
  const table = await cli('token', 'list');
  assert.match(table.stdout, /claude-desktop\s+pbt_\S{4}…\s+home,work/);

  assert.equal((await cli('token', 'create', 'claude-desktop')).code, 2, 'a live name is taken');
  assert.equal((await cli('token', 'create', 'Bad Name')).code, 2);
  const unknown = await cli('token', 'frobnicate');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /use create, list or revoke\. Run `patchbay help token` for usage\./);
  assert.doesNotMatch(unknown.stderr, /\.\./);

  const revoked = await cli('token', 'revoke', 'claude-desktop');
  assert.equal(revoked.code, 0, revoked.stderr);
  assert.match(revoked.stdout, /Revoked token "claude-desktop"/);
  const again = await cli('token', 'revoke', 'claude-desktop');
  assert.equal(again.code, 3, 'nothing live under that name any more');
  const after = JSON.parse((await cli('token', 'list', '--json')).stdout);
  assert.ok(after[0].revokedAt);
});
