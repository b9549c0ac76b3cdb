import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEFAULT_PORT, defaultDataDir, loadConfig } from './config.ts';
import { isPatchbayError } from './errors.ts';

test('defaults: loopback, fixed port, SQLite in the data dir', () => {
  const config = loadConfig({ PATCHBAY_DATA_DIR: '/tmp/pb' });
  assert.equal(config.host, '127.0.0.1');
  assert.equal(config.port, DEFAULT_PORT);
  assert.deepEqual(config.database, { kind: 'sqlite', path: join('/tmp/pb', 'patchbay.db') });
  assert.equal(config.secretKeyFile, join('/tmp/pb', 'secret.key'));
  assert.equal(config.protocol, 'auto');
  assert.equal(config.allowHttp, false);
});

test('a postgres URL switches to PostgreSQL; sqlite: URLs and .db paths pick a file', () => {
  assert.deepEqual(loadConfig({ PATCHBAY_DATABASE_URL: 'postgres://u@h:5432/db' }).database, { kind: 'postgres', url: 'postgres://u@h:5432/db' });
  assert.deepEqual(loadConfig({ PATCHBAY_DATABASE_URL: 'sqlite:/var/pb.sqlite' }).database, { kind: 'sqlite', path: '/var/pb.sqlite' });
  assert.deepEqual(loadConfig({ PATCHBAY_DATABASE_URL: '/srv/x.db' }).database, { kind: 'sqlite', path: '/srv/x.db' });
});

test('every bad variable is reported together', () => {
  assert.throws(
    () =>
      loadConfig({
        PATCHBAY_PORT: 'abc',
        PATCHBAY_DATABASE_URL: 'mysql://x',
        PATCHBAY_SECRET_KEY: 'short',
        PATCHBAY_LOG_LEVEL: 'loud',
        PATCHBAY_REQUEST_TIMEOUT_MS: '-5',
        PATCHBAY_ALLOW_HTTP: 'maybe',
      }),
    (error: unknown) => {
      assert.ok(isPatchbayError(error, 'CONFIG_INVALID'));
      for (const name of ['PATCHBAY_PORT', 'PATCHBAY_DATABASE_URL', 'PATCHBAY_SECRET_KEY', 'PATCHBAY_LOG_LEVEL', 'PATCHBAY_REQUEST_TIMEOUT_MS', 'PATCHBAY_ALLOW_HTTP']) {
        assert.match(error.message, new RegExp(name));
      }
      assert.equal((error.details?.issues as string[] | undefined)?.length, 6);
      return true;
    },
  );
});

test('the data dir follows each OS convention', () => {
  assert.equal(defaultDataDir({}, 'linux', '/home/a'), '/home/a/.local/share/patchbay');
  assert.equal(defaultDataDir({ XDG_DATA_HOME: '/xdg' }, 'linux', '/home/a'), '/xdg/patchbay');
  assert.equal(defaultDataDir({}, 'darwin', '/Users/a'), '/Users/a/Library/Application Support/Patchbay');
  assert.equal(defaultDataDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32', 'C:\\Users\\a'), join('C:\\Users\\a\\AppData\\Roaming', 'Patchbay'));
});

test('the client metadata document URL must be https with a path', () => {
  assert.equal(loadConfig({}).clientMetadataUrl, undefined);
  assert.equal(loadConfig({ PATCHBAY_CLIENT_METADATA_URL: 'https://example.com/patchbay/client.json' }).clientMetadataUrl, 'https://example.com/patchbay/client.json');
  for (const bad of ['http://example.com/client.json', 'https://example.com/', 'https://example.com', 'not a url']) {
    assert.throws(() => loadConfig({ PATCHBAY_CLIENT_METADATA_URL: bad }), (e: unknown) => isPatchbayError(e, 'CONFIG_INVALID') && /PATCHBAY_CLIENT_METADATA_URL/.test(e.message), bad);
  }
});
