/**
 * The revocation endpoint.
 * @see https://www.rfc-editor.org/rfc/rfc7009
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthState } from './auth-state.ts';
import { authenticateClient } from './client-authentication.ts';
import { OAuthFailure, readForm, requireParam, singleParams } from './oauth-replies.ts';
import type { AuthRequestRecord } from './options.ts';

export async function handleRevocationRequest(auth: AuthState, req: IncomingMessage, res: ServerResponse, record: AuthRequestRecord): Promise<void> {
  const params = singleParams(await readForm(req));
  const token = requireParam(params, 'token');
  const client = authenticateClient(req, params, auth.clients, (clientId) => {
    record.clientId = clientId;
  });
  // token_type_hint is only a hint (RFC 7009 §2.1): both kinds are searched whatever it says
  const outcome = auth.grants.revoke(token, client.clientId);
  if (outcome === 'other-client') throw new OAuthFailure('invalid_request', 'This token was issued to another client; it is not revoked.');
  // RFC 7009 §2.2: 200 also for a token the server does not know
  res.writeHead(200, { 'cache-control': 'no-store' }).end();
}
