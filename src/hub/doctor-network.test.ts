import assert from 'node:assert/strict';
import { isIP, type LookupFunction } from 'node:net';
import { test } from 'node:test';
import type { AddressPolicy } from '../auth/index.ts';
import { checkUrl, resolveHost } from './doctor-network.ts';

const LOCAL: AddressPolicy = { allowLoopback: true, allowPrivate: true };
const ctx = { signal: new AbortController().signal, timeoutMs: 1000, progress: () => {} };
const lookup = ((hostname: string, _options: unknown, callback: (e: Error | null, a: unknown) => void) => {
  const address = { 'nas.test': '192.168.1.20', 'metadata.test': '169.254.169.254' }[hostname];
  if (!address) return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), []);
  callback(null, [{ address, family: isIP(address) }]);
}) as unknown as LookupFunction;

test('the doctor follows a local connector allowed plain http to its LAN server, as its sessions do', async () => {
  const refused = checkUrl('http://nas.test:8080/mcp', LOCAL);
  assert.equal(refused.status, 'fail', 'without --allow-http, plain http goes to this machine only');
  const url = checkUrl('http://nas.test:8080/mcp', { ...LOCAL, allowPlainHttp: true });
  assert.equal(url.status, 'ok', url.detail);
  assert.match(url.detail, /plain http .*allowed for this connector/);
  const dns = await resolveHost(url.value!, { ...LOCAL, allowPlainHttp: true }, ctx, lookup);
  assert.equal(dns.status, 'ok', dns.detail);
  assert.deepEqual(dns.value?.addresses.map((a) => [a.address, a.refusal]), [['192.168.1.20', undefined]]);

  const metadata = await resolveHost(checkUrl('http://metadata.test/', { ...LOCAL, allowPlainHttp: true }).value!, { ...LOCAL, allowPlainHttp: true }, ctx, lookup);
  assert.equal(metadata.status, 'fail', 'never the cloud metadata endpoint');
});
