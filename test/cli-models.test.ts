import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from './fixtures/cli-process.ts';

describe('patchbay models', () => {
  let dataDir: string;
  const cli = (args: string[], input?: string) => runCli(args, { env: { PATCHBAY_DATA_DIR: dataDir }, input });

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'patchbay-cli-models-'));
  });
  after(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  test('adds a model with its key from stdin (stored encrypted, never printed), lists it, removes it', async () => {
    const empty = await cli(['models']);
    assert.equal(empty.code, 0);
    assert.match(empty.stderr, /No model yet/);

    const added = await cli(['models', 'add', '--provider', 'openai-compatible', '--base-url', 'http://127.0.0.1:11434/v1', '--model', 'llama3.1', '--name', 'ollama', '--key-stdin'], 'sk-cli-secret-77\n');
    assert.equal(added.code, 0, added.stderr);
    assert.match(added.stdout, /Added the model "ollama" \(key encrypted\)/);
    const database = await readFile(join(dataDir, 'patchbay.db'));
    assert.equal(database.includes('sk-cli-secret-77'), false, 'the key is not in the database in the clear');

    const listed = await cli(['models', '--json']);
    const models = JSON.parse(listed.stdout);
    assert.deepEqual(models.map((m: { name: string; hasKey: boolean; baseUrl: string }) => [m.name, m.hasKey, m.baseUrl]), [['ollama', true, 'http://127.0.0.1:11434/v1']]);
    assert.equal(listed.stdout.includes('sk-cli-secret'), false);

    const incomplete = await cli(['models', 'add', '--provider', 'openai-compatible', '--model', 'x', '--no-key']);
    assert.equal(incomplete.code, 2);
    assert.match(incomplete.stderr, /needs its base URL/);

    const removed = await cli(['models', 'remove', 'ollama']);
    assert.equal(removed.code, 0, removed.stderr);
    const missing = await cli(['models', 'remove', 'ollama']);
    assert.equal(missing.code, 3);
    assert.match(missing.stderr, /No model named "ollama"/);
  });
});
