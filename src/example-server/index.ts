/**
 * The example MCP server: a real remote server a newcomer starts with
 * `patchbay example-server` to try the whole flow, and that tests use as a remote server.
 *
 * It owns everything the server offers and how it is served over Streamable HTTP (both
 * the 2025-era session protocol and the stateless 2026-07-28 revision at one URL).
 * It may import `src/core` and the MCP server SDK (`@modelcontextprotocol/server`,
 * `@modelcontextprotocol/node`); nothing else of ours imports it except the CLI and tests.
 *
 * What it offers (names are stable; tests and documentation rely on them):
 * - tools: `echo` (text), `add` (a, b → text + structuredContent `{ sum }` with an
 *   outputSchema), `get_image` (PNG), `get_audio` (WAV), `get_embedded_resource`
 *   (embedded `example://readme`), `get_resource_link` (link to `example://logo.png`),
 *   `fail` (isError), `slow` (steps, delayMs: progress + cancellation), `ask_name`
 *   (form elicitation), `toggle_extra` (adds/removes the tool `extra`);
 * - resources: `example://readme` (text/markdown), `example://logo.png` (image/png blob),
 *   `example://items/1` … `example://items/25` (text/plain), listed `pageSize` at a time
 *   with opaque cursors; template `example://notes/{id}` with completion of `id`;
 * - prompts: `greeting` (name required, style optional and completable:
 *   formal | casual | pirate), `summarize` (no arguments; embeds `example://readme`);
 * - server info `patchbay-example` 1.0.0 with instructions; listChanged for tools,
 *   resources and prompts.
 */

export { DEFAULT_EXAMPLE_HOST, DEFAULT_EXAMPLE_PORT, type ExampleServerCliOptions, parseExampleServerArgs, runExampleServerCli } from './cli.ts';
export { GREETING_STYLES, INSTRUCTIONS, ITEM_COUNT, LOGO_URI, NOTES, NOTES_TEMPLATE, README_TEXT, README_URI, SERVER_NAME, SERVER_VERSION } from './content.ts';
export type { ExtraResource } from './catalog.ts';
export { type ExampleServer, type ExampleServerAuthenticator, type ExampleServerOptions, MCP_PATH, startExampleServer } from './example-server.ts';
export { LOGO_PNG, TINY_PNG, TINY_WAV } from './media.ts';
export { PROMPT_NAMES } from './prompts.ts';
export { EXTRA_TOOL_NAME, FIXED_TOOL_NAMES } from './tools.ts';
