import { Hono } from 'hono';
import { z } from 'zod';
import type { Hub } from '../../hub/index.ts';
import type { ApiEnv } from '../api-app.ts';
import { readJson } from '../api-app.ts';
import { parseInput } from '../validate-body.ts';

const doctorBody = z
  .object({
    // The hub reads text without ":" or "/" as a connector name; this route only takes addresses.
    url: z.string().min(1).max(2048).refine((url) => /[:/]/.test(url), 'give the full URL of the MCP endpoint, such as https://mcp.example.com/mcp'),
    /** Plain http to a server on your network, as adding it with allowHttp would (local mode only). */
    allowHttp: z.boolean().optional(),
  })
  .strict();

/**
 * The connection doctor: `GET /api/connectors/:name/doctor` for one of the person's
 * connectors, `POST /api/doctor {url}` for a server not added yet. Both answer 200
 * with `{ report }` whatever the verdict: the diagnosis itself worked.
 */
export function doctorRoutes(hub: Hub): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/connectors/:name/doctor', async (c) => c.json({ report: await hub.diagnose(c.get('actor'), c.req.param('name'), { signal: c.req.raw.signal }) }));
  app.post('/doctor', async (c) => {
    const body = parseInput(doctorBody, await readJson(c.req));
    return c.json({ report: await hub.diagnose(c.get('actor'), body.url, { signal: c.req.raw.signal, allowHttp: body.allowHttp }) });
  });
  return app;
}
