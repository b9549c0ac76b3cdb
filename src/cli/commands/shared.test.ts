import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Connector } from '../../store/index.ts';
import { describeServer } from './shared.ts';

test('what a server says of itself is shown cut to a line’s worth, however much it sent', () => {
  const connector = { server: { serverInfo: { name: 'n'.repeat(100_000), version: '1.2.3', title: 't'.repeat(100_000) } } } as unknown as Connector;
  const shown = describeServer(connector)!;
  assert.ok(shown.length < 250, `${shown.length} characters`);
  assert.match(shown, /^n+… 1\.2\.3 \(t+…\)$/);
  const plain = { server: { serverInfo: { name: 'Tiny Server', version: '1.2.3' } } } as unknown as Connector;
  assert.equal(describeServer(plain), 'Tiny Server 1.2.3');
});
