import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPatchbayError } from '../core/errors.ts';
import { deriveName, normalizeConnectorUrl, uniqueName, validateName } from './connector-rules.ts';

test('URLs: https anywhere, http only on loopback or when allowed; normalized', () => {
  assert.equal(normalizeConnectorUrl('  HTTPS://Example.COM:443/mcp?x=1#frag '), 'https://example.com/mcp?x=1');
  assert.equal(normalizeConnectorUrl('http://127.0.0.1:7411/mcp'), 'http://127.0.0.1:7411/mcp');
  assert.equal(normalizeConnectorUrl('http://localhost:80/a/b'), 'http://localhost/a/b');
  assert.equal(normalizeConnectorUrl('http://[::1]:9/'), 'http://[::1]:9/');
  assert.equal(normalizeConnectorUrl('http://lan.example/mcp', { allowHttp: true }), 'http://lan.example/mcp');
  for (const bad of ['http://example.com/mcp', 'ftp://example.com', 'javascript:alert(1)', 'file:///etc/passwd', 'not a url', '/relative', 'https://user:pw@example.com/']) {
    assert.throws(() => normalizeConnectorUrl(bad), (e: unknown) => isPatchbayError(e, 'INVALID_URL'), bad);
  }
});

test('a host typed without a scheme is told the URL it probably meant: http on this machine, https elsewhere', () => {
  const said = (text: string) => {
    try {
      normalizeConnectorUrl(text);
    } catch (error) {
      assert.ok(isPatchbayError(error, 'INVALID_URL'));
      return error.message;
    }
    assert.fail(`${text} was taken`);
  };
  assert.match(said('localhost:7411/mcp'), /no scheme \(try http:\/\/localhost:7411\/mcp\)/);
  assert.match(said('127.0.0.1:7411/mcp'), /\(try http:\/\/127\.0\.0\.1:7411\/mcp\)/);
  assert.match(said('mcp.example.com/mcp'), /\(try https:\/\/mcp\.example\.com\/mcp\)/);
  assert.match(said('[::1]:9/'), /\(try http:\/\/\[::1\]:9\/\)/);
  assert.doesNotMatch(said('not a url'), /\(try /);
  assert.doesNotMatch(said('mailto:someone@example.com'), /\(try /);
});

test('names: lowercase letters, digits and hyphens; derived from hostile server names safely', () => {
  assert.equal(validateName('team-notes-2'), 'team-notes-2');
  for (const bad of ['', 'Upper', '-lead', 'trail-', 'sp ace', 'a'.repeat(65), 'ünï']) {
    assert.throws(() => validateName(bad), (e: unknown) => isPatchbayError(e, 'INVALID_NAME'), bad);
  }
  assert.equal(deriveName('mcp-servers/everything', 'https://x.test/'), 'mcp-servers-everything');
  assert.equal(deriveName('@acme/GitHub MCP', 'https://x.test/'), 'github-mcp');
  assert.equal(deriveName('\u001b[31m\u202eevil\u0000', 'https://x.test/'), 'evil');
  assert.equal(deriveName('!!!', 'https://www.mcp.example.com/mcp'), 'mcp-example-com');
  assert.equal(deriveName('x'.repeat(300), 'https://x.test/').length, 64);
  const taken = new Set(['github', 'github-2']);
  assert.equal(uniqueName('github', (n) => taken.has(n)), 'github-3');
});
