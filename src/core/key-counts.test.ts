import assert from 'node:assert/strict';
import { test } from 'node:test';
import { KeyCounts } from './key-counts.ts';

test('counts per key go up and down, never below zero, and are kept apart', () => {
  const counts = new KeyCounts<string>();
  assert.equal(counts.add('a'), 1);
  assert.equal(counts.add('a'), 2);
  assert.equal(counts.add('b'), 1);
  assert.equal(counts.remove('a'), 1);
  assert.equal(counts.get('a'), 1);
  assert.equal(counts.remove('a'), 0);
  assert.equal(counts.remove('a'), 0, 'not below zero');
  assert.equal(counts.get('b'), 1);
  counts.clear();
  assert.equal(counts.get('b'), 0);
});
