import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BurstQueue } from './burst-queue.ts';

test('items pushed in one turn are applied together, in order; what arrives meanwhile is the next batch', async () => {
  const batches: number[][] = [];
  let release = () => {};
  const queue = new BurstQueue<number>(async (batch) => {
    batches.push(batch);
    if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
  });
  queue.push(1);
  // Pushed from a later microtask of the same turn (another call's continuation): the same batch.
  await Promise.resolve();
  queue.push(2);
  queue.push(3);
  assert.deepEqual(batches, [], 'nothing is applied before the turn ends');
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(batches, [[1, 2, 3]]);
  queue.push(4);
  queue.push(5);
  const idle = queue.idle();
  release();
  await idle;
  assert.deepEqual(batches, [[1, 2, 3], [4, 5]], 'pushed while a batch was being applied: the next batch, once');
  queue.push(6);
  await queue.idle();
  assert.deepEqual(batches.at(-1), [6], 'a quiet queue starts again');
});

test('with gatherMs, items pushed over several turns within the window share a batch', async () => {
  const batches: number[][] = [];
  const queue = new BurstQueue<number>(async (batch) => void batches.push(batch), { gatherMs: 30 });
  queue.push(1);
  await new Promise((resolve) => setImmediate(resolve));
  queue.push(2);
  await new Promise((resolve) => setTimeout(resolve, 5));
  queue.push(3);
  assert.deepEqual(batches, [], 'still gathering after two turns');
  await queue.idle();
  assert.deepEqual(batches, [[1, 2, 3]]);
  queue.push(4);
  await queue.idle();
  assert.deepEqual(batches, [[1, 2, 3], [4]]);
});

test('with gatherMs, what arrives while a batch is applied waits out the window too: batches start at least gatherMs apart', async () => {
  const starts: number[] = [];
  const batches: number[][] = [];
  const queue = new BurstQueue<number>(
    async (batch) => {
      starts.push(performance.now());
      batches.push(batch);
      await new Promise((resolve) => setTimeout(resolve, 5));
    },
    { gatherMs: 40 },
  );
  queue.push(1);
  while (batches.length === 0) await new Promise((resolve) => setTimeout(resolve, 1));
  // The first batch is being written: these gather for the next one, which waits for the window.
  queue.push(2);
  await new Promise((resolve) => setTimeout(resolve, 15));
  queue.push(3);
  await queue.idle();
  assert.deepEqual(batches, [[1], [2, 3]], 'an item pushed after the first write ended still shares the second batch');
  // Timers are kept to the millisecond; the window is 40 ms, back to back would be about 5.
  assert.ok(starts[1] - starts[0] >= 35, `second batch began ${(starts[1] - starts[0]).toFixed(1)} ms after the first`);
});
