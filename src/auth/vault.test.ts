import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isPatchbayError } from '../core/errors.ts';
import { loadVaultKey, Vault } from './vault.ts';

const binding = { userId: 'u1', connectorId: 'c1', issuer: 'https://as.example', kind: 'oauth-tokens' };

test('a sealed secret opens only with the same key and binding', () => {
  const vault = new Vault(randomBytes(32));
  const sealed = vault.sealJson({ access_token: 'tok-123', refresh_token: 'ref-456' }, binding);
  assert.doesNotMatch(sealed, /tok-123|ref-456/);
  assert.deepEqual(vault.openJson(sealed, binding), { access_token: 'tok-123', refresh_token: 'ref-456' });
  assert.notEqual(vault.seal('same', binding), vault.seal('same', binding), 'a fresh IV every time');

  for (const other of [
    { ...binding, userId: 'u2' },
    { ...binding, connectorId: 'c2' },
    { ...binding, issuer: 'https://evil.example' },
    { ...binding, kind: 'headers' },
  ]) {
    assert.throws(() => vault.open(sealed, other), (e: unknown) => isPatchbayError(e, 'SECRET_UNREADABLE'));
  }
  assert.throws(() => new Vault(randomBytes(32)).open(sealed, binding), (e: unknown) => isPatchbayError(e, 'SECRET_UNREADABLE'));
  const [v, iv, body, tag] = sealed.split('.');
  const flipped = `${v}.${iv}.${body.slice(0, -2)}${body.at(-2) === 'A' ? 'B' : 'A'}${body.at(-1)}.${tag}`;
  assert.throws(() => vault.open(flipped, binding), (e: unknown) => isPatchbayError(e, 'SECRET_UNREADABLE'));
  assert.throws(() => vault.open('garbage', binding), (e: unknown) => isPatchbayError(e, 'SECRET_UNREADABLE'));
});

test('the key file is created once with mode 0600, reused, and refused when others can read it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'patchbay-vault-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const keyFile = join(dir, 'nested', 'secret.key');
  const [a, b] = await Promise.all([loadVaultKey({ keyFile }), loadVaultKey({ keyFile })]);
  assert.equal(a.length, 32);
  assert.ok(a.equals(b), 'two processes starting together agree on one key');
  assert.equal((await stat(keyFile)).mode & 0o777, 0o600);
  assert.ok((await loadVaultKey({ keyFile })).equals(a));
  assert.equal(Buffer.from((await readFile(keyFile, 'utf8')).trim(), 'base64').length, 32);
  await chmod(keyFile, 0o644);
  await assert.rejects(loadVaultKey({ keyFile }), (e: unknown) => isPatchbayError(e, 'CONFIG_INVALID') && /chmod 600/.test((e as Error).message));
  const given = randomBytes(32);
  assert.ok((await loadVaultKey({ key: given, keyFile })).equals(given), 'PATCHBAY_SECRET_KEY wins over the file');
});
