import { loadAccessToken } from '../../app.ts';
import { startServer } from '../../server/index.ts';
import type { CommandSpec } from '../command.ts';
import { integerOption, stringOption } from '../option-values.ts';
import { usageError } from '../parse-command-line.ts';
import { stringifyJson } from '../sanitize.ts';

export const serveCommand: CommandSpec = {
  name: 'serve',
  group: 'run',
  summary: 'Run the Patchbay server (web app and HTTP API) until Ctrl-C.',
  description:
    'Run the Patchbay server (the web app and the HTTP API) until SIGINT (Ctrl-C) or SIGTERM. It prints its URL, a link that opens the web app signed in, and the access token that API requests must send as `Authorization: Bearer <token>`. ' +
    'Host and port default to PATCHBAY_HOST and PATCHBAY_PORT (127.0.0.1:7410); --port 0 picks a free port.',
  options: {
    host: { type: 'string', value: 'H', description: 'Interface to listen on (default PATCHBAY_HOST or 127.0.0.1).' },
    port: { type: 'string', value: 'N', description: 'Port to listen on (default PATCHBAY_PORT or 7410; 0 picks a free one).' },
  },
  runsUntilStopped: true,
  async run(ctx, { values }) {
    const port = integerOption(values, 'port', 'serve', { min: 0, max: 65535 });
    const host = stringOption(values, 'host');
    if (host === '') throw usageError('--host needs a value, e.g. --host 127.0.0.1', 'serve');
    const config = ctx.config();
    const patchbay = await ctx.open({ logLevel: config.logLevel });
    const token = await loadAccessToken(patchbay.config);
    const server = await startServer(patchbay, token, { ...(host !== undefined ? { host } : {}), ...(port !== undefined ? { port } : {}) });
    // The link carries the token once: opening it sets a browser session cookie and drops the token from the address bar.
    const browserUrl = `${patchbay.config.publicUrl?.replace(/\/$/, '') ?? server.url}/login?token=${encodeURIComponent(token)}`;
    if (ctx.json) {
      ctx.io.stdout.write(`${stringifyJson({ url: server.url, browserUrl, accessToken: token }, 0)}\n`);
    } else {
      ctx.out.line(`Patchbay is running at ${server.url}`);
      ctx.out.line(`Open it in your browser: ${browserUrl}`);
      ctx.out.line(`Access token: ${token}`);
      ctx.out.line(`Gateway for other MCP clients: ${server.url}/mcp (with a token from \`patchbay token create <name>\`)`);
      ctx.out.line(`Use it: curl -H "Authorization: Bearer ${token}" ${server.url}/api/connectors   (Ctrl-C stops the server)`);
    }
    if (!ctx.signal.aborted) await new Promise((resolve) => ctx.signal.addEventListener('abort', resolve, { once: true }));
    // The server first, so no request arrives at a closed store.
    await server.close();
    await patchbay.close();
    if (!ctx.json) ctx.err.line('Patchbay stopped.');
    return undefined;
  },
};
