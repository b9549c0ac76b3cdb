import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PatchbayError, toPatchbayError } from '../../core/errors.ts';
import { isLoopbackHost } from '../../hub/index.ts';
import { renderResultPage } from '../../core/result-page.ts';
import type { CommandContext, CommandSpec } from '../command.ts';
import { askHidden, readStdin } from '../io.ts';
import { flagOption, integerOption, stringOption } from '../option-values.ts';

const WAIT_MS = 10 * 60 * 1000;

export const loginCommand: CommandSpec = {
  name: 'login',
  group: 'connectors',
  summary: 'Sign in to a connector with OAuth, in your browser.',
  description:
    'Starts OAuth sign-in as the MCP authorization spec describes. Patchbay listens on 127.0.0.1 (PATCHBAY_LOGIN_PORT, default 7413) for the ' +
    'browser to come back, shows the permissions (scopes) asked for, and opens the sign-in page — or prints its address when no browser can be opened.',
  positionals: [{ name: 'name', required: true, description: 'The connector.' }],
  options: {
    port: { type: 'string', value: 'N', description: 'Port of the local listener (default PATCHBAY_LOGIN_PORT or 7413).' },
    scope: { type: 'string', value: 'S', description: 'Scopes to ask for, space-separated (default: what the server asks).' },
    'no-browser': { type: 'boolean', description: 'Print the sign-in address instead of opening a browser.' },
    'client-id': { type: 'string', value: 'ID', description: 'A client you registered with the server yourself (for servers without dynamic registration).' },
    'client-secret-stdin': { type: 'boolean', description: "With --client-id: read the client's secret from stdin (asked at the terminal otherwise, when needed)." },
    'client-credentials': { type: 'boolean', description: 'Sign in as a machine (OAuth client credentials) with --client-id and its secret; no browser.' },
  },
  examples: [
    'patchbay login github',
    'patchbay login github --scope "repo read:org"',
    'patchbay login wiki --client-id my-app --client-secret-stdin < secret.txt',
    'patchbay login reports --client-credentials --client-id svc-42 --client-secret-stdin < secret.txt',
  ],
  async run(ctx, { values, positionals }) {
    const [name] = positionals;
    const port = integerOption(values, 'port', 'login', { min: 0, max: 65535 }) ?? ctx.config().loginPort;
    const clientId = stringOption(values, 'client-id');
    const machine = flagOption(values, 'client-credentials');
    if (machine && !clientId) throw new PatchbayError('INVALID_ARGUMENTS', '--client-credentials needs --client-id (and the secret on stdin with --client-secret-stdin).');
    const secret = clientId ? await readClientSecret(ctx, flagOption(values, 'client-secret-stdin'), machine) : undefined;
    const patchbay = await ctx.open();
    const actor = patchbay.actor('cli');
    if (machine && clientId) {
      const connector = await ctx.remote(`Signing in to ${name} as ${clientId}`, () =>
        patchbay.hub.signInWithClientCredentials(actor, name, { client_id: clientId, client_secret: secret, scope: stringOption(values, 'scope') }),
      );
      return { json: { connector: connector.name, signedIn: true, clientCredentials: true }, print: (out) => out.line(`Signed in to "${connector.name}" as the client ${clientId}.`) };
    }
    if (clientId) await patchbay.hub.setOAuthClient(actor, name, { client_id: clientId, ...(secret ? { client_secret: secret } : {}) });
    const listener = await listen(port);
    try {
      const redirectUrl = `http://127.0.0.1:${(listener.address() as AddressInfo).port}/callback`;
      const started = await ctx.remote(`Preparing sign-in to ${name}`, () =>
        patchbay.hub.startSignIn(actor, name, { redirectUrl, scope: stringOption(values, 'scope') }),
      );
      if (started.status === 'signed-in') {
        return { json: { connector: name, signedIn: true, refreshed: true }, print: (out) => out.line(`"${name}" is signed in (its stored sign-in was refreshed).`) };
      }
      ctx.err.line(`Signing in to "${name}". It asks for: ${started.scopes.length ? started.scopes.join(', ') : '(no specific scopes)'}`);
      const opened = !flagOption(values, 'no-browser') && openBrowser(started.authorizationUrl);
      ctx.err.line(opened ? 'Your browser is opening the sign-in page. If it does not, open:' : 'Open this address in your browser to sign in:');
      ctx.err.line(`  ${started.authorizationUrl}`);
      const connector = await waitForCallback(ctx, listener, (params) => patchbay.hub.finishSignIn(params, actor.userId));
      return {
        json: { connector: connector.name, signedIn: true },
        print: (out) => out.line(`Signed in to "${connector.name}". Try \`patchbay tools ${connector.name}\`.`),
      };
    } finally {
      listener.closeAllConnections();
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    }
  },
};

