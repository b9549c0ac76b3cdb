import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { PatchbayError } from '../core/errors.ts';
import { createFileOnce } from '../core/files.ts';
import type { Logger } from '../core/log.ts';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const FORMAT = 'v1';

/** What a secret is bound to: a row copied to another user, connector or issuer does not decrypt. */
export interface SecretBinding {
  userId: string;
  connectorId: string;
  issuer: string;
  kind: string;
}

/**
 * Encrypts secrets with AES-256-GCM. The key never lives in the database; the
 * binding (user, connector, issuer, kind) is authenticated additional data.
 */
export class Vault {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== KEY_BYTES) throw new PatchbayError('CONFIG_INVALID', `The secret key must be ${KEY_BYTES} bytes, not ${key.length}.`);
    this.#key = Buffer.from(key);
  }

  seal(plaintext: string, binding: SecretBinding): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv);
    cipher.setAAD(aadOf(binding));
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return [FORMAT, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
  }

  open(sealed: string, binding: SecretBinding): string {
    const parts = sealed.split('.');
    if (parts.length !== 4 || parts[0] !== FORMAT) throw unreadable(binding, 'it is not in a format this version understands');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(parts[1], 'base64url'));
      decipher.setAAD(aadOf(binding));
      decipher.setAuthTag(Buffer.from(parts[3], 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(parts[2], 'base64url')), decipher.final()]).toString('utf8');
    } catch (error) {
      throw unreadable(binding, 'it was encrypted with another key or for another user or connector', error);
    }
  }

  sealJson(value: unknown, binding: SecretBinding): string {
    return this.seal(JSON.stringify(value), binding);
  }

  openJson<T>(sealed: string, binding: SecretBinding): T {
    return JSON.parse(this.open(sealed, binding)) as T;
  }
}

function aadOf(binding: SecretBinding): Buffer {
  // JSON of an array: unambiguous even when a part contains the separator of another encoding.
  return Buffer.from(JSON.stringify([FORMAT, binding.userId, binding.connectorId, binding.issuer, binding.kind]), 'utf8');
}

function unreadable(binding: SecretBinding, why: string, cause?: unknown): PatchbayError {
  return new PatchbayError(
    'SECRET_UNREADABLE',
    `A stored credential cannot be decrypted: ${why}. Sign in to the connector again; if every credential fails, check PATCHBAY_SECRET_KEY / PATCHBAY_SECRET_KEY_FILE.`,
    { cause, details: { connectorId: binding.connectorId, kind: binding.kind } },
  );
}

/**
 * The vault key: PATCHBAY_SECRET_KEY when set, else the key file (created with 32
 * random bytes and mode 0600 on first use). A key file readable by others is refused.
 */
export async function loadVaultKey(options: { key?: Buffer; keyFile: string; logger?: Logger }): Promise<Buffer> {
  if (options.key) return options.key;
  const path = options.keyFile;
  try {
    const info = await stat(path);
    if (process.platform !== 'win32' && (info.mode & 0o077) !== 0) {
      throw new PatchbayError('CONFIG_INVALID', `The key file ${path} can be read by other users (mode ${(info.mode & 0o777).toString(8)}). Run: chmod 600 ${path}`);
    }
    const text = (await readFile(path, 'utf8')).trim();
    const key = Buffer.from(text, 'base64');
    if (key.length !== KEY_BYTES) {
      throw new PatchbayError('CONFIG_INVALID', `The key file ${path} does not hold a ${KEY_BYTES}-byte base64 key. Restore it from a backup; a new key cannot read existing credentials.`);
    }
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(KEY_BYTES);
  if (!(await createFileOnce(path, `${key.toString('base64')}\n`))) return loadVaultKey(options);
  options.logger?.info('created a new secret key file', { path });
  return key;
}
