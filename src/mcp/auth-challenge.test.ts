import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type AuthChallenge, parseAuthChallenge } from './auth-challenge.ts';

const cases: Array<[string, string | null, number, AuthChallenge]> = [
  ['scope and resource_metadata of a 401', 'Bearer scope="mcp:basic", resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp"', 401, {
    scope: 'mcp:basic',
    resourceMetadataUrl: 'https://mcp.example/.well-known/oauth-protected-resource/mcp',
    stepUp: false,
  }],
  ['a 403 insufficient_scope is a step-up', 'Bearer error="insufficient_scope", scope="mcp:read mcp:write", resource_metadata="http://127.0.0.1:9/prm"', 403, {
    scope: 'mcp:read mcp:write',
    resourceMetadataUrl: 'http://127.0.0.1:9/prm',
    stepUp: true,
  }],
  ['insufficient_scope on a 401 is not a step-up', 'Bearer error="insufficient_scope", scope="a"', 401, { scope: 'a', stepUp: false }],
  ['unquoted values, any case of the scheme and names', 'bearer Scope=files:read, ERROR=insufficient_scope', 403, { scope: 'files:read', stepUp: true }],
  ['a DPoP challenge carries the same parameters', 'DPoP algs="ES256", scope="x"', 401, { scope: 'x', stepUp: false }],
  ['escaped quotes inside a quoted value', 'Bearer error_description="say \\"hi\\"", scope="a b"', 401, { scope: 'a b', stepUp: false }],
  ['only the first occurrence of a parameter counts', 'Bearer scope="first", scope="second"', 401, { scope: 'first', stepUp: false }],
  ['runs of spaces in the scope are folded', 'Bearer scope="  a   b "', 401, { scope: 'a b', stepUp: false }],
  ['a resource_metadata that is not http(s) is dropped', 'Bearer resource_metadata="javascript:alert(1)", scope="a"', 401, { scope: 'a', stepUp: false }],
  ['a resource_metadata that is not a URL is dropped', 'Bearer resource_metadata="/relative/path"', 401, { stepUp: false }],
  ['a scope with characters scopes cannot have is dropped', 'Bearer scope="a\\\\b"', 401, { stepUp: false }],
  ['an overlong scope is dropped', `Bearer scope="${'s'.repeat(1001)}"`, 401, { stepUp: false }],
  ['another scheme is not read', 'Basic realm="x", scope="a"', 401, { stepUp: false }],
  ['no header', null, 401, { stepUp: false }],
  ['a malformed header gives what parsed before the break', 'Bearer scope="a", =broken, resource_metadata="https://x.example/p"', 401, { scope: 'a', stepUp: false }],
];

for (const [what, header, status, expected] of cases) {
  test(`parseAuthChallenge: ${what}`, () => {
    assert.deepEqual(parseAuthChallenge(header, status), expected);
  });
}
