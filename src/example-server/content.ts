/**
 * The fixed text the example server serves: its instructions, its read-me and its notes.
 * Tests compare against these values, so they are exported rather than inlined.
 */

export const SERVER_NAME = 'patchbay-example';
export const SERVER_VERSION = '1.0.0';

export const INSTRUCTIONS = [
  'Patchbay example server: a small MCP server for trying every feature of the protocol.',
  'Tools return one content type each (echo, add, get_image, get_audio, get_embedded_resource, get_resource_link);',
  'fail returns a tool error, slow reports progress and can be cancelled, ask_name asks you for input,',
  'toggle_extra adds or removes the tool "extra" so clients see tools/list_changed.',
  'Resources: example://readme, example://logo.png and example://items/1 to example://items/25 (listed in pages);',
  'the template example://notes/{id} completes its id. Prompts: greeting (name, style), summarize.',
].join(' ');

export const README_URI = 'example://readme';
export const LOGO_URI = 'example://logo.png';
export const ITEM_COUNT = 25;
export const NOTES_TEMPLATE = 'example://notes/{id}';

export function itemUri(n: number): string {
  return `example://items/${n}`;
}

export const README_TEXT = `# Patchbay example server

This server exists so you can try Patchbay end to end without an account anywhere.

- Call \`add\` with two numbers and look at the structured result.
- Call \`slow\` with \`steps\` and watch the progress, or cancel it half way.
- Call \`ask_name\` and answer (or decline) the question it asks.
- Read \`example://notes/{id}\` and let completion suggest the id.
`;

export const NOTES: Readonly<Record<string, string>> = {
  groceries: 'Milk, eggs, bread, coffee.',
  ideas: 'A hub for remote MCP connectors that runs on a laptop.',
  'meeting-monday': 'Agree on the connector permission model.',
  'meeting-friday': 'Demo the gateway to the team.',
  todo: 'Write the example server tests.',
};

export const GREETING_STYLES = ['formal', 'casual', 'pirate'] as const;
