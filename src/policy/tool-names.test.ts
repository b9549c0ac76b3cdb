import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isPatchbayError } from '../core/errors.ts';
import { buildToolNames, TOOL_NAME_PATTERN, type ToolNameEntry, type ToolNameMap } from './tool-names.ts';

const GITHUB = { connectorId: '6f1c0c52-4a4e-4bd0-9d39-2f1f0f1e2a01', connectorName: 'github' };
const GITLAB = { connectorId: '0b7d9e8a-1f2c-4c3d-8e4f-5a6b7c8d9e02', connectorName: 'gitlab' };
const tool = (connector: { connectorId: string; connectorName: string }, toolName: string): ToolNameEntry => ({ ...connector, toolName });

/** Every name valid, distinct, and mapped back to exactly its tool. */
function assertRoundTrip(map: ToolNameMap, entries: ToolNameEntry[]) {
  const names = new Set<string>();
  for (const entry of entries) {
    const name = map.nameFor(entry.connectorId, entry.toolName);
    assert.match(name, TOOL_NAME_PATTERN, `name for ${JSON.stringify(entry.toolName)}`);
    assert.deepEqual(map.resolve(name), { connectorId: entry.connectorId, toolName: entry.toolName });
    names.add(name);
  }
  const distinct = new Set(entries.map((e) => `${e.connectorId}\u0000${e.toolName}`));
  assert.equal(names.size, distinct.size, 'one name per tool');
  assert.equal(map.entries().length, distinct.size);
}

const namesOf = (entries: ToolNameEntry[]) => {
  const map = buildToolNames(entries);
  return new Map(entries.map((e) => [`${e.connectorId}/${e.toolName}`, map.nameFor(e.connectorId, e.toolName)]));
};

test('tool names: clean names stay readable, prefixed with the connector', () => {
  const entries = [tool(GITHUB, 'search_issues'), tool(GITHUB, 'create-pr'), tool(GITHUB, 'getUser2')];
  const map = buildToolNames(entries);
  assert.equal(map.nameFor(GITHUB.connectorId, 'search_issues'), 'github__search_issues');
  assert.equal(map.nameFor(GITHUB.connectorId, 'create-pr'), 'github__create-pr');
  assert.equal(map.nameFor(GITHUB.connectorId, 'getUser2'), 'github__getUser2');
  assertRoundTrip(map, entries);
});

test('tool names: two connectors with the same tool name', () => {
  const entries = [tool(GITHUB, 'search'), tool(GITLAB, 'search')];
  const map = buildToolNames(entries);
  assert.equal(map.nameFor(GITHUB.connectorId, 'search'), 'github__search');
  assert.equal(map.nameFor(GITLAB.connectorId, 'search'), 'gitlab__search');
  assertRoundTrip(map, entries);
});

test('tool names: two connectors with the same name (own and organization) and the same tools', () => {
  const organization = { connectorId: 'a0000000-0000-4000-8000-000000000003', connectorName: 'github' };
  const entries = [tool(GITHUB, 'search'), tool(organization, 'search'), tool(GITHUB, 'only_mine')];
  const map = buildToolNames(entries);
  const mine = map.nameFor(GITHUB.connectorId, 'search');
  const theirs = map.nameFor(organization.connectorId, 'search');
  assert.notEqual(mine, theirs);
  assert.match(mine, /^github__search__[0-9a-v]{8}$/);
  assert.match(theirs, /^github__search__[0-9a-v]{8}$/);
  // A tool only one of them offers keeps its plain name.
  assert.equal(map.nameFor(GITHUB.connectorId, 'only_mine'), 'github__only_mine');
  assertRoundTrip(map, entries);
});

test('tool names: names that clean up to the same string stay apart', () => {
  const entries = [tool(GITHUB, 'a.b'), tool(GITHUB, 'a_b'), tool(GITHUB, 'a b'), tool(GITHUB, 'a__b'), tool(GITHUB, 'a/b')];
  const map = buildToolNames(entries);
  assert.equal(map.nameFor(GITHUB.connectorId, 'a_b'), 'github__a_b');
  for (const name of ['a.b', 'a b', 'a__b', 'a/b']) assert.match(map.nameFor(GITHUB.connectorId, name), /^github__a_b__[0-9a-v]{8}$/);
  assertRoundTrip(map, entries);
});

