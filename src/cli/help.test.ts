import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { ERROR_CODES } from '../core/errors.ts';
import { describeExitCodes } from './help.ts';

test('every exit status an error can end the CLI with is explained in `patchbay help`', () => {
  const explained = new Set(describeExitCodes().map((row) => row.exit));
  for (const [code, { exit }] of Object.entries(ERROR_CODES)) assert.ok(explained.has(exit), `${code} exits ${exit}, which the help does not explain`);
  const listed = describeExitCodes().flatMap((row) => row.codes);
  assert.deepEqual([...listed].sort(), Object.keys(ERROR_CODES).sort(), 'each error code under exactly one status');
});

test('docs/cli.md lists the exit statuses and error codes the CLI has', async () => {
  const text = await readFile(new URL('../../docs/cli.md', import.meta.url), 'utf8');
  const rows = [...text.slice(text.indexOf('## Exit codes')).matchAll(/^\| (\d+) \| (.+?) \| (.*?) \|$/gm)].map(([, exit, meaning, codes]) => ({
    exit: Number(exit),
    meaning: meaning.replaceAll('`', ''),
    codes: [...codes.matchAll(/`([A-Z_]+)`/g)].map((m) => m[1]),
  }));
  assert.deepEqual(rows, describeExitCodes().map(({ exit, meaning, codes }) => ({ exit, meaning, codes })));
});
