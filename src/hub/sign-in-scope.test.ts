import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ScopeChoice, selectSignInScope } from './sign-in-scope.ts';

const cases: Array<[string, ScopeChoice, string | undefined]> = [
  ['nothing known: discovery decides', {}, undefined],
  ['the challenge names the scope', { challenge: { scope: 'mcp:basic', stepUp: false } }, 'mcp:basic'],
  ['a person asking wins over the challenge', { requested: 'repo', challenge: { scope: 'mcp:basic', stepUp: false } }, 'repo'],
  ['a blank request is no request', { requested: '  ', challenge: { scope: 'mcp:basic', stepUp: false } }, 'mcp:basic'],
  ['a first sign-in does not carry old grants', { challenge: { scope: 'mcp:basic', stepUp: false }, granted: 'old:scope' }, 'mcp:basic'],
  ['a step-up keeps what was granted', { challenge: { scope: 'mcp:write', stepUp: true }, granted: 'mcp:basic offline_access' }, 'mcp:basic offline_access mcp:write'],
  ['a step-up asked for by hand keeps it too', { requested: 'mcp:write', challenge: { scope: 'mcp:write', stepUp: true }, granted: 'mcp:basic' }, 'mcp:basic mcp:write'],
  ['no scope twice', { challenge: { scope: 'b a', stepUp: true }, granted: 'a c' }, 'a c b'],
  ['a step-up without a named scope leaves it to discovery', { challenge: { stepUp: true }, granted: 'mcp:basic' }, undefined],
];

for (const [what, choice, expected] of cases) {
  test(`selectSignInScope: ${what}`, () => {
    assert.equal(selectSignInScope(choice), expected);
  });
}
