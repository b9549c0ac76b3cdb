import { readFile, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { MiddlewareHandler } from 'hono';

/** Where `npm run build:web` writes the web app. */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL('../../web/dist', import.meta.url));

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** Paths the web app never answers: the API and the OAuth endpoints have their own 404s. */
const NOT_APP = /^\/(api|oauth)(\/|$)/;

/**
 * Serves the built web app: hashed files under /assets are cached for a year, index.html
 * is revalidated every time (so a new build is picked up), and every other app route
 * (`/connectors/...`) gets index.html for the app's own router.
 */
export function webAppHandler(options: { root?: string } = {}): MiddlewareHandler {
  const root = resolve(options.root ?? DEFAULT_WEB_ROOT);
  return async (c, next) => {
    const path = c.req.path;
    if (NOT_APP.test(path)) return next();
    const file = resolveInside(root, path);
    if (file && extname(file) !== '') {
      const body = await readIfFile(file);
      if (!body) return next();
      const immutable = path.startsWith('/assets/');
      return c.body(new Uint8Array(body), 200, {
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'public, max-age=3600',
      });
    }
    if (extname(path) !== '') return next();
    const index = await readIfFile(join(root, 'index.html'));
    if (!index) {
      return c.text('The web app is not built yet. Run `npm run build:web` (or `npm start`, which builds it), then reload.', 503, { 'cache-control': 'no-store' });
    }
    return c.body(new Uint8Array(index), 200, { 'content-type': CONTENT_TYPES['.html'], 'cache-control': 'no-cache' });
  };
}

/** The file a URL path names inside `root`, or undefined when it would leave it. */
function resolveInside(root: string, path: string): string | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0') || decoded.split(/[\\/]/).includes('..')) return undefined;
  const file = resolve(root, `.${decoded}`);
  return file.startsWith(root + sep) ? file : undefined;
}

async function readIfFile(file: string): Promise<Buffer | undefined> {
  try {
    if (!(await stat(file)).isFile()) return undefined;
    return await readFile(file);
  } catch {
    return undefined;
  }
}
