import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { AppError } from '../core/errors.js';

/**
 * Password hashing with scrypt (memory-hard, in node:crypto, no native add-on to build on a Pi).
 * Stored as `scrypt$N$r$p$salt$hash` so that the parameters can be raised later and old hashes
 * still verify.
 */
const DEFAULT = { N: 1 << 15, r: 8, p: 1 } as const;
const KEYLEN = 32;

/**
 * Each scrypt takes ~32 MiB and ~100 ms of a libuv worker thread. They are run at most two at a
 * time and at most 64 may wait, so a flood of logins or password changes can neither exhaust
 * memory nor starve LevelDB (which shares those worker threads); past that the caller gets 503.
 */
const MAX_RUNNING = 2;
const MAX_WAITING = 64;
let running = 0;
const waiting: Array<() => void> = [];

async function gated<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= MAX_RUNNING) {
    if (waiting.length >= MAX_WAITING) {
      throw new AppError(
        'BUSY',
        'The box is busy checking passwords. Try again in a few seconds.',
        {
          status: 503,
          kind: 'transient',
          cause: { retryAfterS: 5 },
        },
      );
    }
    // The finishing call hands its slot over directly, so `running` stays counted.
    await new Promise<void>((resolve) => waiting.push(resolve));
  } else {
    running += 1;
  }
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running -= 1;
  }
}

function scrypt(password: string, salt: Buffer, opts: ScryptOptions): Promise<Buffer> {
  return gated(
    () =>
      new Promise<Buffer>((resolve, reject) => {
        scryptCb(password.normalize('NFKC'), salt, KEYLEN, opts, (err, key) =>
          err ? reject(err) : resolve(key),
        );
      }),
  );
}

function maxmem(N: number, r: number): number {
  return 256 * N * r; // twice what scrypt needs (128·N·r), so Node accepts it
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const { N, r, p } = DEFAULT;
  const key = await scrypt(password, salt, { N, r, p, maxmem: maxmem(N, r) });
  return ['scrypt', N, r, p, salt.toString('base64'), key.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4]!, 'base64');
  const expected = Buffer.from(parts[5]!, 'base64');
  const key = await scrypt(password, salt, { N, r, p, maxmem: maxmem(N, r) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A hash of a random password, used to spend the same time on unknown user names. */
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(12).toString('hex'));
  return dummyHash;
}

/** A readable random password for console resets: 4 groups of 5 characters, no look-alikes. */
export function generatePassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(20);
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]);
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}
