import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import type { ElicitRequest } from '@modelcontextprotocol/client';
import { answerAtTerminal, parseFieldAnswer, readElicitationFields } from './elicit-at-terminal.ts';

const schema = {
  type: 'object',
  properties: {
    name: { type: 'string', title: 'Your name', description: 'As on \u001b[31myour\u001b[0m badge', minLength: 2 },
    count: { type: 'integer', minimum: 1, maximum: 5, default: 3 },
    ok: { type: 'boolean', title: 'Agree?' },
    color: { type: 'string', oneOf: [{ const: 'red', title: 'Red' }, { const: 'green', title: 'Green' }] },
    tags: { type: 'array', items: { type: 'string', enum: ['x', 'y', 'z'] }, minItems: 1 },
  },
  required: ['name', 'ok'],
};

function request(message: string): ElicitRequest['params'] {
  return { mode: 'form', message, requestedSchema: schema } as ElicitRequest['params'];
}

/** Answers typed in advance; returns the result and everything shown. */
async function answer(params: ElicitRequest['params'], typed: string | null, signal?: AbortSignal) {
  const input = new PassThrough();
  const output = new PassThrough();
  let shown = '';
  output.on('data', (chunk: Buffer) => {
    shown += chunk.toString('utf8');
  });
  if (typed !== null) input.end(typed);
  const result = await answerAtTerminal(params, 'srv', { input, output, signal });
  return { result, shown };
}

test('one question per field, re-asked until valid, then accepted', async () => {
  const typed = ['', 'A', 'Ada', 'lots', '9', '', 'maybe', 'y', 'Green', 'w', '1,3,1', ''].join('\n') + '\n';
  const { result, shown } = await answer(request('Who are you?\u001b[2J'), typed);
  assert.deepEqual(result, { action: 'accept', content: { name: 'Ada', count: 3, ok: true, color: 'green', tags: ['x', 'z'] } });
  assert.match(shown, /Connector "srv" asks for input:\n {2}Who are you\?\n/);
  assert.match(shown, /Your name \* \(string\): /);
  assert.match(shown, /count \(integer\) \[3\]: /);
  assert.match(shown, / {4}1\) Red \[red\]\n {4}2\) Green \[green\]/);
  assert.match(shown, /An answer is required\./);
  assert.match(shown, /Enter at least 2 characters\./);
  assert.match(shown, /Enter a whole number\./);
  assert.match(shown, /Enter at most 5\./);
  assert.match(shown, /Answer yes or no\./);
  assert.match(shown, /"w" is not one of the choices\./);
  assert.doesNotMatch(shown, /\u001b/);
});

test('the person can decline or cancel after answering', async () => {
  const fields = 'Bo\n\nn\n\nx\n';
  assert.deepEqual((await answer(request('?'), `${fields}d\n`)).result, { action: 'decline' });
  assert.deepEqual((await answer(request('?'), `${fields}c\n`)).result, { action: 'cancel' });
});

test('input that ends, or an aborted operation, cancels', async () => {
  assert.deepEqual((await answer(request('?'), 'Bo\n')).result, { action: 'cancel' });
  const controller = new AbortController();
  const pending = answer(request('?'), null, controller.signal);
  controller.abort();
  assert.deepEqual((await pending).result, { action: 'cancel' });
});

test('a URL request is declined: this command line does not open pages', async () => {
  const params = { mode: 'url', message: 'Sign in', url: 'https://example.com', elicitationId: 'e1' } as ElicitRequest['params'];
  assert.deepEqual((await answer(params, '')).result, { action: 'decline' });
});

test('fields are read defensively from an untrusted schema', () => {
  assert.deepEqual(readElicitationFields(null), []);
  assert.deepEqual(readElicitationFields({ properties: { a: 'nonsense' } }), []);
  const [choice] = readElicitationFields({ properties: { s: { type: 'string', enum: ['a', 'b'], enumNames: ['Apple', 'Banana'] } } });
  assert.deepEqual(parseFieldAnswer(choice, 'banana'), { value: 'b' });
  assert.deepEqual(parseFieldAnswer(choice, '1'), { value: 'a' });
  assert.deepEqual(parseFieldAnswer(choice, ''), { skip: true });
});
