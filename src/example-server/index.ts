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
 *
 * Authentication (`startExampleServer({ auth })`, `patchbay example-server --auth`): an
 * OAuth 2.1 authorization server in the same process and origin (`auth/`), strict as the
 * MCP authorization spec asks and observable for tests. Issuer = the server's origin.
 * - discovery: `/.well-known/oauth-protected-resource/mcp` (and the root one, RFC 9728),
 *   `/.well-known/oauth-authorization-server` (RFC 8414, with CIMD and RFC 9207 support);
 * - `GET /authorize` (PKCE S256 required, exact redirect URI, `resource` = the MCP URL;
 *   approves at once with a redirect carrying `code`, `state` and `iss`, or shows a
 *   consent page with `interactive`), `POST /token` (authorization_code,
 *   refresh_token rotated with reuse detection, client_credentials), `POST /register`
 *   (RFC 7591), `POST /revoke` (RFC 7009); URL client ids are client ID metadata documents;
 * - the MCP endpoint answers 401 (`resource_metadata`, `scope`) without a valid token and
 *   403 `insufficient_scope` when a tool needs more (`admin_action`, added with auth,
 *   needs `mcp:admin`; everything else `mcp:read`, which `mcp:admin` implies);
 * - `server.auth` holds the controls (request log, revoke, expire, reject a client,
 *   per-tool scopes, pre-registration); options can make it misbehave for hostile tests.
 */

export { DEFAULT_EXAMPLE_HOST, DEFAULT_EXAMPLE_PORT, type ExampleServerCliOptions, parseExampleServerArgs, runExampleServerCli } from './cli.ts';
export { GREETING_STYLES, INSTRUCTIONS, ITEM_COUNT, LOGO_URI, NOTES, NOTES_TEMPLATE, README_TEXT, README_URI, SERVER_NAME, SERVER_VERSION } from './content.ts';
export type { ExtraResource } from './catalog.ts';
export type { AuthRequestKind, AuthRequestRecord, ExampleAuthControls, ExampleAuthOptions, PreRegisteredClient, TokenEndpointAuthMethod } from './auth/options.ts';
export { ADMIN_SCOPE, ADMIN_TOOL_NAME, OFFLINE_ACCESS_SCOPE, READ_SCOPE } from './auth/scopes.ts';
export {
  type AuthenticatedExampleServer,
  type ExampleServer,
  type ExampleServerAuthenticator,
  type ExampleServerOptions,
  MCP_PATH,
  startExampleServer,
} from './example-server.ts';
export { LOGO_PNG, TINY_PNG, TINY_WAV } from './media.ts';
export { PROMPT_NAMES } from './prompts.ts';
export { EXTRA_TOOL_NAME, FIXED_TOOL_NAMES } from './tools.ts';
