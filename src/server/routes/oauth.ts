import { Hono } from 'hono';
import { toPatchbayError } from '../../core/errors.ts';
import type { PatchbayError } from '../../core/errors.ts';
import type { Hub } from '../../hub/index.ts';
import type { ApiEnv } from '../api-app.ts';

/**
 * What the web app is told about a finished sign-in: a short code it turns into its own
 * words. Text from the authorization server (`error_description`) never travels in the
 * address, so nothing a server wrote can be shown as if Patchbay had said it.
 */
export type SignInOutcome = 'ok' | 'denied' | 'expired' | 'removed' | 'unsafe' | 'failed';

const CONNECTOR_NAME = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;

/** The web app address the browser is sent to after a sign-in, success or failure. */
export function signInRedirect(connectorName: string | undefined, outcome: SignInOutcome): string {
  const page = connectorName && CONNECTOR_NAME.test(connectorName) ? `/connectors/${encodeURIComponent(connectorName)}` : '/connectors';
  return `${page}?signin=${outcome}`;
}

function outcomeOf(error: PatchbayError): SignInOutcome {
  if (error.code === 'AUTH_FLOW_INVALID') return 'expired';
  if (error.code === 'CONNECTOR_NOT_FOUND') return 'removed';
  if (error.code === 'SSRF_BLOCKED') return 'unsafe';
  if (error.details?.oauthError === 'access_denied') return 'denied';
  return 'failed';
}

/**
 * /oauth/callback — where an authorization server sends the person's browser back.
 * It carries no access token (it is a top-level navigation from another site): the
 * single-use `state` is what binds it to the sign-in that was started. The browser is
 * then sent to the connector's page in the web app.
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
    c.header('cache-control', 'no-store');
    try {
      const connector = await hub.finishSignIn(params);
      return c.redirect(signInRedirect(connector.name, 'ok'), 303);
    } catch (error) {
      const err = toPatchbayError(error);
      const connector = typeof err.details?.connector === 'string' ? err.details.connector : undefined;
      return c.redirect(signInRedirect(connector, outcomeOf(err)), 303);
    }
  });
  return app;
}
