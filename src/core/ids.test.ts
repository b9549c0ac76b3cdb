import assert from 'node:assert/strict';
import { test } from 'node:test';
import { newTimeOrderedId } from './ids.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('time-ordered ids are UUID v7, carry their millisecond and sort in the order they were made', () => {
  const at = Date.UTC(2026, 10, 24, 12, 0, 0);
  const ids = Array.from({ length: 5000 }, () => newTimeOrderedId(at));
  for (const id of ids) assert.match(id, UUID_V7);
  assert.equal(Number.parseInt(ids[0].replace('-', '').slice(0, 12), 16), at);
  // 5000 ids in one millisecond overflow the 12-bit sequence: order still holds, all distinct.
  assert.deepEqual([...ids].sort(), ids);
  assert.equal(new Set(ids).size, ids.length);
  // A clock that steps back does not break the order either.
  const later = newTimeOrderedId(at - 1000);
  assert.ok(later > ids.at(-1)!, `${later} sorts after ${ids.at(-1)}`);
});