/** A client secret never comes from the command line: stdin, or asked without echo (empty means a public client). */
async function readClientSecret(ctx: CommandContext, fromStdin: boolean, required: boolean): Promise<string | undefined> {
  if (fromStdin) return (await readStdin(ctx.io.stdin, '--client-secret-stdin reads the secret from stdin, but stdin is a terminal. Pipe it in.')).replace(/\r?\n$/, '') || undefined;
  if (!ctx.io.stdin.isTTY) {
    if (required) throw new PatchbayError('INVALID_ARGUMENTS', 'The client secret is needed: pass it on stdin with --client-secret-stdin.');
    return undefined;
  }
  return (await askHidden(ctx.io, 'Client secret (empty for none): ')) || undefined;
}

function listen(port: number): Promise<Server> {
  const server = createServer();
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'EADDRINUSE'
          ? new PatchbayError('CONFIG_INVALID', `Port ${port} on 127.0.0.1 is in use, so the browser cannot come back to Patchbay. Close what uses it, or pass --port / set PATCHBAY_LOGIN_PORT to a free port.`)
          : error,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

/** Waits for the browser's return; answers it with a page saying how it went. */
function waitForCallback<T>(ctx: CommandContext, server: Server, finish: (params: URLSearchParams) => Promise<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new PatchbayError('TIMEOUT', 'Nobody finished signing in within 10 minutes. Run `patchbay login` again.')), WAIT_MS);
    const stop = () => reject(new PatchbayError('CANCELLED', 'Sign-in cancelled.'));
    ctx.signal.addEventListener('abort', stop, { once: true });
    let settled = false;
    server.on('request', (req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      if (req.method !== 'GET' || url.pathname !== '/callback' || settled) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found');
        return;
      }
      settled = true;
      finish(url.searchParams).then(
        (value) => {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(renderResultPage({ ok: true, title: 'Signed in', message: 'Patchbay is signed in. You can close this window and go back to the terminal.' }));
          done();
          resolve(value);
        },
        (error) => {
          const err = toPatchbayError(error);
          res.writeHead(err.status, { 'content-type': 'text/html; charset=utf-8' }).end(renderResultPage({ ok: false, title: 'Sign-in failed', message: err.message }));
          done();
          reject(err);
        },
      );
    });
    function done() {
      clearTimeout(timer);
      ctx.signal.removeEventListener('abort', stop);
    }
  });
}

/**
 * Opens a URL in the person's browser — only https, or http to this machine — with
 * the platform's opener and the URL as one argument: never through a shell.
 */
export function openBrowser(address: string): boolean {
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    return false;
  }
  if (!(url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)))) return false;
  const [command, args] =
    process.platform === 'darwin' ? ['open', [url.href]] : process.platform === 'win32' ? ['rundll32', ['url.dll,FileProtocolHandler', url.href]] : ['xdg-open', [url.href]];
  try {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, shell: false });
    child.on('error', () => {});
    child.unref();
    return true;
  } catch {
    return false;
  }
}
