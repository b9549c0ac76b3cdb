import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import type { Patchbay } from '../app.ts';
import { VERSION } from '../app.ts';
import { PatchbayError } from '../core/errors.ts';
import { createApiApp } from './api-app.ts';
import { hostAndOriginCheck } from './guards.ts';
import { createGateway } from './gateway/gateway-routes.ts';
import { DEFAULT_WEB_ROOT } from './web-app.ts';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Starts the hub's HTTP server on the configured host and port. */
export async function startServer(patchbay: Patchbay, accessToken: string, overrides: { host?: string; port?: number } = {}): Promise<RunningServer> {
  const { config } = patchbay;
  const host = overrides.host ?? config.host;
  const requestedPort = overrides.port ?? config.port;
  // The allowed Host/Origin values name the port, known only once listening: the app is built then.
  // Node's request and response go along (the gateway's fast path answers on them directly).
  let handle: ((request: Request, env: unknown) => Response | Promise<Response>) | undefined;
  const listener = getRequestListener((request: Request, env: unknown) => handle!(request, env), { hostname: host });
  // The gateway's front takes its fast calls before Hono sees them; everything else goes to the app.
  let front: ((req: IncomingMessage, res: ServerResponse) => boolean) | undefined;
  const server = createServer((req, res) => {
    if (!front?.(req, res)) void listener(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      reject(
        error.code === 'EADDRINUSE'
          ? new PatchbayError('CONFIG_INVALID', `Port ${requestedPort} on ${host} is already in use. Stop the other process or set PATCHBAY_PORT to a free port.`)
          : error,
      );
    });
    server.listen(requestedPort, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const names = new Set([host.includes(':') ? `[${host}]` : host, '127.0.0.1', 'localhost', '[::1]']);
  const allowedHosts = [...[...names].map((h) => `${h}:${port}`), ...config.allowedHosts];
  const allowedOrigins = [...[...names].map((h) => `http://${h}:${port}`), ...(config.publicUrl ? [new URL(config.publicUrl).origin] : []), ...config.allowedOrigins];
  const gateway = createGateway({
    hub: patchbay.hub,
    tokens: patchbay.tokens,
    logger: patchbay.logger.child({ area: 'gateway' }),
    changes: patchbay.store.changes,
    version: VERSION,
    sessionIdleMs: config.sessionIdleMs,
    approvalWaitMs: config.gatewayApprovalWaitMs,
    inputWaitMs: config.gatewayInputWaitMs,
  });
  const app = createApiApp({
    hub: patchbay.hub,
    tokens: patchbay.tokens,
    gateway,
    chat: patchbay.chat,
    models: patchbay.models,
    actor: (door) => patchbay.actor(door),
    accessToken,
    allowedHosts,
    allowedOrigins,
    logger: patchbay.logger.child({ area: 'api' }),
    version: VERSION,
    webRoot: DEFAULT_WEB_ROOT,
    secureCookies: config.publicUrl?.startsWith('https:') ?? false,
  });
  handle = (request, env) => app.fetch(request, env as Record<string, unknown>);
  const admits = hostAndOriginCheck({ allowedHosts, allowedOrigins });
  front = gateway.nodeFront({ admits: (h, origin) => admits(h, origin) === undefined, fallback: (req, res) => void listener(req, res) });
  const display = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  // Without a configured public URL, the browser comes back to the address actually listened on.
  if (!config.publicUrl) patchbay.hub.useCallbackBase(`http://${display}:${port}`);
  return {
    url: `http://${display}:${port}`,
    port,
    close: async () => {
      await gateway.close();
      await new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
}