test('tool names: a tool name that contains "__" keeps the separator unambiguous', () => {
  const entries = [tool(GITHUB, 'repo__list'), tool(GITHUB, '__init__'), tool({ connectorId: 'c-github-repo', connectorName: 'github-repo' }, 'list')];
  const map = buildToolNames(entries);
  const name = map.nameFor(GITHUB.connectorId, 'repo__list');
  assert.match(name, /^github__repo_list__[0-9a-v]{8}$/);
  assert.match(map.nameFor(GITHUB.connectorId, '__init__'), /^github__init__[0-9a-v]{8}$/);
  assert.equal(map.nameFor('c-github-repo', 'list'), 'github-repo__list');
  assertRoundTrip(map, entries);
});

test('tool names: unicode, empty, hostile and very long names become valid names of at most 64 characters', () => {
  const long = 'x'.repeat(200);
  const entries = [
    tool(GITHUB, 'café menu ☕'),
    tool(GITHUB, '搜索'),
    tool(GITHUB, ''),
    tool(GITHUB, '\u001b[31mred\u200b'),
    tool(GITHUB, 'ＦＵＬＬ width'),
    tool(GITHUB, long),
    tool(GITHUB, `${long}y`),
    tool(GITHUB, 'ok'.repeat(31)),
    tool({ connectorId: 'c-long', connectorName: 'a-connector-name-that-is-as-long-as-a-connector-name-can-be-x64' }, 'search'),
    tool({ connectorId: 'c-odd', connectorName: 'Not Valid ∆ name__x' }, 'search'),
  ];
  const map = buildToolNames(entries);
  const name = (toolName: string, connectorId = GITHUB.connectorId) => map.nameFor(connectorId, toolName);
  assert.match(name('café menu ☕'), /^github__cafe_menu__[0-9a-v]{8}$/);
  assert.match(name('搜索'), /^github__tool__[0-9a-v]{8}$/);
  assert.match(name(''), /^github__tool__[0-9a-v]{8}$/);
  assert.match(name('\u001b[31mred\u200b'), /^github__31mred__[0-9a-v]{8}$/);
  assert.match(name('ＦＵＬＬ width'), /^github__FULL_width__[0-9a-v]{8}$/);
  assert.equal(name(long).length, 64);
  assert.notEqual(name(long), name(`${long}y`));
  // A clean name that does not fit with its prefix is shortened and hashed.
  assert.match(name('ok'.repeat(31)), /^github__(?:ok)+o?__[0-9a-v]{8}$/);
  assert.match(name('search', 'c-long'), /^a-connector-name-that-is__search__[0-9a-v]{8}$/);
  assert.match(name('search', 'c-odd'), /^Not-Valid-name-x__search__[0-9a-v]{8}$/);
  assertRoundTrip(map, entries);
});

test('tool names: the 64-character boundary', () => {
  const fits = 'a'.repeat(64 - 'github__'.length);
  const over = `${fits}b`;
  const map = buildToolNames([tool(GITHUB, fits), tool(GITHUB, over)]);
  assert.equal(map.nameFor(GITHUB.connectorId, fits), `github__${fits}`);
  const hashed = map.nameFor(GITHUB.connectorId, over);
  assert.equal(hashed.length, 64);
  assert.match(hashed, /^github__a+__[0-9a-v]{8}$/);
});

test('tool names: a name does not change when other tools come and go', () => {
  const base = [tool(GITHUB, 'search'), tool(GITHUB, 'a.b'), tool(GITHUB, 'café'), tool(GITLAB, 'search'), tool(GITLAB, 'x'.repeat(100))];
  const before = namesOf(base);
  const added = namesOf([...base, tool(GITHUB, 'a_b'), tool(GITHUB, 'a b'), tool(GITLAB, 'cafe'), tool(GITHUB, 'caf\u00e9 ')]);
  const removed = namesOf(base.slice(1));
  for (const [key, name] of before) {
    if (added.has(key)) assert.equal(added.get(key), name, `${key} after additions`);
    if (removed.has(key)) assert.equal(removed.get(key), name, `${key} after a removal`);
  }
  // The newcomer that takes a plain name does not take it from anyone.
  assert.equal(added.get(`${GITHUB.connectorId}/a_b`), 'github__a_b');
});

