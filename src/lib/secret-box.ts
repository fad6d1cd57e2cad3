import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { readFile, writeFile, rename } from 'node:fs/promises';
import path from 'node:path';
import { AppError } from '../core/errors.js';

const VERSION = 'v1';

/**
 * Encrypts secrets (SNMP communities and keys, later SSH keys and SMTP passwords) for storage
 * with AES-256-GCM. The key lives in `<data dir>/secret.key` (0600), outside LevelDB, so a copy
 * of the database alone reveals no secret. Stored form: `v1:<iv>:<tag>:<ciphertext>` (base64url).
 */
export class SecretBox {
  private constructor(private readonly key: Buffer) {}

  static keyPath(dataDir: string): string {
    return path.join(dataDir, 'secret.key');
  }

  /** Loads the key, creating it on first use. */
  static async open(dataDir: string): Promise<SecretBox> {
    const file = SecretBox.keyPath(dataDir);
    let key: Buffer | undefined;
    try {
      key = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (!key) {
      key = randomBytes(32);
      const tmp = `${file}.tmp`;
      await writeFile(tmp, key, { mode: 0o600 });
      await rename(tmp, file);
    }
    if (key.length !== 32) {
      throw new AppError(
        'SECRET_KEY_INVALID',
        `${file} is not a 32-byte key. Restore it from a backup; without it stored secrets cannot be read.`,
      );
    }
    return new SecretBox(key);
  }

  static forTests(key = randomBytes(32)): SecretBox {
    return new SecretBox(key);
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [
      VERSION,
      iv.toString('base64url'),
      cipher.getAuthTag().toString('base64url'),
      ct.toString('base64url'),
    ].join(':');
  }

  open(sealed: string): string {
    const [v, iv, tag, ct] = sealed.split(':');
    if (v !== VERSION || !iv || !tag || ct === undefined)
      throw new AppError('SECRET_UNREADABLE', 'A stored secret has an unknown format.');
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
    } catch (err) {
      throw new AppError(
        'SECRET_UNREADABLE',
        'A stored secret cannot be decrypted: secret.key does not match this database.',
        { cause: err },
      );
    }
  }
}
