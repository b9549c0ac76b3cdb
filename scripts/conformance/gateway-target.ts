/**
 * What the conformance suite's server scenarios run against: Patchbay's gateway fronting
 * the published server-everything, on a temporary data directory. The suite sends no
 * Authorization header, so a loopback relay in front adds the gateway token (and only
 * that): every other header, a foreign Host included, reaches the gateway unchanged.
 */
import { createServer, request as httpRequest } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPatchbay } from '../../src/app.ts';
import { loadConfig } from '../../src/core/config.ts';
import { createLogger } from '../../src/core/log.ts';
import { startServer } from '../../src/server/index.ts';
import { startEverything } from '../../test/fixtures/everything.ts';

export interface GatewayTarget {
  /** The relay's address of an endpoint, e.g. `url('/mcp/c/everything')`. */
  url(path: string): string;
  close(): Promise<void>;
}

export async function startGatewayTarget(): Promise<GatewayTarget> {
  const everything = await startEverything('streamableHttp');
  const dataDir = await mkdtemp(join(tmpdir(), 'patchbay-conformance-'));
  const config = loadConfig({ PATCHBAY_DATA_DIR: dataDir, PATCHBAY_LOG_LEVEL: 'error', PATCHBAY_GATEWAY_APPROVAL_WAIT_MS: '0' });
  const patchbay = await openPatchbay(config, { logger: createLogger('error') });
  const actor = patchbay.actor('cli');
  await patchbay.hub.addConnector(actor, { url: everything.url, name: 'everything' });
  // The suite calls tools as a client would; the person allowed them all.
  await patchbay.hub.setConnectorPolicy(actor, 'everything', { defaultApproval: 'allow' });
  const server = await startServer(patchbay, `pb_${'c'.repeat(32)}`, { port: 0 });
  const { secret } = await patchbay.tokens.create(actor, { name: 'conformance' });
  const upstream = new URL(server.url);

  const relay = createServer((req, res) => {
    const own = `127.0.0.1:${(relay.address() as AddressInfo).port}`;
    const headers = { ...req.headers, authorization: `Bearer ${secret}` };
    if (req.headers.host === own) headers.host = upstream.host;
    if (req.headers.origin === `http://${own}`) headers.origin = upstream.origin;
    const forward = httpRequest({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  const port = (relay.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    async close() {
      relay.closeAllConnections();
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      await server.close();
      await patchbay.close();
      await everything.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
