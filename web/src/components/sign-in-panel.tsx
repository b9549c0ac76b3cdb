import { useState } from 'react';
import { apiRequest, connectorPath, messageOf } from '../api.ts';
import type { SignInStart } from '../types.ts';
import { isSafeNavigationUrl, signInRedirectUrl } from '../url-check.ts';

/**
 * Starts OAuth sign-in: shows what the server asks for (the scopes) and where the
 * browser will go, then goes there on the person's word. The server comes back to
 * /oauth/callback, which returns to the connector's page.
 */
export function SignInPanel(props: { connector: string; autoFocus?: boolean; onSignedIn: () => void }) {
  const [state, setState] = useState<{ kind: 'idle' } | { kind: 'busy' } | { kind: 'ready'; url: string; scopes: string[] } | { kind: 'error'; message: string }>({ kind: 'idle' });

  const start = async () => {
    setState({ kind: 'busy' });
    try {
      const redirectUrl = signInRedirectUrl();
      const started = await apiRequest<SignInStart>('POST', connectorPath(props.connector, '/sign-in'), redirectUrl ? { redirectUrl } : {});
      if (started.status === 'signed-in') {
        setState({ kind: 'idle' });
        props.onSignedIn();
        return;
      }
      if (!isSafeNavigationUrl(started.authorizationUrl)) {
        setState({ kind: 'error', message: 'The server named a sign-in address that is not a plain https address, so Patchbay will not open it.' });
        return;
      }
      setState({ kind: 'ready', url: started.authorizationUrl, scopes: started.scopes });
    } catch (error) {
      setState({ kind: 'error', message: messageOf(error) });
    }
  };

  if (state.kind === 'ready') {
    const host = new URL(state.url).host;
    return (
      <div className="sign-in-panel">
        <p>
          You will sign in on <strong>{host}</strong>. The server asks for {state.scopes.length === 0 ? 'no particular permissions (scopes).' : 'these permissions:'}
        </p>
        {state.scopes.length > 0 ? (
          <ul className="scopes" aria-label="Permissions asked for">
            {state.scopes.map((scope) => (
              <li key={scope}>
                <code>{scope}</code>
              </li>
            ))}
          </ul>
        ) : null}
        <div className="row">
          {/* biome-ignore lint/a11y/noAutofocus: the next step of a flow the person started */}
          <button type="button" className="button button-primary" autoFocus onClick={() => location.assign(state.url)}>
            Continue to {host}
          </button>
          <button type="button" className="button" onClick={() => setState({ kind: 'idle' })}>
            Cancel
          </button>
        </div>
      </div>
    );
  }
  return (
    <div className="sign-in-panel">
      {state.kind === 'error' ? (
        <p className="notice notice-error" role="alert">
          {state.message}
        </p>
      ) : null}
      {/* biome-ignore lint/a11y/noAutofocus: the next step of a flow the person started */}
      <button type="button" className="button button-primary" onClick={start} disabled={state.kind === 'busy'} autoFocus={props.autoFocus}>
        {state.kind === 'busy' ? 'Starting sign-in…' : 'Sign in'}
      </button>
    </div>
  );
}
