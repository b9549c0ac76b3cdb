import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createLogger, redactedJson } from './log.ts';

test('redactedJson masks values under secret-looking keys at any depth and keeps the rest', () => {
  const text = redactedJson({ query: 'cats', auth: { apiKey: 'k-1', nested: [{ password: 'p', note: 'keep' }] }, token: null, deep: { a: { b: { c: { d: { e: { f: { g: { secret: 's' } } } } } } } } });
  const parsed = JSON.parse(text);
  assert.equal(parsed.query, 'cats');
  assert.equal(parsed.auth.apiKey, '***');
  assert.deepEqual(parsed.auth.nested, [{ password: '***', note: 'keep' }]);
  assert.equal(parsed.token, null, 'an absent secret stays absent');
  assert.equal(parsed.deep.a.b.c.d.e.f.g.secret, '***');
  assert.doesNotMatch(text, /k-1|"p"|"s"/);
  assert.equal(redactedJson(undefined), 'null');
  assert.equal(redactedJson('plain'), '"plain"');
});

test('log lines mask secret fields', () => {
  const lines: string[] = [];
  createLogger('info', {}, (line) => lines.push(line)).info('signed in', { user: 'ada', accessToken: 'abc123', headers: { Authorization: 'Bearer abc123' } });
  assert.equal(lines.length, 1);
  assert.doesNotMatch(lines[0], /abc123/);
  assert.match(lines[0], /"user":"ada"/);
});
