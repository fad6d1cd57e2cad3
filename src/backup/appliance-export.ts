/**
 * The appliance's own data, backed up like any other folder: a consistent export of the whole
 * LevelDB store (read from one snapshot while the service keeps running), the secret key that
 * opens the stored secrets, and the config file, written to a staging folder that the backup job
 * then copies to its target. `caretaker import-data <folder>` restores it onto a new box.
 *
 * Export format (`store.ctkx`, gzip): the line `CTKX1\n`, then per entry a 4-byte big-endian key
 * length, the key, a 4-byte value length, the value; `export.json` holds the entry count and the
 * SHA-256 of the uncompressed stream.
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readFile, readdir, rename, rm, writeFile, chmod } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { createGunzip, createGzip } from 'node:zlib';
import type { Store } from '../store/store.js';
import { openStore } from '../store/store.js';
import { levelDir, metricsDir } from '../store/db.js';
import { AppError } from '../core/errors.js';
import { SecretBox } from '../lib/secret-box.js';

const MAGIC = Buffer.from('CTKX1\n');
export const EXPORT_FILE = 'store.ctkx';
export const EXPORT_MANIFEST = 'export.json';

export interface ExportManifest {
  version: 1;
  createdAt: string;
  entries: number;
  sha256: string;
  hasSecretKey: boolean;
  configFile?: string;
}

function frame(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(n, 0);
  return b;
}

/** Writes the export of `store` (and the key and config) into `outDir`. */
export async function exportAppliance(
  store: Store,
  outDir: string,
  opts: { configFile?: string | undefined; signal?: AbortSignal } = {},
): Promise<ExportManifest> {
  await mkdir(outDir, { recursive: true, mode: 0o700 });
  const hash = createHash('sha256');
  let entries = 0;
  async function* chunks(): AsyncGenerator<Buffer> {
    hash.update(MAGIC);
    yield MAGIC;
    for await (const [k, v] of store.rawEntries()) {
      opts.signal?.throwIfAborted();
      const part = Buffer.concat([frame(k.length), k, frame(v.length), v]);
      hash.update(part);
      entries += 1;
      yield part;
    }
  }
  const tmp = path.join(outDir, `${EXPORT_FILE}.tmp`);
  await pipeline(Readable.from(chunks()), createGzip(), createWriteStream(tmp, { mode: 0o600 }));
  await rename(tmp, path.join(outDir, EXPORT_FILE));
  let hasSecretKey = false;
  try {
    await copyFile(SecretBox.keyPath(store.dataDir), path.join(outDir, 'secret.key'));
    await chmod(path.join(outDir, 'secret.key'), 0o600);
    hasSecretKey = true;
  } catch {
    // No secrets stored yet on this box.
  }
  if (opts.configFile)
    await copyFile(opts.configFile, path.join(outDir, path.basename(opts.configFile)));
  const manifest: ExportManifest = {
    version: 1,
    createdAt: new Date().toISOString(),
    entries,
    sha256: hash.digest('hex'),
    hasSecretKey,
    ...(opts.configFile ? { configFile: path.basename(opts.configFile) } : {}),
  };
  await writeFile(path.join(outDir, EXPORT_MANIFEST), JSON.stringify(manifest, null, 2), {
    mode: 0o600,
  });
  return manifest;
}

/**
 * Restores an export into `dataDir` (a new box, service stopped). Refuses a data directory that
 * already holds a store unless `replace`; checks the checksum before anything is written.
 */
export async function importAppliance(
  fromDir: string,
  dataDir: string,
  opts: { replace?: boolean } = {},
): Promise<{ entries: number }> {
  const manifest = JSON.parse(
    await readFile(path.join(fromDir, EXPORT_MANIFEST), 'utf8'),
  ) as ExportManifest;
  if (manifest.version !== 1)
    throw new AppError('EXPORT_VERSION', 'This export was made by another version of Caretaker.');
  const dbs = [levelDir(dataDir), metricsDir(dataDir)];
  const existing = (await Promise.all(dbs.map((d) => readdir(d).catch(() => [])))).flat();
  if (existing.length && !opts.replace)
    throw new AppError(
      'DATA_DIR_IN_USE',
      `${dataDir} already holds a store; import into an empty data directory (or pass --replace).`,
    );
  // First pass: verify the whole file before touching anything; the second one writes.
  const file = path.join(fromDir, EXPORT_FILE);
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(file).pipe(createGunzip()))
      hash.update(chunk as Buffer);
  } catch (err) {
    throw new AppError('EXPORT_DAMAGED', 'The export cannot be read: it is damaged or cut short.', {
      cause: err,
    });
  }
  if (hash.digest('hex') !== manifest.sha256)
    throw new AppError('EXPORT_DAMAGED', 'The export does not match its checksum: it is damaged.');
  if (existing.length) for (const d of dbs) await rm(d, { recursive: true, force: true });
  if (manifest.hasSecretKey) {
    await mkdir(dataDir, { recursive: true, mode: 0o750 });
    await copyFile(path.join(fromDir, 'secret.key'), SecretBox.keyPath(dataDir));
    await chmod(SecretBox.keyPath(dataDir), 0o600);
  }
  const store = await openStore(dataDir);
  let count = 0;
  try {
    let buf: Buffer = Buffer.alloc(0);
    let started = false;
    let batch: Array<[Buffer, Buffer]> = [];
    for await (const chunk of createReadStream(file).pipe(createGunzip())) {
      buf = buf.length ? Buffer.concat([buf, chunk as Buffer]) : (chunk as Buffer);
      let o = 0;
      if (!started) {
        if (buf.length < MAGIC.length) continue;
        if (!buf.subarray(0, MAGIC.length).equals(MAGIC))
          throw new AppError('EXPORT_DAMAGED', 'This is not a Caretaker store export.');
        o = MAGIC.length;
        started = true;
      }
      for (;;) {
        if (buf.length - o < 4) break;
        const kl = buf.readUInt32BE(o);
        if (buf.length - o < 8 + kl) break;
        const vl = buf.readUInt32BE(o + 4 + kl);
        if (buf.length - o < 8 + kl + vl) break;
        const k = Buffer.from(buf.subarray(o + 4, o + 4 + kl));
        const v = Buffer.from(buf.subarray(o + 8 + kl, o + 8 + kl + vl));
        o += 8 + kl + vl;
        batch.push([k, v]);
        if (batch.length >= 1000) {
          await store.putRaw(batch);
          count += batch.length;
          batch = [];
        }
      }
      buf = buf.subarray(o);
    }
    if (batch.length) await store.putRaw(batch);
    count += batch.length;
    if (buf.length)
      throw new AppError('EXPORT_DAMAGED', 'The export ends in the middle of an entry.');
  } finally {
    await store.close();
  }
  if (count !== manifest.entries)
    throw new AppError('EXPORT_DAMAGED', 'The export holds fewer entries than it says.');
  return { entries: count };
}
