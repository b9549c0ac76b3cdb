/**
 * The `patchbay` command line: a scriptable inspector for remote MCP connectors that
 * runs the hub in-process (same store as the server) and prints for people or, with
 * --json, for programs. Everything a remote server sends is sanitized before it
 * reaches the terminal.
 *
 * May import: src/app (composition root), src/core, src/hub, src/server (to run
 * `serve`), types from src/store and src/mcp, and, lazily, src/example-server.
 * Nothing imports it except src/main.ts.
 */
export { type RunCliOptions, runCli } from './run-cli.ts';
export type { CliIo } from './io.ts';
export { sanitizeLine, sanitizeText, stringifyJson } from './sanitize.ts';
