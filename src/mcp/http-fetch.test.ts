import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventSize } from './http-fetch.ts';

const bytes = (text: string) => new TextEncoder().encode(text);

test('an event stream is capped per event: a blank line (LF, CRLF or CR) starts the count again, across chunks', () => {
  for (const end of ['\n', '\r\n', '\r']) {
    const meter = eventSize(10);
    assert.equal(meter.add(bytes(`data: 1234${end}${end}`)), false);
    // Split between the two line ends of a blank line, and again inside a CRLF.
    assert.equal(meter.add(bytes(`data: 1234${end}`)), false);
    assert.equal(meter.add(bytes(end)), false);
    assert.equal(meter.add(bytes('data: 12345')), true, `eleven bytes in one event (${JSON.stringify(end)})`);
  }
  // A CRLF split across chunks is one line end, not a blank line.
  const split = eventSize(10);
  assert.equal(split.add(bytes('data: 12\r')), false);
  assert.equal(split.add(bytes('\ndata')), true, 'the event went on: 8 + 4 bytes');
  // Lines without a blank one between them are one event.
  const lines = eventSize(10);
  assert.equal(lines.add(bytes('data: 1\ndata: 2\n')), true);
});
