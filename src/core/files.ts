import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Creates `path` with `content` unless it exists, atomically: the content is written
 * whole under a private name and then hard-linked into place, so a concurrent reader
 * never sees a half-written file, and when two processes race exactly one wins.
 * Returns false when the file already existed (the caller then reads it).
 */
export async function createFileOnce(path: string, content: string, mode = 0o600): Promise<boolean> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temp, content, { mode, flag: 'wx' });
  try {
    await chmod(temp, mode);
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    await unlink(temp).catch(() => {});
  }
}
