import { Hono } from 'hono';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import { toPatchbayError } from '../../core/errors.ts';
import type { Hub } from '../../hub/index.ts';
import type { ApiEnv } from '../api-app.ts';
import { renderResultPage } from '../../core/result-page.ts';

/**
 * /oauth/callback — where an authorization server sends the person's browser back.
 * It carries no access token (it is a top-level navigation from another site): the
 * single-use `state` is what binds it to the sign-in that was started.
 */
export function oauthRoutes(hub: Hub): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  app.get('/client-metadata.json', (c) => {
    const document = hub.clientMetadataDocument();
    if (!document) return c.json({ error: { code: 'NOT_FOUND', message: 'Patchbay has no public https URL (PATCHBAY_PUBLIC_URL), so it offers no client metadata document.' } }, 404);
    c.header('cache-control', 'public, max-age=3600');
    return c.json(document);
  });
  app.get('/callback', async (c) => {
    const params = new URL(c.req.url).searchParams;
    try {
      const connector = await hub.finishSignIn(params);
      return c.html(renderResultPage({ ok: true, title: 'Signed in', message: `Patchbay is signed in to "${connector.name}". You can close this window.` }));
    } catch (error) {
      const err = toPatchbayError(error);
      return c.html(renderResultPage({ ok: false, title: 'Sign-in failed', message: err.message }), err.status as ContentfulStatusCode);
    }
  });
  return app;
}
