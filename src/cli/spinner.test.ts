import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startSpinner } from './spinner.ts';

const shown = async (columns: number | undefined) => {
  let written = '';
  const stream = {
    isTTY: true,
    columns,
    write(chunk: string | Uint8Array) {
      written += String(chunk);
      return true;
    },
  };
  const spinner = startSpinner(stream, 'Calling slow on patchbay-example', { delayMs: 0, intervalMs: 1_000 });
  await new Promise((resolve) => setTimeout(resolve, 20));
  spinner.stop();
  return written;
};

test('the spinner shows its text on a terminal of any reported width, cut to the width when there is one', async () => {
  assert.match(await shown(100), /Calling slow on patchbay-example/);
  assert.match(await shown(0), /Calling slow on patchbay-example/, 'a terminal reporting 0 columns still shows progress');
  assert.match(await shown(undefined), /Calling slow on patchbay-example/);
  assert.doesNotMatch(await shown(12), /patchbay-example/);
});
