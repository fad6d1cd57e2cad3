/**
 * Source trees for the backup benchmark, generated into a temporary directory from a seed: the
 * same seed gives the same names, sizes, contents and mtimes on every machine. Two shapes:
 *  - mixed: 3,000+ files totalling 200 MiB in nested directories, many small files, a few hundred
 *    medium ones and some of several MiB;
 *  - small: 100,000 files of 64 B to 4 KiB in 500 directories.
 * `mutateTree` rewrites a fraction of the files in place (same size, new content, a later mtime),
 * the "1% of files changed" of an incremental run, and reports what it changed.
 */
import {
  closeSync,
  lstatSync,
  mkdirSync,
  openSync,
  utimesSync,
  writeSync,
  type Stats,
} from 'node:fs';
import path from 'node:path';

const MiB = 1024 * 1024;
/** Every generated file carries this mtime; mutations move it forward by whole hours. */
const BASE_MTIME_S = Date.UTC(2026, 0, 1) / 1000;

/** mulberry32: a small, fast, seedable PRNG (32-bit state), good enough to pick sizes and names. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A log-uniform integer in [lo, hi]: many values near lo, a few near hi. */
function logUniform(rand: () => number, lo: number, hi: number): number {
  return Math.round(Math.exp(Math.log(lo) + rand() * (Math.log(hi) - Math.log(lo))));
}

/** `size` bytes of xorshift32 output seeded by `seed` (incompressible, distinct per seed). */
function content(buf: Buffer, size: number, seed: number): Buffer {
  const words = new Uint32Array(buf.buffer, buf.byteOffset, Math.ceil(size / 4));
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  return buf.subarray(0, size);
}

export interface TreeFile {
  /** Relative to the tree's root, with `/`. */
  rel: string;
  size: number;
  /** The content seed (changes when the file is mutated). */
  seed: number;
}

export interface Tree {
  kind: 'mixed' | 'small';
  root: string;
  dirs: string[];
  files: TreeFile[];
  totalBytes: number;
}

export interface TreeSpec {
  kind: 'mixed' | 'small';
  /** Multiplies file counts (and the mixed tree's bytes): 1 is the size. */
  scale: number;
  seed: number;
}

const EXT = ['.txt', '.odt', '.pdf', '.jpg', '.xlsx', '.log', '.csv', '.bin', '.eml', '.docx'];
const WORDS = ['report', 'invoice', 'photo', 'scan', 'notes', 'budget', 'minutes', 'draft'];

function plan(spec: TreeSpec): { dirs: string[]; files: TreeFile[] } {
  const rand = prng(spec.seed);
  const dirs: string[] = [];
  const leafDirs: string[] = [];
  const files: TreeFile[] = [];
  const name = (i: number) =>
    `${WORDS[Math.floor(rand() * WORDS.length)]}-${String(i).padStart(6, '0')}${EXT[Math.floor(rand() * EXT.length)]}`;
  if (spec.kind === 'mixed') {
    // 8 top directories, 6 below each, 4 below those: 248 directories, up to 3 levels deep.
    for (let a = 0; a < 8; a++) {
      const da = `dept-${a}`;
      dirs.push(da);
      leafDirs.push(da);
      for (let b = 0; b < 6; b++) {
        const db = `${da}/project ${b}`;
        dirs.push(db);
        leafDirs.push(db);
        for (let c = 0; c < 4; c++) {
          const dc = `${db}/year-${2020 + c}`;
          dirs.push(dc);
          leafDirs.push(dc);
        }
      }
    }
    leafDirs.push('');
    const count = Math.max(30, Math.round(3200 * spec.scale));
    const totalTarget = Math.round(200 * MiB * spec.scale);
    const large = Math.max(1, Math.round(count / 80)); // 40 of 3,200
    const medium = Math.round(count * 0.175); // 560
    const sizes: number[] = [];
    for (let i = 0; i < count - large - medium; i++) sizes.push(logUniform(rand, 200, 32 * 1024));
    for (let i = 0; i < medium; i++) sizes.push(logUniform(rand, 32 * 1024, 512 * 1024));
    const used = sizes.reduce((s, v) => s + v, 0);
    // The large files take what is left of the 200 MiB, unevenly (weights 1..3).
    const weights = Array.from({ length: large }, () => 1 + 2 * rand());
    const wsum = weights.reduce((s, v) => s + v, 0);
    const rest = Math.max(large * MiB, totalTarget - used);
    let given = 0;
    weights.forEach((w, i) => {
      const size = i === large - 1 ? rest - given : Math.floor((rest * w) / wsum);
      given += size;
      sizes.push(size);
    });
    // Shuffle so that large files land anywhere.
    for (let i = sizes.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [sizes[i], sizes[j]] = [sizes[j]!, sizes[i]!];
    }
    sizes.forEach((size, i) => {
      const dir = leafDirs[Math.floor(rand() * leafDirs.length)]!;
      files.push({ rel: dir ? `${dir}/${name(i)}` : name(i), size, seed: spec.seed * 7919 + i });
    });
  } else {
    // 20 × 25 = 500 directories of about 200 files each.
    for (let a = 0; a < 20; a++) {
      dirs.push(`home-${a}`);
      for (let b = 0; b < 25; b++) {
        const d = `home-${a}/mail-${b}`;
        dirs.push(d);
        leafDirs.push(d);
      }
    }
    const count = Math.max(500, Math.round(100_000 * spec.scale));
    for (let i = 0; i < count; i++) {
      const dir = leafDirs[i % leafDirs.length]!;
      files.push({
        rel: `${dir}/${name(i)}`,
        size: logUniform(rand, 64, 4096),
        seed: spec.seed * 7919 + i,
      });
    }
  }
  return { dirs, files };
}

