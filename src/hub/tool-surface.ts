import type { ModelTool } from './hub.ts';

/**
 * Context economy: what the model is told about tools. When the enabled tools' definitions
 * would cost more tokens than a budget, the model gets three small tools instead — search,
 * describe, call — so the tokens spent on tool definitions per turn stay flat however many
 * connectors and tools there are. Pure functions; the chat wires them in.
 */

export const SEARCH_TOOL = 'patchbay_search_tools';
export const DESCRIBE_TOOL = 'patchbay_describe_tool';
export const CALL_TOOL = 'patchbay_call_tool';
export const SURFACE_TOOLS: readonly string[] = [SEARCH_TOOL, DESCRIBE_TOOL, CALL_TOOL];

/** A tool definition as a model is given it: name, description, JSON Schema of its input. */
export interface ToolDefinition {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
}

/**
 * Tokens a text costs a model, estimated: about four characters a token for English and
 * JSON with the common tokenizers. An estimate on purpose — it decides when to switch, it
 * does not bill — and the same for every provider, so the switch does not depend on one.
 */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export function definitionOf(tool: ModelTool): ToolDefinition {
  return { name: tool.name, description: tool.definition.description ?? '', inputSchema: tool.definition.inputSchema as Record<string, unknown> };
}

export function definitionTokens(definition: ToolDefinition): number {
  return estimateTokens(JSON.stringify(definition));
}

export interface ConnectorFootprint {
  connector: string;
  tools: number;
  tokens: number;
}

/** Tokens of tool definitions per connector, largest first, and in all. */
export function toolFootprint(tools: ModelTool[]): { connectors: ConnectorFootprint[]; total: number } {
  const by = new Map<string, ConnectorFootprint>();
  for (const tool of tools) {
    const entry = by.get(tool.connector) ?? { connector: tool.connector, tools: 0, tokens: 0 };
    entry.tools += 1;
    entry.tokens += definitionTokens(definitionOf(tool));
    by.set(tool.connector, entry);
  }
  const connectors = [...by.values()].sort((a, b) => b.tokens - a.tokens || a.connector.localeCompare(b.connector));
  return { connectors, total: connectors.reduce((n, c) => n + c.tokens, 0) };
}

/** The three tools the model gets instead of every definition. */
export function surfaceDefinitions(toolCount: number, connectors: string[]): ToolDefinition[] {
  const which = connectors.length > 0 ? ` of the connectors ${connectors.slice(0, 20).join(', ')}${connectors.length > 20 ? ', …' : ''}` : '';
  return [
    {
      name: SEARCH_TOOL,
      description: `Searches the ${toolCount} tools available${which} by what they do. Returns the best matches with their names and a line about each. Search first, then describe or call a tool by its name.`,
      inputSchema: {
        type: 'object',
        properties: {
          query: { type: 'string', description: 'Words describing the action wanted, e.g. "create calendar event".' },
          limit: { type: 'integer', minimum: 1, maximum: 20, description: 'How many matches to return (default 8).' },
        },
        required: ['query'],
      },
    },
    {
      name: DESCRIBE_TOOL,
      description: 'Returns the full definition of a tool found by search: its description and the JSON Schema of its arguments.',
      inputSchema: { type: 'object', properties: { name: { type: 'string', description: 'The tool name search returned.' } }, required: ['name'] },
    },
    {
      name: CALL_TOOL,
      description: 'Calls a tool found by search with its arguments (an object matching the schema describe returned).',
      inputSchema: {
        type: 'object',
        properties: { name: { type: 'string', description: 'The tool name search returned.' }, arguments: { type: 'object', description: 'The tool’s arguments.' } },
        required: ['name'],
      },
    },
  ];
}

function words(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 1);
}

/**
 * Tools ranked by how well their name and description match the query: a word in the name
 * counts three times one in the description; a word that is a prefix of another counts half.
 */
export function searchTools(tools: ModelTool[], query: string, limit = 8): Array<{ name: string; connector: string; summary: string; score: number }> {
  const terms = [...new Set(words(query))];
  if (terms.length === 0) return [];
  const scored = tools.map((tool) => {
    const nameWords = words(`${tool.connector} ${tool.toolName} ${tool.definition.title ?? ''}`);
    const descriptionWords = words(tool.definition.description ?? '');
    let score = 0;
    for (const term of terms) {
      const inName = nameWords.includes(term) ? 3 : nameWords.some((w) => w.startsWith(term) || term.startsWith(w)) ? 1.5 : 0;
      const inDescription = descriptionWords.includes(term) ? 1 : descriptionWords.some((w) => w.startsWith(term)) ? 0.5 : 0;
      score += inName + inDescription;
    }
    const summary = (tool.definition.description ?? '').split('\n')[0].slice(0, 200);
    return { name: tool.name, connector: tool.connector, summary, score };
  });
  return scored
    .filter((s) => s.score > 0)
    .sort((a, b) => b.score - a.score || a.name.localeCompare(b.name))
    .slice(0, Math.max(1, Math.min(20, Math.floor(limit))));
}
