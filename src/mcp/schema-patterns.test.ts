import assert from 'node:assert/strict';
import { test } from 'node:test';
import { prepareSchema, runsInLinearTime } from './schema-patterns.ts';
import { CompiledSchemas } from './validate-arguments.ts';

test('patterns that run in linear time whatever the input run as they are; any that may backtrack go on the watchdog', () => {
  for (const linear of ['^[a-z0-9-]+$', '^\\d{4}-\\d{2}-\\d{2}$', '^[A-Z]{2,3}$', '^(?:v)\\d+$', '^[+*(|)]*$', '^\\+\\d{7}$', '^.*$']) {
    assert.equal(runsInLinearTime(linear), true, linear);
  }
  for (const risky of ['^(a+)+$', '^(a|aa)+$', '^\\s*,\\s*$', '[a-z]+x', '^a|b*$', '^\\\\+\\\\+$', '^(\\d)\\1$', '^(?=a)a+$', '^https?://.+$', '^(?:ab)+$', '^a{1,9}a{1,9}$']) {
    assert.equal(runsInLinearTime(risky), false, risky);
  }
});

test('a schema is compiled without its $id and with its patterns found', () => {
  const prepared = prepareSchema({
    $id: 'https://evil.example/p',
    properties: { $id: { type: 'string', pattern: '^x+$' }, pattern: { type: 'string' } },
    patternProperties: { '^a+$': { type: 'number' } },
  });
  assert.deepEqual(prepared.schema, { properties: { $id: { type: 'string', pattern: '^x+$' }, pattern: { type: 'string' } }, patternProperties: { '^a+$': { type: 'number' } } });
  assert.deepEqual(prepared.patterns.sort(), ['^a+$', '^x+$']);
});

test('one server’s schema cannot reach or replace another’s through $id', () => {
  const schemas = new CompiledSchemas();
  const id = 'https://evil.example/p';
  const evil = schemas.check({ $id: id, type: 'string', pattern: '^(a+)+$' });
  assert.equal(evil?.('aaa').valid, true);
  // The same $id for a harmless schema: it checks what it says, not what the first one said.
  assert.equal(schemas.check({ $id: id, type: 'number' })?.(5).valid, true);
  // A $ref to it reaches nothing: no check of ours (the server still checks), and the pattern never runs.
  assert.equal(schemas.check({ type: 'object', properties: { s: { $ref: id } } }), null);
});
