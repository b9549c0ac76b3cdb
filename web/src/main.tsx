/**
 * Patchbay's web app: the Connectors settings in the browser. It talks to Patchbay only
 * through the HTTP API (`api.ts`, same origin, session cookie + CSRF header), imports no
 * Node built-ins and nothing from `src/`, and shows every string a server sent as text.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';
import './styles.css';

const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
