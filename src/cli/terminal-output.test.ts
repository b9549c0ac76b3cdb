import assert from 'node:assert/strict';
import { test } from 'node:test';
import { base64Size, formatBytes, formatToolResult } from './format-content.ts';
import { parseKeyValues } from './option-values.ts';
import { firstLine, sanitizeLine, sanitizeText, stringifyJson } from './sanitize.ts';
import { displayWidth, fitColumns, renderTable, truncateToWidth } from './table.ts';

test('sanitizeText removes escape sequences and control characters but keeps newlines and tabs', () => {
  const cases: Array<[string, string]> = [
    ['\u001b[2J\u001b[31mred\u001b[0m', 'red'],
    ['title\u001b]0;pwned\u0007 after', 'title after'],
    ['osc with st \u001b]8;;https://evil.example\u001b\\link\u001b]8;;\u001b\\', 'osc with st link'],
    ['8-bit csi \u009b2Jgone', '8-bit csi gone'],
    ['bell\u0007 backspace\u0008 del\u007f', 'bell backspace del'],
    ['carriage\rreturn', 'carriage\nreturn'],
    ['crlf\r\nline', 'crlf\nline'],
    ['keep\ttab\nand newline', 'keep\ttab\nand newline'],
    ['bidi \u202etxt.exe\u202c', 'bidi txt.exe'],
    ['lone escape \u001b', 'lone escape '],
    ['dcs \u001bPq#0;2;0;0;0\u001b\\ end', 'dcs  end'],
    ['ünïcödé 中文 ✓', 'ünïcödé 中文 ✓'],
  ];
  for (const [input, expected] of cases) assert.equal(sanitizeText(input), expected, JSON.stringify(input));
});

test('sanitizeLine and firstLine keep a cell on one line', () => {
  assert.equal(sanitizeLine('a\nb\tc'), 'a b c');
  assert.equal(firstLine('  First line.\nSecond line.'), 'First line.');
  assert.equal(firstLine(undefined), '');
});

test('stringifyJson escapes what JSON.stringify leaves raw, and stays the same JSON', () => {
  const value = { text: 'a\u009b2J\u2028\u202e\u001b[0m', n: 1 };
  const json = stringifyJson(value);
  assert.doesNotMatch(json, /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u202e]/);
  assert.deepEqual(JSON.parse(json), value);
});

test('tables align by display width and shrink to the terminal with an ellipsis', () => {
  assert.equal(displayWidth('中文'), 4);
  assert.equal(displayWidth('e\u0301'), 1);
  assert.equal(truncateToWidth('abcdefgh', 5), 'abcd…');
  assert.equal(truncateToWidth('abc', 5), 'abc');
  assert.deepEqual(renderTable(['NAME', 'URL'], [['中文', 'https://x'], ['b', '']]), ['NAME  URL', '中文  https://x', 'b']);
  const lines = renderTable(['NAME', 'DESCRIPTION'], [['echo', 'x'.repeat(200)]], { maxWidth: 40 });
  assert.ok(lines.every((line) => displayWidth(line) <= 40));
  assert.equal(lines[1], `echo  ${'x'.repeat(33)}…`);
  // the last column gives way first, then the widest
  assert.deepEqual(fitColumns([10, 30], 30), [10, 18]);
  assert.deepEqual(fitColumns([30, 30], 30), [12, 16]);
  assert.deepEqual(renderTable(['A'], [['\u001b[2Jx\ny']]), ['A', 'x y']);
});

test('tool results: blocks for people, structured content as JSON once', () => {
  assert.equal(base64Size(Buffer.alloc(1229).toString('base64')), 1229);
  assert.equal(base64Size(Buffer.alloc(8).toString('base64')), 8);
  assert.equal(formatBytes(1229), '1.2 KB');
  assert.deepEqual(
    formatToolResult({
      content: [
        { type: 'text', text: '{"sum":5}' },
        { type: 'audio', data: Buffer.alloc(3).toString('base64'), mimeType: 'audio/wav' },
        { type: 'resource', resource: { uri: 'x://doc', mimeType: 'text/plain', text: 'body' } },
        { type: 'resource', resource: { uri: 'x://bin', blob: Buffer.alloc(2048).toString('base64') } },
      ],
      structuredContent: { sum: 5 },
    }),
    ['[audio audio/wav, 3 bytes]', '[resource x://doc (text/plain)]', 'body', '[resource x://bin, 2.0 KB]', '{\n  "sum": 5\n}'],
  );
});

test('--arg values are JSON when they parse, strings otherwise', () => {
  assert.deepEqual(parseKeyValues(['n=3', 'b=true', 'o={"x":1}', 's=hello', 'z=007', 'q="7"', 'e=', 'eq=a=b'], { parseJson: true }), {
    n: 3,
    b: true,
    o: { x: 1 },
    s: 'hello',
    z: '007',
    q: '7',
    e: '',
    eq: 'a=b',
  });
  assert.deepEqual(parseKeyValues(['n=3'], { parseJson: false }), { n: '3' });
  const proto = parseKeyValues(['__proto__=1'], { parseJson: true });
  assert.equal(Object.getPrototypeOf(proto), Object.prototype);
  assert.equal(Object.getOwnPropertyDescriptor(proto, '__proto__')?.value, 1);
  assert.throws(() => parseKeyValues(['novalue'], { parseJson: true }), { code: 'INVALID_ARGUMENTS' });
});