test('tool names: the same set gives the same names in any order, duplicates named once', () => {
  const entries = [
    tool(GITHUB, 'search'),
    tool(GITHUB, 'a.b'),
    tool(GITHUB, 'a_b'),
    tool(GITLAB, 'search'),
    tool({ connectorId: 'z-org', connectorName: 'github' }, 'search'),
    tool(GITHUB, '搜索'),
  ];
  const reference = buildToolNames(entries).entries();
  let seed = 7;
  for (let round = 0; round < 20; round++) {
    const shuffled = [...entries, ...entries.slice(0, round % entries.length)];
    for (let k = shuffled.length - 1; k > 0; k--) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const j = seed % (k + 1);
      [shuffled[k], shuffled[j]] = [shuffled[j], shuffled[k]];
    }
    assert.deepEqual(buildToolNames(shuffled).entries(), reference);
  }
});

test('tool names: unknown tools and names', () => {
  const map = buildToolNames([tool(GITHUB, 'search')]);
  assert.equal(map.resolve('github__nothing'), undefined);
  assert.equal(map.resolve('gitlab__search'), undefined);
  assert.throws(
    () => map.nameFor(GITHUB.connectorId, 'nothing\u202e'),
    (error) => isPatchbayError(error, 'TOOL_NOT_FOUND') && !error.message.includes('\u202e') && error.message.includes('⟦U+202E⟧'),
  );
  assert.throws(() => map.nameFor(GITLAB.connectorId, 'search'), (error) => isPatchbayError(error, 'TOOL_NOT_FOUND'));
});

test('tool names: entries() is sorted by name and a copy', () => {
  const map = buildToolNames([tool(GITLAB, 'b'), tool(GITHUB, 'z'), tool(GITHUB, 'a')]);
  const entries = map.entries();
  assert.deepEqual(
    entries.map((e) => e.name),
    ['github__a', 'github__z', 'gitlab__b'],
  );
  entries[0].toolName = 'changed';
  assert.deepEqual(map.resolve('github__a'), { connectorId: GITHUB.connectorId, toolName: 'a' });
});

test('tool names: hundreds of generated names round-trip, stay valid and stay put', () => {
  const alphabet = ['a', 'b', 'Z', '0', '9', '_', '__', '-', '.', ' ', '/', 'é', 'ß', '日', '😀', '\u200b', '\u001b', ':', 'x'.repeat(30)];
  const connectors = [
    GITHUB,
    GITLAB,
    { connectorId: 'org-github', connectorName: 'github' },
    { connectorId: 'long', connectorName: 'n'.repeat(64) },
    { connectorId: 'c', connectorName: 'c' },
  ];
  let seed = 1234;
  const random = (below: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % below;
  };
  const entries: ToolNameEntry[] = [];
  for (let k = 0; k < 600; k++) {
    let toolName = '';
    const length = random(8);
    for (let c = 0; c < length; c++) toolName += alphabet[random(alphabet.length)];
    entries.push(tool(connectors[random(connectors.length)], toolName));
  }
  const map = buildToolNames(entries);
  assertRoundTrip(map, entries);
  for (const { name } of map.entries()) {
    const separators = name.match(/_{2,}/g) ?? [];
    assert.ok(separators.length === 1 || separators.length === 2, `${name} has one or two separators`);
    assert.ok(separators.every((s) => s === '__'), `${name} has no longer run of _`);
  }

  // Removing a third of the tools renames none of the rest, except where a shared
  // connector name ("github" twice) made a plain name collide.
  const kept = entries.filter((_, k) => k % 3 !== 0);
  const smaller = buildToolNames(kept);
  for (const entry of kept) {
    const before = map.nameFor(entry.connectorId, entry.toolName);
    const after = smaller.nameFor(entry.connectorId, entry.toolName);
    if (before !== after) {
      assert.equal(entry.connectorName, 'github', `${JSON.stringify(entry.toolName)} renamed`);
      assert.match(before, /^github__[^_]+(?:_[^_]+)*__[0-9a-v]{8}$/);
    }
  }
});
