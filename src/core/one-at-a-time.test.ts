import assert from 'node:assert/strict';
import { test } from 'node:test';
import { oneAfter } from './one-at-a-time.ts';

test('tasks queued on one tail run one at a time, in order, and a failure neither stops the next nor rejects the tail', async () => {
  const events: string[] = [];
  const task = (name: string, ms: number, fail = false) => async () => {
    events.push(`${name} start`);
    await new Promise((resolve) => setTimeout(resolve, ms));
    events.push(`${name} end`);
    if (fail) throw new Error(`${name} failed`);
    return name;
  };
  const first = oneAfter(undefined, task('a', 20, true));
  const second = oneAfter(first.tail, task('b', 1));
  const third = oneAfter(second.tail, task('c', 1));
  await assert.rejects(first.result, /a failed/);
  assert.equal(await second.result, 'b');
  assert.equal(await third.result, 'c');
  await third.tail;
  assert.deepEqual(events, ['a start', 'a end', 'b start', 'b end', 'c start', 'c end']);
});
