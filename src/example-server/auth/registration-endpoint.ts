/**
 * The dynamic client registration endpoint. Open: anyone may register (RFC 7591 §3
 * allows it without an initial access token).
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuthState } from './auth-state.ts';
import { registerClient } from './client-registration.ts';
import { readJsonObject, writeJson } from './oauth-replies.ts';
import type { AuthRequestRecord } from './options.ts';

export async function handleRegistrationRequest(auth: AuthState, req: IncomingMessage, res: ServerResponse, record: AuthRequestRecord): Promise<void> {
  const { client, response } = registerClient(await readJsonObject(req), auth.now());
  auth.clients.add(client);
  record.clientId = client.clientId;
  writeJson(res, 201, response);
}
