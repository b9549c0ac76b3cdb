/**
 * Builds one `McpServer` with everything the example server offers. Each 2025-era
 * session gets its own instance; each 2026-07-28 request gets a fresh one.
 */

import { McpServer, type RegisteredTool } from '@modelcontextprotocol/server';
import type { Logger } from '../core/log.ts';
import type { CatalogChange, ExampleCatalog } from './catalog.ts';
import { INSTRUCTIONS, SERVER_NAME, SERVER_VERSION } from './content.ts';
import { registerExamplePrompts } from './prompts.ts';
import { registerExampleResources, registerExtraResource } from './resources.ts';
import { registerExampleTools, registerRuntimeTool } from './tools.ts';

export interface ExampleMcpServer {
  mcp: McpServer;
  /** Applies a catalog change; `McpServer` then sends the matching list_changed notification. */
  apply(change: CatalogChange): void;
}

export function buildExampleMcpServer(catalog: ExampleCatalog, logger: Logger): ExampleMcpServer {
  const mcp = new McpServer(
    { name: SERVER_NAME, title: 'Patchbay example server', version: SERVER_VERSION },
    {
      instructions: INSTRUCTIONS,
      capabilities: { tools: { listChanged: true }, resources: { listChanged: true }, prompts: { listChanged: true }, completions: {} },
    },
  );
  const tools: Map<string, RegisteredTool> = registerExampleTools(mcp, catalog, logger);
  registerExampleResources(mcp, catalog);
  registerExamplePrompts(mcp);

  return {
    mcp,
    apply(change) {
      switch (change.kind) {
        case 'tool-added':
          tools.set(change.name, registerRuntimeTool(mcp, change.name, change.description));
          break;
        case 'tool-removed':
          tools.get(change.name)?.remove();
          tools.delete(change.name);
          break;
        case 'tool-described':
          tools.get(change.name)?.update({ description: change.description });
          break;
        case 'resource-added':
          registerExtraResource(mcp, change.resource);
          break;
      }
    },
  };
}
