import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isInputRequiredResult } from '@modelcontextprotocol/server';
import { type HeldCallRequest, HeldCalls } from './held-calls.ts';

const FORM = { elicitation: { form: {} } };

/** A call whose server asks one question and returns what it heard. */
const asking = (control: Parameters<Parameters<HeldCalls['start']>[1]>[0]) =>
  control.onElicitation!({ mode: 'form', message: 'Name?', requestedSchema: { type: 'object', properties: { name: { type: 'string' } } } }, { connector: 'ex' }).then(
    (answer) => `heard ${answer.action}`,
  );

const request = (owner: string, extra: Partial<HeldCallRequest> = {}): HeldCallRequest => ({
  owner,
  request: 'tools/call\u0000ask\u0000{}',
  capabilities: FORM,
  state: undefined,
  responses: undefined,
  signal: undefined,
  ...extra,
});

test('one owner may hold only so many calls; past that the server hears a decline, and others are not affected', async (t) => {
  const held = new HeldCalls({ holdMs: 60_000, maxPerOwner: 2 });
  t.after(() => held.close());
  const first = await held.start(request('token-a'), asking);
  const second = await held.start(request('token-a'), asking);
  assert.ok(isInputRequiredResult(first) && isInputRequiredResult(second), 'the first two are held for the answer');
  assert.equal(await held.start(request('token-a'), asking), 'heard decline', 'the third is declined at once');
  assert.ok(isInputRequiredResult(await held.start(request('token-b'), asking)), 'another owner still gets asked');

  // Answering one frees its place.
  const state = (first as { requestState?: string }).requestState;
  const key = Object.keys((first as { inputRequests: Record<string, unknown> }).inputRequests)[0];
  const answered = await held.resume(request('token-a', { state, responses: { [key]: { action: 'accept', content: { name: 'Ada' } } } }));
  assert.equal(answered, 'heard accept');
  assert.ok(isInputRequiredResult(await held.start(request('token-a'), asking)), 'a place was freed');
});