function writeFileContent(root: string, f: TreeFile, buf: Buffer, mtimeS: number): void {
  const p = path.join(root, f.rel);
  const fd = openSync(p, 'w', 0o644);
  try {
    const data = content(buf, f.size, f.seed);
    let off = 0;
    while (off < data.length) off += writeSync(fd, data, off, data.length - off);
  } finally {
    closeSync(fd);
  }
  utimesSync(p, mtimeS, mtimeS);
}

/** Writes the tree into `root` (created; must not exist yet). Synchronous calls: it is setup. */
export function generateTree(root: string, spec: TreeSpec): Tree {
  const { dirs, files } = plan(spec);
  mkdirSync(root, { mode: 0o755 });
  for (const d of dirs) mkdirSync(path.join(root, d), { recursive: true, mode: 0o755 });
  const maxSize = files.reduce((m, f) => Math.max(m, f.size), 0);
  const buf = Buffer.alloc(Math.ceil(maxSize / 4) * 4);
  for (const f of files) writeFileContent(root, f, buf, BASE_MTIME_S);
  // Directory mtimes too, so that both sides of every run start from the same tree.
  for (const d of ['', ...dirs]) utimesSync(path.join(root, d), BASE_MTIME_S, BASE_MTIME_S);
  return {
    kind: spec.kind,
    root,
    dirs,
    files,
    totalBytes: files.reduce((s, f) => s + f.size, 0),
  };
}

export interface Mutation {
  files: number;
  /** Sum of the changed files' sizes. */
  bytes: number;
  /** Sum of the changed files' allocated blocks (st_blocks × 512) after the change. */
  allocatedBytes: number;
}

/**
 * Rewrites round(fraction × files) distinct files, picked from `seed`, with new content of the
 * same size and an mtime `round` hours after the generated one (so rsync's size+mtime check sees
 * every one of them, and nothing else). Directory mtimes are left as generated.
 */
export function mutateTree(tree: Tree, fraction: number, seed: number, round: number): Mutation {
  const rand = prng(seed);
  const n = Math.max(1, Math.round(tree.files.length * fraction));
  const picked = new Set<number>();
  while (picked.size < n) picked.add(Math.floor(rand() * tree.files.length));
  const maxSize = [...picked].reduce((m, i) => Math.max(m, tree.files[i]!.size), 0);
  const buf = Buffer.alloc(Math.ceil(maxSize / 4) * 4);
  const mtime = BASE_MTIME_S + round * 3600;
  let bytes = 0;
  let allocatedBytes = 0;
  for (const i of picked) {
    const f = tree.files[i]!;
    f.seed = (f.seed * 31 + seed + 1) >>> 0;
    writeFileContent(tree.root, f, buf, mtime);
    const st: Stats = lstatSync(path.join(tree.root, f.rel));
    bytes += st.size;
    allocatedBytes += st.blocks * 512;
  }
  // Parent directories keep their mtime: rewriting in place does not change them, but be sure.
  for (const d of ['', ...tree.dirs])
    utimesSync(path.join(tree.root, d), BASE_MTIME_S, BASE_MTIME_S);
  return { files: n, bytes, allocatedBytes };
}
