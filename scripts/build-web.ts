/**
 * Builds the web app (web/) into web/dist with Vite.
 *   node scripts/build-web.ts             always build (npm run build:web)
 *   node scripts/build-web.ts --if-stale  build only when web/dist is missing or older
 *                                         than the sources (npm start runs this first)
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = fileURLToPath(new URL('../web', import.meta.url));
const BUILT = join(WEB, 'dist', 'index.html');
const SOURCES = [join(WEB, 'src'), join(WEB, 'public'), join(WEB, 'index.html'), join(WEB, 'vite.config.ts')];

/** The newest modification time under `path` (a file or a folder), 0 when it does not exist. */
async function newestChange(path: string): Promise<number> {
  let info: Awaited<ReturnType<typeof stat>>;
  try {
    info = await stat(path);
  } catch {
    return 0;
  }
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of await readdir(path)) newest = Math.max(newest, await newestChange(join(path, entry)));
  return newest;
}

export async function isWebBuildStale(): Promise<boolean> {
  const built = await newestChange(BUILT);
  if (built === 0) return true;
  const sources = Math.max(...(await Promise.all(SOURCES.map(newestChange))));
  return sources > built;
}

export async function buildWeb(): Promise<void> {
  const { build } = await import('vite');
  await build({ root: WEB, logLevel: 'warn' });
}

if (import.meta.main) {
  const ifStale = process.argv.includes('--if-stale');
  if (!ifStale || (await isWebBuildStale())) {
    if (ifStale) console.error('Building the web app (web/dist is missing or older than web/src)…');
    await buildWeb();
    if (ifStale) console.error('Built the web app into web/dist.');
  }
}
