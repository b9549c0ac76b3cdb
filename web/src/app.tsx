import { useEffect, useState } from 'react';
import { SIGNED_OUT_EVENT } from './api.ts';
import { ApprovalsPage } from './pages/approvals-page.tsx';
import { ConnectorPage } from './pages/connector-page.tsx';
import { ConnectorsPage } from './pages/connectors-page.tsx';
import { ChatPage } from './pages/chat-page.tsx';
import { SettingsModelsPage } from './pages/settings-models.tsx';
import { TokensPage } from './pages/tokens-page.tsx';
import { followLink, navigate, useLocation } from './router.ts';
import { useWaitingApprovals, WaitingApprovalsProvider } from './waiting-approvals.tsx';
import { LOGIN_OUTCOMES } from './words.ts';

function SignedOut(props: { reason?: string }) {
  return (
    <main className="page narrow">
      <h1>Open Patchbay from its link</h1>
      {props.reason ? (
        <p className="notice notice-error" role="alert">
          {props.reason}
        </p>
      ) : null}
      <p>This browser is not signed in to Patchbay. When it starts, Patchbay prints a link that signs your browser in:</p>
      <pre className="code-block">{'$ npm start\nPatchbay is running at http://127.0.0.1:7410\nOpen it in your browser: http://127.0.0.1:7410/login?token=…'}</pre>
      <p>Open that link (the token in it is the same as in the file access-token in Patchbay’s data directory).</p>
    </main>
  );
}

function NotFound() {
  return (
    <main className="page narrow">
      <h1>Page not found</h1>
      <p>
        <a href="/connectors" onClick={followLink}>
          Go to Connectors
        </a>
      </p>
    </main>
  );
}

function Routes() {
  const { path, query } = useLocation();
  useEffect(() => {
    if (path === '/') navigate('/connectors', { replace: true });
  }, [path]);
  if (path === '/' || path === '/connectors' || path === '/connectors/') return <ConnectorsPage query={query} />;
  if (path === '/approvals' || path === '/approvals/') return <ApprovalsPage />;
  if (path === '/chat' || path === '/chat/') return <ChatPage />;
  const chatMatch = /^\/chat\/([^/]+)\/?$/.exec(path);
  if (chatMatch) return <ChatPage id={decodeURIComponent(chatMatch[1])} />;
  if (path === '/settings/models' || path === '/settings' || path === '/settings/') return <SettingsModelsPage />;
  if (path === '/settings/tokens' || path === '/settings/tokens/') return <TokensPage />;
  const match = /^\/connectors\/([^/]+)\/?$/.exec(path);
  if (match) {
    let name: string;
    try {
      name = decodeURIComponent(match[1]);
    } catch {
      return <NotFound />;
    }
    return <ConnectorPage key={name} name={name} query={query} />;
  }
  return <NotFound />;
}

export function App() {
  const { path, query } = useLocation();
  const [signedOut, setSignedOut] = useState(false);
  const loginFailure = query.get('login');
  useEffect(() => {
    const onSignedOut = () => setSignedOut(true);
    window.addEventListener(SIGNED_OUT_EVENT, onSignedOut);
    return () => window.removeEventListener(SIGNED_OUT_EVENT, onSignedOut);
  }, []);
  const page = (
    <>
      <a className="skip-link" href="#content">
        Skip to content
      </a>
      <header className="topbar">
        <a className="brand" href="/connectors" onClick={followLink}>
          <img src="/favicon.svg" alt="" width="24" height="24" />
          Patchbay
        </a>
        <nav aria-label="Main">
          <a href="/connectors" onClick={followLink} aria-current={path.startsWith('/connectors') ? 'page' : undefined}>
            Connectors
          </a>
          <ApprovalsLink current={path.startsWith('/approvals')} />
          <a href="/chat" onClick={followLink} aria-current={path.startsWith('/chat') ? 'page' : undefined}>
            Chat
          </a>
          <a href="/settings/models" onClick={followLink} aria-current={path.startsWith('/settings') ? 'page' : undefined}>
            Settings
          </a>
        </nav>
      </header>
      <div id="content">{signedOut ? <SignedOut reason={loginFailure ? LOGIN_OUTCOMES[loginFailure] : undefined} /> : <Routes />}</div>
    </>
  );
  // Signed out, nothing is watched: the first refused request is what says so.
  return signedOut ? page : <WaitingApprovalsProvider>{page}</WaitingApprovalsProvider>;
}

/** "Approvals" in the navigation, with how many calls wait for the person (kept current, on every page). */
function ApprovalsLink(props: { current: boolean }) {
  const count = useWaitingApprovals().approvals?.length ?? 0;
  useEffect(() => {
    document.title = count > 0 ? `(${count}) Patchbay` : 'Patchbay';
  }, [count]);
  return (
    <a href="/approvals" onClick={followLink} aria-current={props.current ? 'page' : undefined}>
      Approvals
      {count > 0 ? (
        <span className="nav-count" role="status" aria-label={`${count} waiting`}>
          {count}
        </span>
      ) : null}
    </a>
  );
}
