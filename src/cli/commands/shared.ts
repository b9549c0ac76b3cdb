/**
 * Pieces several commands share: the connector options, catalog counts and how a
 * connector's server is described.
 */
import type { Catalog } from '../../hub/index.ts';
import type { Connector, TransportPreference } from '../../store/index.ts';
import type { OptionSpec } from '../command.ts';
import { truncateToWidth } from '../table.ts';

export const TRANSPORTS: readonly TransportPreference[] = ['auto', 'streamable-http', 'sse'];

export const TRANSPORT_OPTION: OptionSpec = {
  type: 'string',
  value: 'T',
  description: 'auto (Streamable HTTP, falling back to the legacy HTTP+SSE), streamable-http or sse.',
};

export interface CatalogCounts {
  tools: number;
  resources: number;
  resourceTemplates: number;
  prompts: number;
}

export function countCatalog(catalog: Pick<Catalog, 'tools' | 'resources' | 'resourceTemplates' | 'prompts'>): CatalogCounts {
  return { tools: catalog.tools.length, resources: catalog.resources.length, resourceTemplates: catalog.resourceTemplates.length, prompts: catalog.prompts.length };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** "7 tools, 2 resources, 1 resource template, 1 prompt". */
export function describeCounts(counts: CatalogCounts): string {
  return [plural(counts.tools, 'tool'), plural(counts.resources, 'resource'), plural(counts.resourceTemplates, 'resource template'), plural(counts.prompts, 'prompt')].join(', ');
}

/** "Tiny Server 1.2.3", or undefined before the first connection; each part as the server says it, cut to a line's worth. */
export function describeServer(connector: Connector): string | undefined {
  const info = connector.server?.serverInfo;
  if (!info) return undefined;
  const name = truncateToWidth(String(info.name), 80);
  const title = typeof info.title === 'string' && info.title !== info.name ? ` (${truncateToWidth(info.title, 80)})` : '';
  return `${name}${info.version ? ` ${truncateToWidth(String(info.version), 40)}` : ''}${title}`;
}

/** The transport in use, or the preference when none was used yet. */
export function describeTransport(connector: Connector): string {
  return connector.server?.transport ?? connector.transport;
}
