/**
 * The box's own SSH identity for pulling backups from other hosts: one ed25519 key pair in the
 * data directory (generated with ssh-keygen on first need, private key 0600), and one known-hosts
 * file in which a host's key is pinned on first use. ssh's `accept-new` adds an unknown host and
 * refuses a changed key, so a replaced or spoofed server fails the job loudly.
 */
import { access, mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { runProgram } from '../lib/spawn.js';
import { AppError } from '../core/errors.js';

export interface BoxSshIdentity {
  keyFile: string;
  publicKey: string;
  knownHostsFile: string;
}

export function sshDir(dataDir: string): string {
  return path.join(dataDir, 'ssh');
}

/** The key pair (created once) and the known-hosts file of the box. */
export async function boxSshIdentity(
  dataDir: string,
  opts: { comment?: string; signal?: AbortSignal } = {},
): Promise<BoxSshIdentity> {
  const dir = sshDir(dataDir);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(dir, 'id_ed25519');
  const knownHostsFile = path.join(dir, 'known_hosts');
  try {
    await access(keyFile);
  } catch {
    const r = await runProgram(
      'ssh-keygen',
      ['-q', '-t', 'ed25519', '-N', '', '-C', opts.comment ?? 'caretaker-backup', '-f', keyFile],
      { timeoutMs: 30_000, signal: opts.signal },
    );
    if (r.code !== 0)
      throw new AppError('SSH_KEYGEN_FAILED', 'The box could not create its SSH key.', {
        kind: 'permanent',
        cause: new Error(r.stderr.slice(0, 500)),
      });
  }
  const publicKey = (await readFile(`${keyFile}.pub`, 'utf8')).trim();
  return { keyFile, publicKey, knownHostsFile };
}

/** The pinned key lines of a host ([host]:port form for a non-standard port). */
export async function pinnedKeys(
  knownHostsFile: string,
  host: string,
  port: number,
): Promise<string[]> {
  let text = '';
  try {
    text = await readFile(knownHostsFile, 'utf8');
  } catch {
    return [];
  }
  const name = port === 22 ? host : `[${host}]:${port}`;
  return text
    .split('\n')
    .filter((l) => l.split(' ')[0]?.split(',').includes(name))
    .map((l) => l.split(' ').slice(1, 3).join(' '));
}
