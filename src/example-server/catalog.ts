/**
 * What the example server offers beyond its fixed set, shared by every MCP session:
 * tools added at runtime, changed tool descriptions and added resources. A change is
 * announced to listeners so each live session can re-register and tell its client.
 */

import { PatchbayError } from '../core/errors.ts';

/** A text resource added at runtime. */
export interface ExtraResource {
  uri: string;
  name: string;
  text: string;
  mimeType?: string;
  description?: string;
}

export type CatalogChange =
  | { kind: 'tool-added'; name: string; description: string }
  | { kind: 'tool-removed'; name: string }
  | { kind: 'tool-described'; name: string; description: string }
  | { kind: 'resource-added'; resource: ExtraResource };

export interface ExampleCatalog {
  /** Resources per `resources/list` page. */
  readonly pageSize: number;
  /** Tools added at runtime, in the order they were added, with their descriptions. */
  runtimeTools(): ReadonlyMap<string, string>;
  /** Description overrides for the fixed tools. */
  descriptionOverrides(): ReadonlyMap<string, string>;
  extraResources(): readonly ExtraResource[];
  addTool(name: string, description?: string): void;
  removeTool(name: string): boolean;
  setToolDescription(name: string, description: string): void;
  addResource(resource: ExtraResource): void;
  /** Calls `listener` after every change; returns a function that stops it. */
  subscribe(listener: (change: CatalogChange) => void): () => void;
}

const TOOL_NAME = /^[A-Za-z0-9_.-]{1,128}$/;

/**
 * @param fixedToolNames names of the tools every session registers itself
 * @param fixedResourceUris URIs every session registers itself
 */
export function createExampleCatalog(pageSize: number, fixedToolNames: readonly string[], fixedResourceUris: readonly string[]): ExampleCatalog {
  const runtimeTools = new Map<string, string>();
  const overrides = new Map<string, string>();
  const extraResources: ExtraResource[] = [];
  const listeners = new Set<(change: CatalogChange) => void>();
  const announce = (change: CatalogChange) => {
    for (const listener of listeners) listener(change);
  };
  const isFixedTool = (name: string) => fixedToolNames.includes(name);

  return {
    pageSize,
    runtimeTools: () => runtimeTools,
    descriptionOverrides: () => overrides,
    extraResources: () => extraResources,
    addTool(name, description = `Added while the server was running; answers with its own name.`) {
      if (!TOOL_NAME.test(name)) throw new PatchbayError('INVALID_NAME', `"${name}" is not a valid tool name. Use 1–128 letters, digits, "_", "-" or ".".`);
      if (isFixedTool(name) || runtimeTools.has(name)) throw new PatchbayError('NAME_TAKEN', `The example server already has a tool named "${name}". Choose another name.`);
      runtimeTools.set(name, description);
      announce({ kind: 'tool-added', name, description });
    },
    removeTool(name) {
      if (!runtimeTools.delete(name)) return false;
      overrides.delete(name);
      announce({ kind: 'tool-removed', name });
      return true;
    },
    setToolDescription(name, description) {
      if (runtimeTools.has(name)) runtimeTools.set(name, description);
      else if (isFixedTool(name)) overrides.set(name, description);
      else throw new PatchbayError('TOOL_NOT_FOUND', `The example server has no tool named "${name}". List its tools to see the names.`);
      announce({ kind: 'tool-described', name, description });
    },
    addResource(resource) {
      if (!URL.canParse(resource.uri)) throw new PatchbayError('INVALID_URL', `"${resource.uri}" is not a URI. Use an absolute URI such as example://extra/1.`);
      if (fixedResourceUris.includes(resource.uri) || extraResources.some((r) => r.uri === resource.uri)) {
        throw new PatchbayError('NAME_TAKEN', `The example server already has a resource at ${resource.uri}. Choose another URI.`);
      }
      extraResources.push({ ...resource });
      announce({ kind: 'resource-added', resource });
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
