import { Hono } from 'hono';
import { z } from 'zod';
import type { Hub } from '../../hub/index.ts';
import type { ApiEnv } from '../api-app.ts';
import { readJson } from '../api-app.ts';
import { parseInput } from '../validate-body.ts';

const transport = z.enum(['auto', 'streamable-http', 'sse']);
const tags = z.array(z.string().max(64)).max(32);

const credentials = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('headers'), headers: z.record(z.string(), z.string()) }).strict(),
  z.object({ kind: z.literal('basic'), username: z.string(), password: z.string() }).strict(),
]);

const signInBody = z
  .object({
    /** Where the browser comes back; default: this server's /oauth/callback. */
    redirectUrl: z.url({ protocol: /^https?$/ }).optional(),
    scope: z.string().max(1000).optional(),
  })
  .strict();

/** A client registered by hand with the connector's authorization server (for servers without dynamic registration). */
const oauthClientBody = z
  .object({
    client_id: z.string().min(1).max(512),
    client_secret: z.string().max(1024).optional(),
    token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post', 'none']).optional(),
  })
  .strict();

/** A machine client: signs in with the client_credentials grant, by secret or private key (private_key_jwt). */
const clientCredentialsBody = z
  .object({
    client_id: z.string().min(1).max(512),
    client_secret: z.string().max(1024).optional(),
    private_key_pem: z.string().max(16_384).optional(),
    signing_algorithm: z.string().max(10).optional(),
    token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt']).optional(),
    scope: z.string().max(1000).optional(),
  })
  .strict();

const addBody = z.object({
  credentials: credentials.optional(),
  url: z.string().min(1).max(2048),
  name: z.string().max(64).optional(),
  project: z.string().max(100).nullable().optional(),
  tags: tags.optional(),
  transport: transport.optional(),
  allowHttp: z.boolean().optional(),
  connect: z.boolean().optional(),
});

const updateBody = z
  .object({
    name: z.string().max(64).optional(),
    url: z.string().min(1).max(2048).optional(),
    project: z.string().max(100).nullable().optional(),
    tags: tags.optional(),
    transport: transport.optional(),
    allowHttp: z.boolean().optional(),
  })
  .strict();

/**
 * /api/connectors: add, list, show, update, remove, test; each user's own credentials
 * and OAuth clients (secrets never returned); OAuth sign-in, interactive or as a machine client.
 */
export function connectorRoutes(hub: Hub): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => {
    const connectors = await hub.listConnectors(c.get('actor'), { project: c.req.query('project'), tag: c.req.query('tag') });
    return c.json({ connectors });
  });
  app.post('/', async (c) => {
    const body = parseInput(addBody, await readJson(c.req));
    const result = await hub.addConnector(c.get('actor'), body);
    return c.json(result, 201);
  });
  app.get('/:name', async (c) => c.json({ connector: await hub.getConnector(c.get('actor'), c.req.param('name')) }));
  app.patch('/:name', async (c) => {
    const body = parseInput(updateBody, await readJson(c.req));
    return c.json({ connector: await hub.updateConnector(c.get('actor'), c.req.param('name'), body) });
  });
  app.delete('/:name', async (c) => c.json({ removed: await hub.removeConnector(c.get('actor'), c.req.param('name')) }));
  app.get('/:name/credentials', async (c) => c.json({ credentials: await hub.showCredentials(c.get('actor'), c.req.param('name')) }));
  app.put('/:name/credentials', async (c) => {
    const body = parseInput(credentials, await readJson(c.req));
    return c.json({ credentials: await hub.setCredentials(c.get('actor'), c.req.param('name'), body) });
  });
  app.delete('/:name/credentials', async (c) => {
    await hub.clearCredentials(c.get('actor'), c.req.param('name'));
    return c.json({ credentials: null });
  });
  app.post('/:name/sign-in', async (c) => {
    const body = parseInput(signInBody, await readJson(c.req));
    return c.json(await hub.startSignIn(c.get('actor'), c.req.param('name'), body));
  });
  app.post('/:name/sign-out', async (c) => c.json({ connector: await hub.signOut(c.get('actor'), c.req.param('name')) }));
  app.get('/:name/oauth-clients', async (c) => c.json(await hub.showOAuthClients(c.get('actor'), c.req.param('name'))));
  app.put('/:name/oauth-client', async (c) => {
    const body = parseInput(oauthClientBody, await readJson(c.req));
    return c.json({ oauthClient: await hub.setOAuthClient(c.get('actor'), c.req.param('name'), body) });
  });
  app.post('/:name/sign-in/client-credentials', async (c) => {
    const body = parseInput(clientCredentialsBody, await readJson(c.req));
    return c.json({ connector: await hub.signInWithClientCredentials(c.get('actor'), c.req.param('name'), body) });
  });
  app.post('/:name/test', async (c) => c.json(await hub.testConnector(c.get('actor'), c.req.param('name'), { signal: c.req.raw.signal })));
  return app;
}
