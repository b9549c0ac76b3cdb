import { Hono } from 'hono';
import { z } from 'zod';
import type { AccessTokens } from '../../hub/index.ts';
import type { ApiEnv } from '../api-app.ts';
import { readJson } from '../api-app.ts';
import { parseInput } from '../validate-body.ts';

const createBody = z
  .object({
    name: z.string().min(1).max(64),
    projects: z.array(z.string().min(1).max(100)).min(1).max(100).nullable().optional(),
  })
  .strict();

/** /api/tokens: personal access tokens for the gateway. The secret is in the creation answer only. */
export function tokenRoutes(tokens: AccessTokens): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/', async (c) => c.json({ tokens: await tokens.list(c.get('actor')) }));
  app.post('/', async (c) => {
    const body = parseInput(createBody, await readJson(c.req));
    const { token, secret } = await tokens.create(c.get('actor'), body);
    return c.json({ token, secret }, 201, { 'cache-control': 'no-store' });
  });
  app.delete('/:id', async (c) => c.json({ token: await tokens.revoke(c.get('actor'), c.req.param('id')) }));
  return app;
}
