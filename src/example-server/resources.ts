/**
 * The example server's resources: a text read-me, a PNG blob, enough generated items
 * that `resources/list` has several pages, a completable template and any resources
 * added at runtime.
 */

import { Buffer } from 'node:buffer';
import { type McpServer, ProtocolError, ProtocolErrorCode, type Resource, ResourceNotFoundError, ResourceTemplate } from '@modelcontextprotocol/server';
import type { ExampleCatalog, ExtraResource } from './catalog.ts';
import { ITEM_COUNT, itemUri, LOGO_URI, NOTES, NOTES_TEMPLATE, README_TEXT, README_URI } from './content.ts';
import { LOGO_PNG } from './media.ts';

const README: Resource = { uri: README_URI, name: 'readme', title: 'Read me', description: 'What this server is for.', mimeType: 'text/markdown' };
const LOGO: Resource = { uri: LOGO_URI, name: 'logo', title: 'Logo', description: 'A 16×16 PNG.', mimeType: 'image/png', size: LOGO_PNG.length };

function describeItem(n: number): Resource {
  return { uri: itemUri(n), name: `item-${n}`, title: `Item ${n}`, mimeType: 'text/plain' };
}

function itemText(n: number): string {
  return `This is item ${n} of ${ITEM_COUNT}.`;
}

/** URIs of the resources every session registers itself. */
export const FIXED_RESOURCE_URIS: readonly string[] = [README_URI, LOGO_URI, ...Array.from({ length: ITEM_COUNT }, (_, i) => itemUri(i + 1))];

/** Every listed resource, in the order `resources/list` pages through them. */
export function listExampleResources(catalog: ExampleCatalog): Resource[] {
  const items = Array.from({ length: ITEM_COUNT }, (_, i) => describeItem(i + 1));
  const extras = catalog.extraResources().map(({ uri, name, mimeType, description }) => ({ uri, name, mimeType: mimeType ?? 'text/plain', ...(description && { description }) }));
  return [README, LOGO, ...items, ...extras];
}

/** Registers every resource, the notes template, and a paginated `resources/list`. */
export function registerExampleResources(mcp: McpServer, catalog: ExampleCatalog): void {
  const { uri: readmeUri, name: readmeName, ...readmeMeta } = README;
  mcp.registerResource(readmeName, readmeUri, readmeMeta, (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/markdown', text: README_TEXT }] }));

  const { uri: logoUri, name: logoName, ...logoMeta } = LOGO;
  mcp.registerResource(logoName, logoUri, logoMeta, (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: LOGO_PNG.toString('base64') }] }));

  for (let n = 1; n <= ITEM_COUNT; n++) {
    const { uri: itemAt, name, ...meta } = describeItem(n);
    mcp.registerResource(name, itemAt, meta, (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: itemText(n) }] }));
  }

  for (const resource of catalog.extraResources()) registerExtraResource(mcp, resource);

  const notes = new ResourceTemplate(NOTES_TEMPLATE, {
    list: undefined,
    complete: { id: (value) => Object.keys(NOTES).filter((id) => id.startsWith(value)) },
  });
  mcp.registerResource('note', notes, { title: 'Note', description: 'A short note; completion suggests the id.', mimeType: 'text/plain' }, (uri, variables) => {
    const id = String(variables.id);
    const note = NOTES[id];
    if (note === undefined) throw new ResourceNotFoundError(uri.href, `There is no note "${id}". Complete the id to see the notes.`);
    return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: note }] };
  });

  // McpServer answers resources/list in one page; this server pages so clients' cursor handling can be tested.
  mcp.server.setRequestHandler('resources/list', (request) => {
    const all = listExampleResources(catalog);
    const offset = decodeCursor(request.params?.cursor, all.length);
    const end = offset + catalog.pageSize;
    return { resources: all.slice(offset, end), ...(end < all.length && { nextCursor: encodeCursor(end) }) };
  });
}

/** Registers a resource added at runtime (the caller tells clients the list changed). */
export function registerExtraResource(mcp: McpServer, resource: ExtraResource): void {
  const mimeType = resource.mimeType ?? 'text/plain';
  mcp.registerResource(resource.name, resource.uri, { mimeType, ...(resource.description && { description: resource.description }) }, (uri) => ({
    contents: [{ uri: uri.href, mimeType, text: resource.text }],
  }));
}

const CURSOR_PREFIX = 'offset:';

/** Cursors are opaque to clients (spec: they MUST NOT parse them); base64url keeps them so. */
function encodeCursor(offset: number): string {
  return Buffer.from(`${CURSOR_PREFIX}${offset}`).toString('base64url');
}

function decodeCursor(cursor: string | undefined, total: number): number {
  if (cursor === undefined) return 0;
  const decoded = Buffer.from(cursor, 'base64url').toString();
  const offset = decoded.startsWith(CURSOR_PREFIX) ? Number(decoded.slice(CURSOR_PREFIX.length)) : Number.NaN;
  // spec: an invalid cursor SHOULD be answered with -32602 (Invalid params)
  if (!Number.isInteger(offset) || offset <= 0 || offset > total) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid cursor: list resources again from the first page.');
  return offset;
}
