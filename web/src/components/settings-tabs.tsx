import { followLink } from '../router.ts';

/** The two settings pages, one link each: the model endpoints the chat uses, and the gateway's access tokens. */
export function SettingsTabs(props: { current: 'models' | 'tokens' }) {
  return (
    <nav className="settings-tabs" aria-label="Settings">
      <a href="/settings/models" onClick={followLink} aria-current={props.current === 'models' ? 'page' : undefined}>
        Models
      </a>
      <a href="/settings/tokens" onClick={followLink} aria-current={props.current === 'tokens' ? 'page' : undefined}>
        Access tokens
      </a>
    </nav>
  );
}
