/**
 * The names models and other MCP clients see for a person's tools: `<connector>__<tool>`,
 * valid everywhere tool names are checked (`^[a-zA-Z0-9_-]{1,64}$`), unique across the
 * person's connectors, and mapped back exactly.
 *
 * Two shapes, which can never be equal:
 * - plain, `github__search_issues`: when the tool's name is already a clean name (only
 *   `[a-zA-Z0-9_-]`, no `__`, no `_` at either end) and the whole fits in 64 characters;
 * - hashed, `github__caf_menu__k3v9a0bq`: anything else. The readable middle is the tool's
 *   name with accents dropped, other characters turned into `_` and runs of `_` collapsed;
 *   the suffix is a hash of the connector's id and the tool's exact name.
 * A plain name has one `__`, a hashed name two. Neither shape depends on the other tools,
 * so a client that remembered a name keeps it while tools come and go. The one exception
 * is two connectors sharing a name (a person's own "github" and their organization's):
 * then a tool name both offer takes the hashed shape in both.
 */

import { PatchbayError } from '../core/errors.ts';
import { inspectText } from './hidden-text.ts';

export const TOOL_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

export interface ToolNameEntry {
  connectorId: string;
  /** The connector's name as people type it (`[a-z0-9-]`); other characters are tolerated. */
  connectorName: string;
  /** The tool's name as its server gives it: untrusted, any string. */
  toolName: string;
}

export interface NamedTool extends ToolNameEntry {
  name: string;
}

export interface ToolNameMap {
  /** The name for a tool in the set; throws `TOOL_NOT_FOUND` for one that is not. */
  nameFor(connectorId: string, toolName: string): string;
  resolve(name: string): { connectorId: string; toolName: string } | undefined;
  /** Every named tool, sorted by name. */
  entries(): NamedTool[];
}

const MAX_LENGTH = 64;
const HASH_LENGTH = 8;
const CONNECTOR_PART_MAX = 24;
// Only the start of a very long name is read for the readable part; the hash reads it all.
const READABLE_SOURCE_MAX = 256;
const PLAIN_CONNECTOR = /^[a-zA-Z0-9-]+$/;
const PLAIN_TOOL = /^[a-zA-Z0-9-]+(?:_[a-zA-Z0-9-]+)*$/;

/**
 * Names every tool in `entries`. The same set gives the same names whatever its order;
 * an entry listed twice is named once.
 */
export function buildToolNames(entries: Iterable<ToolNameEntry>): ToolNameMap {
  const tools = sortEntries(entries);
  const plain = tools.map(plainName);
  const plainUses = new Map<string, number>();
  for (const name of plain) if (name !== undefined) plainUses.set(name, (plainUses.get(name) ?? 0) + 1);

  const byName = new Map<string, NamedTool>();
  const byConnector = new Map<string, Map<string, NamedTool>>();
  tools.forEach((tool, k) => {
    const candidate = plain[k];
    let name = candidate !== undefined && plainUses.get(candidate) === 1 ? candidate : hashedName(tool, 0);
    // Only a hash collision gets here; the sorted order makes the outcome deterministic.
    for (let salt = 1; byName.has(name); salt++) name = hashedName(tool, salt);
    const named: NamedTool = { ...tool, name };
    byName.set(name, named);
    const connectorTools = byConnector.get(tool.connectorId) ?? new Map<string, NamedTool>();
    connectorTools.set(tool.toolName, named);
    byConnector.set(tool.connectorId, connectorTools);
  });

  return {
    nameFor(connectorId, toolName) {
      const named = byConnector.get(connectorId)?.get(toolName);
      if (named) return named.name;
      throw new PatchbayError(
        'TOOL_NOT_FOUND',
        `Connector ${connectorId} has no tool named ${JSON.stringify(inspectText(toolName.slice(0, 80)).visible)}: list its tools again, the server may have changed them.`,
        { details: { connectorId } },
      );
    },
    resolve(name) {
      const named = byName.get(name);
      return named ? { connectorId: named.connectorId, toolName: named.toolName } : undefined;
    },
    entries() {
      return [...byName.values()].sort((a, b) => compare(a.name, b.name)).map((named) => ({ ...named }));
    },
  };
}

function sortEntries(entries: Iterable<ToolNameEntry>): ToolNameEntry[] {
  const sorted = [...entries]
    .map(({ connectorId, connectorName, toolName }) => ({ connectorId, connectorName, toolName }))
    .sort((a, b) => compare(a.connectorId, b.connectorId) || compare(a.toolName, b.toolName) || compare(a.connectorName, b.connectorName));
  return sorted.filter((entry, k) => k === 0 || entry.connectorId !== sorted[k - 1].connectorId || entry.toolName !== sorted[k - 1].toolName);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function plainName(entry: ToolNameEntry): string | undefined {
  const { connectorName, toolName } = entry;
  if (connectorName.length + 2 + toolName.length > MAX_LENGTH) return undefined;
  if (!PLAIN_CONNECTOR.test(connectorName) || !PLAIN_TOOL.test(toolName)) return undefined;
  return `${connectorName}__${toolName}`;
}

function hashedName(entry: ToolNameEntry, salt: number): string {
  const connector = readableConnector(entry.connectorName);
  const room = MAX_LENGTH - connector.length - 4 - HASH_LENGTH;
  const tool = readableTool(entry.toolName).slice(0, room).replace(/_+$/, '') || 'tool';
  return `${connector}__${tool}__${hashTool(entry.connectorId, entry.toolName, salt)}`;
}

function readableConnector(name: string): string {
  const readable = stripAccents(name.slice(0, READABLE_SOURCE_MAX))
    .replace(/[^a-zA-Z0-9-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, CONNECTOR_PART_MAX)
    .replace(/-+$/, '');
  return readable || 'connector';
}

function readableTool(name: string): string {
  return stripAccents(name.slice(0, READABLE_SOURCE_MAX))
    .replace(/[^a-zA-Z0-9_-]+/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** `café` → `cafe`, `ﬁle` → `file`: compatibility decomposition without the marks. */
function stripAccents(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}+/gu, '');
}

/**
 * 40 bits of a 64-bit multiply–xorshift hash (cyrb53's mixing) over the connector's id and
 * the tool's exact name, as 8 base-32 digits. Not cryptographic: names only need to stay
 * put, and collisions are resolved above. Changing this function renames hashed tools.
 */
function hashTool(connectorId: string, toolName: string, salt: number): string {
  const input = `${salt > 0 ? `${salt}|` : ''}${connectorId.length}:${connectorId}:${toolName}`;
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let k = 0; k < input.length; k++) {
    const unit = input.charCodeAt(k);
    h1 = Math.imul(h1 ^ unit, 2654435761);
    h2 = Math.imul(h2 ^ unit, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  const value = (h2 >>> 0) % 256 * 2 ** 32 + (h1 >>> 0);
  return value.toString(32).padStart(HASH_LENGTH, '0');
}
