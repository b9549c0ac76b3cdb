/**
 * How to point another MCP client at Patchbay's gateway: the same snippets as the README's
 * "Client configuration" section, with this Patchbay's address and the new token filled in.
 * The browser test checks them against the README, so both change together.
 */

export interface ClientSnippet {
  client: string;
  /** Where the snippet goes. */
  where: string;
  text: string;
}

/** The gateway endpoint of the Patchbay at `origin` (e.g. `http://127.0.0.1:7410`). */
export function gatewayUrl(origin: string): string {
  return `${origin}/mcp`;
}

export function clientSnippets(url: string, token: string): ClientSnippet[] {
  const bearer = `Bearer ${token}`;
  return [
    {
      client: 'Claude Desktop',
      where: 'claude_desktop_config.json (Settings → Developer → Edit Config)',
      text: `{\n  "mcpServers": {\n    "patchbay": { "command": "patchbay", "args": ["gateway", "--stdio"] }\n  }\n}`,
    },
    {
      client: 'Claude Code',
      where: 'a terminal',
      text: `claude mcp add patchbay -- patchbay gateway --stdio\nclaude mcp add --transport http patchbay ${url} --header "Authorization: ${bearer}"`,
    },
    {
      client: 'Cursor',
      where: '~/.cursor/mcp.json',
      text: `{\n  "mcpServers": {\n    "patchbay": { "url": "${url}", "headers": { "Authorization": "${bearer}" } }\n  }\n}`,
    },
    {
      client: 'VS Code',
      where: '.vscode/mcp.json',
      text: `{\n  "servers": {\n    "patchbay": { "type": "stdio", "command": "patchbay", "args": ["gateway", "--stdio"] },\n    "patchbay-http": { "type": "http", "url": "${url}", "headers": { "Authorization": "${bearer}" } }\n  }\n}`,
    },
  ];
}
