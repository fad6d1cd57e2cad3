import net from 'node:net';
import { AppError, badRequest } from '../core/errors.js';
import { LineSplitter } from '../lib/lines.js';

/**
 * Pure half of the rsync adapter: building the argument vector from validated options, and
 * reading what rsync prints (progress, itemized changes, statistics, error lines, exit codes).
 * Nothing here spawns or touches the filesystem; src/backup/rsync.ts runs the program.
 *
 * Flag choices (all in `buildRsyncArgs`):
 * - `-a --hard-links`: archive mode (-rlptgoD) plus hard links inside the tree.
 * - `-s` (--secluded-args, formerly --protect-args): remote operands travel inside the rsync
 *   protocol, never through the remote shell, so a name with `;` or `$(...)` is only a name.
 * - `--info=progress2 --stats --out-format=%i %n`: one whole-transfer progress line (`\r`
 *   separated), one itemized line per created or changed item (unchanged files that are merely
 *   hard-linked through --link-dest print nothing), and the statistics block at the end. No `%L`:
 *   a name containing ` -> ` would make symlink lines ambiguous.
 * - rsync runs with `LC_ALL=C` (see rsync.ts): every byte outside printable ASCII in a name,
 *   including newlines and non-UTF-8 bytes, is printed as `\#ooo` (octal), so each output line is
 *   one item and `decodeRsyncName` gets the exact bytes back. Numbers come with `,` separators.
 * - Incremental recursion stays on (the default): memory stays flat on huge trees, at the price
 *   of a file total that grows while rsync is still scanning (`files.scanning` is then true).
 * - `--numeric-ids` unless turned off: the box's user table is not the source's.
 * - SSH: `-e` is one string that rsync splits on spaces itself, so it is built only from fixed
 *   words and validated absolute paths (no whitespace, quotes or backslashes): no ssh_config
 *   (`-F /dev/null`), only our key, BatchMode, pinned known-hosts file, timeouts.
 * - Daemon: `rsync://` operand plus `--contimeout`; the password only in RSYNC_PASSWORD.
 * - `--` before the operands; every option value is one `--name=value` argument.
 */

// ---------------------------------------------------------------------------------------------
// Options and argument building

export type RsyncSource =
  /** A path on the box (absolute). A trailing slash means "the contents of", as in rsync. */
  | { kind: 'local'; path: string }
  /** A remote path over SSH: `user@host:path`; needs `RsyncOptions.ssh`. */
  | { kind: 'ssh'; user?: string; host: string; path: string }
  /** An rsync daemon module: `rsync://user@host:port/module/path`; password via the environment. */
  | {
      kind: 'daemon';
      user?: string;
      host: string;
      port?: number;
      module: string;
      path?: string;
      password?: string;
    };

export interface RsyncSshOptions {
  /** Absolute path of the ssh client; default /usr/bin/ssh. */
  sshPath?: string;
  /** The box's private key (absolute path, no whitespace or quotes). */
  keyFile: string;
  /** The job's pinned host keys (absolute path, no whitespace or quotes). */
  knownHostsFile: string;
  port?: number;
  /** `yes` (default) refuses unknown and changed keys; `accept-new` pins a key on first use. */
  strictHostKeyChecking?: 'yes' | 'accept-new';
  /** Seconds; default 10. */
  connectTimeoutSec?: number;
}

export interface RsyncOptions {
  /** One or more sources of the same kind (and, when remote, the same host). */
  sources: RsyncSource[];
  /** Absolute destination path: on the box, or on `destinationHost` when that is given. */
  destination: string;
  /**
   * Push to this host over SSH instead (a restore back onto a remote source; needs `ssh`). The
   * sources must then be local.
   */
  destinationHost?: { user?: string; host: string };
  /** `--update`: files that are newer at the destination are kept (restores). */
  update?: boolean;
  /** `--mkpath`: create the destination's missing parent directories (restores). */
  mkpath?: boolean;
  /** Absolute path of the previous complete snapshot: unchanged files become hard links to it. */
  linkDest?: string;
  /** Keep uid/gid numbers instead of mapping names (default true: the box's users are not the source's). */
  numericIds?: boolean;
  acls?: boolean;
  xattrs?: boolean;
  oneFileSystem?: boolean;
  /** KiB per second (rsync's unit for a plain number). */
  bwlimitKiB?: number;
  /** Filter patterns; includes are given before excludes, so an include wins over an exclude. */
  include?: string[];
  exclude?: string[];
  /** `--delete`: only when resuming an interrupted snapshot directory that may hold stale files. */
  deleteExtraneous?: boolean;
  /** rsync's own I/O timeout (`--timeout`, seconds; exit 30 when the link stalls). */
  ioTimeoutSec?: number;
  /** Daemon connection timeout (`--contimeout`, seconds), daemon sources only; default 20. */
  daemonConnectTimeoutSec?: number;
  /** Required for SSH sources. */
  ssh?: RsyncSshOptions;
}

export const MAX_PATTERN_LENGTH = 1024;
export const MAX_PATTERNS = 1000;
const MAX_PATH_LENGTH = 4096;

const HOSTNAME_RE =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const USER_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;
const MODULE_RE = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
/** What may appear in one word of the `-e` command line: rsync splits it on spaces and quotes. */
const SSH_WORD_RE = /^[A-Za-z0-9_./@%+,:=-]+$/;
// eslint-disable-next-line no-control-regex -- these are exactly the characters refused
const LINE_BREAK_OR_NUL_RE = /[\u0000\r\n]/;

function invalid(field: string, message: string): AppError {
  return badRequest('RSYNC_INVALID_OPTION', message, { [field]: message });
}

function checkAbsolute(field: string, p: string): void {
  if (typeof p !== 'string' || !p.startsWith('/')) {
    throw invalid(field, `${field} must be an absolute path.`);
  }
  if (p.includes('\0')) throw invalid(field, `${field} must not contain a NUL byte.`);
  if (p.length > MAX_PATH_LENGTH) {
    throw invalid(field, `${field} is longer than ${MAX_PATH_LENGTH} characters.`);
  }
}

function checkHost(field: string, host: string): string {
  if (net.isIPv6(host)) return `[${host}]`;
  if (net.isIPv4(host) || HOSTNAME_RE.test(host)) return host;
  throw invalid(field, `${field} must be a host name or an IP address.`);
}

function checkPort(field: string, port: number | undefined): void {
  if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) {
    throw invalid(field, `${field} must be a port number (1–65535).`);
  }
}

function checkUser(field: string, user: string | undefined): void {
  if (user !== undefined && !USER_RE.test(user)) {
    throw invalid(field, `${field} may use letters, digits, '.', '_' and '-' only.`);
  }
}

function checkSeconds(field: string, v: number | undefined, max: number): void {
  if (v !== undefined && !(Number.isInteger(v) && v >= 1 && v <= max)) {
    throw invalid(field, `${field} must be a whole number of seconds between 1 and ${max}.`);
  }
}

/** One word for the `-e` string: rsync splits that string itself, so nothing may need quoting. */
function sshWord(field: string, w: string): string {
  if (!SSH_WORD_RE.test(w)) {
    throw invalid(
      field,
      `${field} must not contain spaces, quotes, backslashes or other special characters.`,
    );
  }
  return w;
}

function checkPatterns(field: string, list: string[] | undefined): string[] {
  const out = list ?? [];
  if (out.length > MAX_PATTERNS) throw invalid(field, `At most ${MAX_PATTERNS} ${field} patterns.`);
  for (const p of out) {
    if (typeof p !== 'string' || p.length === 0) {
      throw invalid(field, `An ${field} pattern must not be empty.`);
    }
    if (p.length > MAX_PATTERN_LENGTH) {
      throw invalid(field, `An ${field} pattern is longer than ${MAX_PATTERN_LENGTH} characters.`);
    }
    if (LINE_BREAK_OR_NUL_RE.test(p)) {
      throw invalid(field, `An ${field} pattern must not contain a line break.`);
    }
  }
  return out;
}

/** The `-e` value: words we produce from validated settings only, joined by single spaces. */
export function buildSshCommand(ssh: RsyncSshOptions): string {
  checkAbsolute('ssh.keyFile', ssh.keyFile);
  checkAbsolute('ssh.knownHostsFile', ssh.knownHostsFile);
  checkPort('ssh.port', ssh.port);
  checkSeconds('ssh.connectTimeoutSec', ssh.connectTimeoutSec, 600);
  const sshPath = ssh.sshPath ?? '/usr/bin/ssh';
  checkAbsolute('ssh.sshPath', sshPath);
  const strict = ssh.strictHostKeyChecking ?? 'yes';
  if (strict !== 'yes' && strict !== 'accept-new') {
    throw invalid('ssh.strictHostKeyChecking', 'ssh.strictHostKeyChecking is yes or accept-new.');
  }
  const words = [
    sshWord('ssh.sshPath', sshPath),
    // No user or system ssh_config: nothing on the box can add a ProxyCommand or another key.
    '-F',
    '/dev/null',
    '-i',
    sshWord('ssh.keyFile', ssh.keyFile),
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    'BatchMode=yes',
    '-o',
    `StrictHostKeyChecking=${strict}`,
    '-o',
    `UserKnownHostsFile=${sshWord('ssh.knownHostsFile', ssh.knownHostsFile)}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    `ConnectTimeout=${ssh.connectTimeoutSec ?? 10}`,
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=4',
  ];
  if (ssh.port !== undefined) words.push('-p', String(ssh.port));
  return words.join(' ');
}

function sourceOperand(s: RsyncSource, i: number): string {
  const field = `sources[${i}]`;
  switch (s.kind) {
    case 'local':
      checkAbsolute(`${field}.path`, s.path);
      return s.path;
    case 'ssh': {
      checkUser(`${field}.user`, s.user);
      const host = checkHost(`${field}.host`, s.host);
      if (typeof s.path !== 'string' || s.path.length === 0 || s.path.length > MAX_PATH_LENGTH) {
        throw invalid(`${field}.path`, `${field}.path must be a path on the remote host.`);
      }
      if (s.path.includes('\0') || s.path.startsWith('-')) {
        throw invalid(`${field}.path`, `${field}.path must not start with '-' or contain NUL.`);
      }
      return `${s.user ? `${s.user}@` : ''}${host}:${s.path}`;
    }
    case 'daemon': {
      checkUser(`${field}.user`, s.user);
      const host = checkHost(`${field}.host`, s.host);
      checkPort(`${field}.port`, s.port);
      if (!MODULE_RE.test(s.module)) {
        throw invalid(`${field}.module`, `${field}.module is not a valid rsync module name.`);
      }
      const rest = (s.path ?? '').replace(/^\/+/, '');
      if (rest.includes('\0') || rest.length > MAX_PATH_LENGTH) {
        throw invalid(`${field}.path`, `${field}.path is not a valid path in the module.`);
      }
      const port = s.port !== undefined ? `:${s.port}` : '';
      return `rsync://${s.user ? `${s.user}@` : ''}${host}${port}/${s.module}/${rest}`;
    }
    default:
      throw invalid(field, `${field} has an unknown kind.`);
  }
}

/**
 * The argument vector for one snapshot run (without the program name). Throws an input
 * AppError (RSYNC_INVALID_OPTION) for anything that could turn into an option or a shell word.
 */
export function buildRsyncArgs(opts: RsyncOptions): string[] {
  if (!Array.isArray(opts.sources) || opts.sources.length === 0) {
    throw invalid('sources', 'At least one source is needed.');
  }
  const kinds = new Set(opts.sources.map((s) => s.kind));
  if (kinds.size > 1) throw invalid('sources', 'All sources of one run must be of the same kind.');
  const kind = opts.sources[0]!.kind;
  const operands = opts.sources.map(sourceOperand);
  if (kind !== 'local') {
    const hosts = new Set(
      opts.sources.map((s) =>
        s.kind === 'local' ? '' : `${s.user ?? ''}@${s.host}:${s.kind === 'daemon' ? s.port : ''}`,
      ),
    );
    if (hosts.size > 1) throw invalid('sources', 'Remote sources of one run must share one host.');
  }
  checkAbsolute('destination', opts.destination);
  let destination = opts.destination;
  if (opts.destinationHost) {
    if (kind !== 'local')
      throw invalid('destinationHost', 'A push to a remote host takes local sources only.');
    if (opts.destination.startsWith('-') || LINE_BREAK_OR_NUL_RE.test(opts.destination))
      throw invalid('destination', 'destination must not contain a line break.');
    checkUser('destinationHost.user', opts.destinationHost.user);
    const host = checkHost('destinationHost.host', opts.destinationHost.host);
    const user = opts.destinationHost.user;
    destination = `${user ? `${user}@` : ''}${host}:${opts.destination}`;
  }
  if (
    opts.bwlimitKiB !== undefined &&
    !(Number.isInteger(opts.bwlimitKiB) && opts.bwlimitKiB >= 1 && opts.bwlimitKiB <= 100_000_000)
  ) {
    throw invalid('bwlimitKiB', 'bwlimitKiB must be a whole number of KiB/s (1 or more).');
  }
  checkSeconds('ioTimeoutSec', opts.ioTimeoutSec, 86_400);
  checkSeconds('daemonConnectTimeoutSec', opts.daemonConnectTimeoutSec, 600);
  const include = checkPatterns('include', opts.include);
  const exclude = checkPatterns('exclude', opts.exclude);

  const args = ['-a', '--hard-links', '-s', '--info=progress2', '--stats', '--out-format=%i %n'];
  if (opts.numericIds ?? true) args.push('--numeric-ids');
  if (opts.acls) args.push('--acls');
  if (opts.xattrs) args.push('--xattrs');
  if (opts.oneFileSystem) args.push('--one-file-system');
  if (opts.deleteExtraneous) args.push('--delete');
  if (opts.update) args.push('--update');
  if (opts.mkpath) args.push('--mkpath');
  if (opts.bwlimitKiB !== undefined) args.push(`--bwlimit=${opts.bwlimitKiB}`);
  if (opts.ioTimeoutSec !== undefined) args.push(`--timeout=${opts.ioTimeoutSec}`);
  if (opts.linkDest !== undefined) {
    checkAbsolute('linkDest', opts.linkDest);
    args.push(`--link-dest=${opts.linkDest}`);
  }
  for (const p of include) args.push(`--include=${p}`);
  for (const p of exclude) args.push(`--exclude=${p}`);
  if (kind === 'ssh' || opts.destinationHost) {
    if (!opts.ssh) throw invalid('ssh', 'SSH transfers need the SSH key and known-hosts settings.');
    args.push('-e', buildSshCommand(opts.ssh));
  } else if (kind === 'daemon') {
    args.push(`--contimeout=${opts.daemonConnectTimeoutSec ?? 20}`);
  }
  args.push('--', ...operands, destination);
  return args;
}

/** Extra environment for the run: the daemon password travels here, never in argv. */
export function buildRsyncEnv(opts: RsyncOptions): Record<string, string> {
  const pw = opts.sources.find(
    (s): s is Extract<RsyncSource, { kind: 'daemon' }> => s.kind === 'daemon' && !!s.password,
  )?.password;
  return pw ? { RSYNC_PASSWORD: pw } : {};
}

// ---------------------------------------------------------------------------------------------
// Names

/**
 * The bytes of a name as rsync printed it: with LC_ALL=C every unprintable byte is `\#ooo`.
 * (A literal backslash is escaped only where it is followed by `#`, which is what makes this
 * reversible.)
 */
export function decodeRsyncName(printed: string): Buffer {
  const parts: Buffer[] = [];
  let last = 0;
  for (const m of printed.matchAll(/\\#([0-7]{3})/g)) {
    parts.push(Buffer.from(printed.slice(last, m.index), 'latin1'));
    parts.push(Buffer.from([parseInt(m[1]!, 8) & 0xff]));
    last = m.index + m[0].length;
  }
  parts.push(Buffer.from(printed.slice(last), 'latin1'));
  return Buffer.concat(parts);
}

/** A name for people: the decoded bytes read as UTF-8 (invalid bytes become U+FFFD). */
export function displayRsyncName(printed: string): string {
  return decodeRsyncName(printed).toString('utf8');
}

// ---------------------------------------------------------------------------------------------
// Progress (--info=progress2)

export interface RsyncProgress {
  /** Bytes transferred so far in the whole run. */
  bytes: number;
  /** 0–100 of the size known so far (it can step back while rsync is still scanning). */
  percent: number;
  /** As rsync prints it, e.g. `12.34MB/s`. */
  rate: string;
  /** Remaining time (`h:mm:ss`) on lines printed during a file. */
  eta?: string;
  /** Elapsed time (`h:mm:ss`) on lines printed when a file is finished. */
  elapsed?: string;
  files?: {
    /** Files checked so far of `total`. */
    done: number;
    total: number;
    /** Files rsync had to transfer so far (`xfr#`). */
    transferred: number;
    /** True while incremental recursion is still finding files (`ir-chk`): total will grow. */
    scanning: boolean;
  };
}

const PROGRESS_RE =
  /^\s*(-?[\d,]+)\s+(-?\d+)%\s+(\S+)\s+(\d+:\d{2}:\d{2}|\?\?:\?\?:\?\?)(?:\s*\(xfr#(\d+), (to|ir)-chk=(\d+)\/(\d+)\))?/;

function num(s: string): number {
  return Number(s.replace(/,/g, ''));
}

function matchProgress(line: string): { progress: RsyncProgress; length: number } | undefined {
  const m = PROGRESS_RE.exec(line);
  if (!m) return undefined;
  const hasFiles = m[5] !== undefined;
  const progress: RsyncProgress = {
    bytes: Math.max(0, num(m[1]!)),
    percent: Math.min(100, Math.max(0, Number(m[2]))),
    rate: m[3]!,
  };
  if (hasFiles) {
    progress.elapsed = m[4]!;
    const remaining = Number(m[7]);
    const total = Number(m[8]);
    progress.files = {
      done: Math.max(0, total - remaining),
      total,
      transferred: Number(m[5]),
      scanning: m[6] === 'ir',
    };
  } else if (m[4] !== '??:??:??') {
    progress.eta = m[4]!;
  }
  return { progress, length: m[0].length };
}

/** One `--info=progress2` line (without its `\r`), or undefined when it is not one. */
export function parseProgress2(line: string): RsyncProgress | undefined {
  return matchProgress(line)?.progress;
}

// ---------------------------------------------------------------------------------------------
// Itemized changes (--out-format=%i %n)

export type RsyncItemType = 'file' | 'dir' | 'symlink' | 'device' | 'special';
export type RsyncItemChange = 'sent' | 'received' | 'local' | 'hardlink' | 'attributes' | 'deleted';

export interface RsyncItem {
  /** The 11-character change summary, e.g. `>f+++++++++`. */
  itemize: string;
  /** The name as rsync printed it (relative, `\#ooo`-escaped, directories end in `/`). */
  name: string;
  type: RsyncItemType;
  change: RsyncItemChange;
  /** True for a new item (all `+`). */
  created: boolean;
}

const ITEM_RE = /^([<>ch.])([fdLDS])([.+?a-zA-Z ]{9}) (.+)$/;
const DELETING_RE = /^\*deleting +(.+)$/;
const TYPES: Record<string, RsyncItemType> = {
  f: 'file',
  d: 'dir',
  L: 'symlink',
  D: 'device',
  S: 'special',
};
const CHANGES: Record<string, RsyncItemChange> = {
  '<': 'sent',
  '>': 'received',
  c: 'local',
  h: 'hardlink',
  '.': 'attributes',
};

/** One itemized line, or undefined when the line is something else. */
export function parseItemLine(line: string): RsyncItem | undefined {
  const m = ITEM_RE.exec(line);
  if (m) {
    return {
      itemize: `${m[1]}${m[2]}${m[3]}`,
      name: m[4]!,
      type: TYPES[m[2]!]!,
      change: CHANGES[m[1]!]!,
      created: m[3] === '+++++++++',
    };
  }
  const d = DELETING_RE.exec(line);
  if (d) {
    const name = d[1]!;
    return {
      itemize: '*deleting',
      name,
      type: name.endsWith('/') ? 'dir' : 'file',
      change: 'deleted',
      created: false,
    };
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Statistics (--stats)

export interface RsyncFileCounts {
  total: number;
  regular: number;
  dir: number;
  link: number;
  device: number;
  special: number;
}

export interface RsyncStats {
  files: RsyncFileCounts;
  created: RsyncFileCounts;
  deletedFiles: number;
  regularFilesTransferred: number;
  totalFileSize: number;
  totalTransferredFileSize: number;
  literalData: number;
  matchedData: number;
  fileListSize: number;
  fileListGenerationSec: number;
  fileListTransferSec: number;
  bytesSent: number;
  bytesReceived: number;
  bytesPerSec: number;
  speedup: number;
}

const STATS_LINE_RE =
  /^(?:Number of |Total file size|Total transferred file size|Total bytes |Literal data|Matched data|File list |sent [\d,.]+ bytes|total size is )/;

/** True for a line that belongs to the `--stats` block. */
export function isStatsLine(line: string): boolean {
  return STATS_LINE_RE.test(line);
}

function counts(text: string, label: string): RsyncFileCounts {
  const out: RsyncFileCounts = { total: 0, regular: 0, dir: 0, link: 0, device: 0, special: 0 };
  const m = new RegExp(`^${label}: ([\\d,]+)(?: \\(([^)]*)\\))?`, 'm').exec(text);
  if (!m) return out;
  out.total = num(m[1]!);
  const keys: Record<string, keyof RsyncFileCounts> = {
    reg: 'regular',
    dir: 'dir',
    link: 'link',
    dev: 'device',
    special: 'special',
  };
  for (const part of (m[2] ?? '').split(',')) {
    const kv = /^\s*(\w+): ([\d,]+)\s*$/.exec(part);
    const key = kv && keys[kv[1]!];
    if (key) out[key] = num(kv[2]!);
  }
  return out;
}

function field(text: string, re: RegExp): number {
  const m = re.exec(text);
  return m ? num(m[1]!) : 0;
}

/** The `--stats` block (rsync 3.1+ wording), or null when the text has none. */
export function parseStats(text: string): RsyncStats | null {
  if (!/^Number of files: /m.test(text)) return null;
  const n = /([\d,]+(?:\.\d+)?)/.source;
  const speed = new RegExp(`^sent ${n} bytes\\s+received ${n} bytes\\s+${n} bytes/sec`, 'm').exec(
    text,
  );
  return {
    files: counts(text, 'Number of files'),
    created: counts(text, 'Number of created files'),
    deletedFiles: field(text, new RegExp(`^Number of deleted files: ${n}`, 'm')),
    regularFilesTransferred: field(
      text,
      new RegExp(`^Number of regular files transferred: ${n}`, 'm'),
    ),
    totalFileSize: field(text, new RegExp(`^Total file size: ${n}`, 'm')),
    totalTransferredFileSize: field(text, new RegExp(`^Total transferred file size: ${n}`, 'm')),
    literalData: field(text, new RegExp(`^Literal data: ${n}`, 'm')),
    matchedData: field(text, new RegExp(`^Matched data: ${n}`, 'm')),
    fileListSize: field(text, new RegExp(`^File list size: ${n}`, 'm')),
    fileListGenerationSec: field(text, new RegExp(`^File list generation time: ${n}`, 'm')),
    fileListTransferSec: field(text, new RegExp(`^File list transfer time: ${n}`, 'm')),
    bytesSent: field(text, new RegExp(`^Total bytes sent: ${n}`, 'm')),
    bytesReceived: field(text, new RegExp(`^Total bytes received: ${n}`, 'm')),
    bytesPerSec: speed ? num(speed[3]!) : 0,
    speedup: field(text, new RegExp(`speedup is ${n}`, 'm')),
  };
}

// ---------------------------------------------------------------------------------------------
// Reading stdout as it arrives
//
// A run of 100,000 files prints 100,000 item lines and as many progress lines (12 MB). They are
// told apart by their first bytes, without decoding or a regular expression per line: a reader
// decodes only the lines it keeps (the progress line it shows, the names it measures, the last
// lines for the log).

const SPACE = 0x20;
const byteSet = (chars: string): Uint8Array => {
  const set = new Uint8Array(256);
  for (let i = 0; i < chars.length; i++) set[chars.charCodeAt(i)] = 1;
  return set;
};
const DIGIT = byteSet('0123456789');
const ITEM_CHANGE = byteSet('<>ch.');
const ITEM_TYPE = byteSet('fdLDS');
const ITEM_FLAG = byteSet('.+? abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ');
/** What `String.prototype.trim` removes, as far as rsync (LC_ALL=C, ASCII) can print it. */
const BLANK = byteSet(' \t\n\v\f\r');
const DELETING = Buffer.from('*deleting ', 'latin1');
const XFR = Buffer.from('(xfr#', 'latin1');

/**
 * Where the `--info=progress2` part at the start of `buf[start, end)` ends, or -1 when the line
 * does not start with one: bytes, percent, rate and time (`  1,234,567  12%  1.23MB/s  0:00:01`),
 * plus ` (xfr#N, to-chk=A/B)` when a file has just been finished. Whatever follows it was glued
 * on by rsync (an item line, with no separator).
 */
export function progressEnd(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  while (i < end && buf[i] === SPACE) i++;
  if (i < end && buf[i] === 0x2d) i++;
  let t = i;
  while (i < end && (DIGIT[buf[i]!] === 1 || buf[i] === 0x2c)) i++;
  if (i === t || i >= end || buf[i] !== SPACE) return -1;
  while (i < end && buf[i] === SPACE) i++;
  if (i < end && buf[i] === 0x2d) i++;
  t = i;
  while (i < end && DIGIT[buf[i]!] === 1) i++;
  if (i === t || i + 1 >= end || buf[i] !== 0x25 || buf[i + 1] !== SPACE) return -1;
  i++;
  while (i < end && buf[i] === SPACE) i++;
  t = i;
  while (i < end && buf[i] !== SPACE) i++;
  if (i === t || i >= end) return -1;
  while (i < end && buf[i] === SPACE) i++;
  // h:mm:ss, or ??:??:?? when rsync cannot tell
  t = i;
  let colons = 0;
  for (; i < end; i++) {
    const b = buf[i]!;
    if (b === 0x3a) colons++;
    else if (DIGIT[b] !== 1 && b !== 0x3f) break;
  }
  if (colons !== 2 || i - t < 7) return -1;
  let j = i;
  while (j < end && buf[j] === SPACE) j++;
  if (end - j > XFR.length && XFR.compare(buf, j, j + XFR.length) === 0) {
    for (let k = j + XFR.length; k < end; k++) if (buf[k] === 0x29) return k + 1;
  }
  return i;
}

/** True when `buf[start, end)` is an itemized line (`%i %n`) or a `*deleting` line. */
export function isItemAt(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start < 13) return false;
  if (buf[start] === 0x2a) {
    if (DELETING.compare(buf, start, start + DELETING.length) !== 0) return false;
    for (let i = start + DELETING.length; i < end; i++) if (buf[i] !== SPACE) return true;
    return false;
  }
  if (ITEM_CHANGE[buf[start]!] !== 1 || ITEM_TYPE[buf[start + 1]!] !== 1) return false;
  if (buf[start + 11] !== SPACE) return false;
  for (let i = start + 2; i < start + 11; i++) if (ITEM_FLAG[buf[i]!] !== 1) return false;
  return true;
}

/** Where the name of an item line found by `isItemAt` starts. */
export function itemNameStart(buf: Uint8Array, start: number, end: number): number {
  if (buf[start] !== 0x2a) return start + 12;
  let i = start + DELETING.length;
  while (i < end && buf[i] === SPACE) i++;
  return i;
}

/** The three kinds of stdout line; each gets the bytes, valid only during the call. */
export interface RsyncLineSink {
  progress(buf: Buffer, start: number, end: number): void;
  item(buf: Buffer, start: number, end: number): void;
  /** Statistics, "created directory ...", and anything else that is not blank. */
  other(buf: Buffer, start: number, end: number): void;
}

/** Sorts one line of stdout (split at `\n` and `\r`) into `sink`; a glued item is split off. */
export function readRsyncLine(buf: Buffer, start: number, end: number, sink: RsyncLineSink): void {
  let s = start;
  const p = progressEnd(buf, s, end);
  if (p >= 0) {
    sink.progress(buf, s, p);
    s = p;
  }
  let k = s;
  while (k < end && BLANK[buf[k]!] === 1) k++;
  if (k >= end) return;
  // After a progress line only the glued line counts, without the blanks before it.
  if (p >= 0) s = k;
  if (isItemAt(buf, s, end)) sink.item(buf, s, end);
  else sink.other(buf, s, end);
}

/** `readRsyncLine`'s separators, for `LineSplitter` / `runProgram`'s line mode. */
export const RSYNC_LINE_SEPARATORS: readonly number[] = [0x0a, 0x0d];

/**
 * A progress line at the very end of a chunk, not yet ended by the `\r` of the next one: when it
 * already carries the `(xfr#…)` part it is complete and can be shown now.
 */
export function isCompleteProgress(buf: Uint8Array, start: number, end: number): boolean {
  return end > start && buf[end - 1] === 0x29 && progressEnd(buf, start, end) === end;
}

export interface RsyncStreamHandlers {
  onProgress?: (p: RsyncProgress) => void;
  onItem?: (item: RsyncItem, line: string) => void;
  /** Every line that is neither progress nor an item (statistics, "created directory", ...). */
  onLine?: (line: string) => void;
}

/**
 * Reads rsync's stdout chunk by chunk into parsed objects: progress lines are separated by `\r`,
 * other lines by `\n`, and an item line can be glued to the end of a progress line. For tests and
 * small outputs; runRsync reads the bytes with `readRsyncLine` and parses only what it keeps.
 */
export class RsyncStdoutReader {
  private readonly statsLines: string[] = [];
  private readonly lines: LineSplitter;

  constructor(handlers: RsyncStreamHandlers) {
    const progress = (buf: Buffer, start: number, end: number) => {
      const p = handlers.onProgress && parseProgress2(buf.toString('latin1', start, end));
      if (p) handlers.onProgress?.(p);
    };
    const sink: RsyncLineSink = {
      progress,
      item: (buf, start, end) => {
        const line = buf.toString('utf8', start, end);
        const item = parseItemLine(line);
        if (item) handlers.onItem?.(item, line);
      },
      other: (buf, start, end) => {
        const line = buf.toString('utf8', start, end);
        if (this.statsLines.length < 64 && isStatsLine(line)) this.statsLines.push(line);
        handlers.onLine?.(line);
      },
    };
    this.lines = new LineSplitter({
      separators: RSYNC_LINE_SEPARATORS,
      onLine: (buf, start, end) => readRsyncLine(buf, start, end, sink),
      onPartial: (buf, start, end) => {
        if (isCompleteProgress(buf, start, end)) progress(buf, start, end);
      },
    });
  }

  feed(chunk: string | Buffer): void {
    this.lines.feed(typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
  }

  /** Flushes the last unterminated piece. */
  end(): void {
    this.lines.end();
  }

  /** The `--stats` lines seen so far, for `parseStats`. */
  statsText(): string {
    return this.statsLines.join('\n');
  }
}

// ---------------------------------------------------------------------------------------------
// stderr

export interface RsyncErrorLine {
  /** vanished: file has vanished; file: an operation on a named path failed; summary: the
   * closing "rsync error/warning: ... (code N)"; ssh/daemon: the transport's own words. */
  type: 'vanished' | 'file' | 'summary' | 'daemon' | 'other';
  line: string;
  /** sender, receiver, generator, Receiver, client... */
  role?: string;
  /** The path as rsync printed it (`\#ooo`-escaped, absolute for the sender). */
  path?: string;
  /** e.g. `send_files failed to open`, `link_stat`, `opendir`, `write failed on`. */
  op?: string;
  reason?: string;
  errno?: number;
  /** The exit code a summary line announces. */
  code?: number;
}

const VANISHED_RE = /^(?:rsync: (?:\[(\w+)\] )?)?file has vanished: "(.*)"$/;
const FILE_ERROR_RE = /^rsync: (?:\[(\w+)\] )?([^"]*?)\s*"(.*)"(?: failed)?: (.*?)(?: \((\d+)\))?$/;
const SUMMARY_RE = /^rsync (?:error|warning): (.*) \(code (\d+)\)/;

/** Reads one stderr line (a trailing `\r`, as ssh writes, is ignored). */
export function parseErrorLine(raw: string): RsyncErrorLine | undefined {
  const line = raw.replace(/\r+$/, '');
  if (line.trim().length === 0) return undefined;
  let m = VANISHED_RE.exec(line);
  if (m) {
    return {
      type: 'vanished',
      line,
      ...(m[1] ? { role: m[1] } : {}),
      path: m[2]!,
      reason: 'file has vanished',
    };
  }
  m = SUMMARY_RE.exec(line);
  if (m) return { type: 'summary', line, reason: m[1]!, code: Number(m[2]) };
  if (line.startsWith('@ERROR')) return { type: 'daemon', line, reason: line.slice(7).trim() };
  m = FILE_ERROR_RE.exec(line);
  if (m) {
    const out: RsyncErrorLine = { type: 'file', line, path: m[3]!, reason: m[4]! };
    if (m[1]) out.role = m[1];
    if (m[2]) out.op = m[2];
    if (m[5]) out.errno = Number(m[5]);
    return out;
  }
  return { type: 'other', line };
}

/** Every meaningful stderr line. */
export function parseErrorLines(stderr: string): RsyncErrorLine[] {
  const out: RsyncErrorLine[] = [];
  for (const raw of stderr.split('\n')) {
    const e = parseErrorLine(raw);
    if (e) out.push(e);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Exit status

export type RsyncExit =
  { status: 'ok' } | { status: 'partial'; code: 23 | 24 } | { status: 'failed'; error: AppError };

const ENOSPC = /^rsync: .*(?:No space left on device \(28\)|Disk quota exceeded \(122\))$/;

function lastMatching(lines: string[], re: RegExp): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) if (re.test(lines[i]!)) return lines[i];
  return undefined;
}

function fail(
  code: string,
  kind: 'transient' | 'auth' | 'permanent',
  message: string,
  detail: string | undefined,
): RsyncExit {
  const text = detail ? `${message} (${detail.trim()})` : message;
  return {
    status: 'failed',
    error: new AppError(code, text, { kind, status: kind === 'transient' ? 503 : 500 }),
  };
}

/** Failures of the connection (ssh or daemon socket), by what ssh and the daemon said. */
function connectionFailure(lines: string[], text: string): RsyncExit {
  if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/.test(text)) {
    return fail(
      'HOST_KEY_CHANGED',
      'permanent',
      'The SSH host key of the source has changed since it was pinned; the backup was refused. If the server was reinstalled, confirm its new key before running again.',
      lastMatching(lines, /has changed/),
    );
  }
  if (/Host key verification failed/.test(text)) {
    return fail(
      'HOST_KEY_UNKNOWN',
      'permanent',
      'The SSH host key of the source is not known to the box, and the job requires a pinned key.',
      lastMatching(lines, /host key is known|Host key verification failed/),
    );
  }
  if (/Permission denied \(/.test(text)) {
    return fail(
      'SSH_AUTH_REFUSED',
      'auth',
      "The source host refused the box's SSH key: add the box's public key to the account's authorized_keys.",
      lastMatching(lines, /Permission denied \(/),
    );
  }
  const shellMissing = lastMatching(
    lines,
    /^[\w/.-]*sh: .*(?:rsync.*not found|rsync: No such file or directory|not found: rsync)/,
  );
  if (shellMissing) {
    return fail(
      'RSYNC_REMOTE_MISSING',
      'permanent',
      'rsync is not installed on the source host (or not in its PATH).',
      shellMissing,
    );
  }
  const daemon = lastMatching(lines, /^@ERROR/);
  if (daemon && /auth failed/i.test(daemon)) {
    return fail(
      'RSYNC_AUTH_FAILED',
      'auth',
      'The rsync server refused the user name or password.',
      daemon,
    );
  }
  if (daemon && /Unknown module/i.test(daemon)) {
    return fail(
      'RSYNC_UNKNOWN_MODULE',
      'permanent',
      'The rsync server has no module of that name.',
      daemon,
    );
  }
  if (daemon && /access denied/i.test(daemon)) {
    return fail(
      'RSYNC_ACCESS_DENIED',
      'auth',
      'The rsync server does not allow this box to use the module.',
      daemon,
    );
  }
  return fail(
    'RSYNC_CONNECTION',
    'transient',
    'The source could not be reached or the connection broke.',
    daemon ??
      lastMatching(
        lines,
        /Could not resolve|Connection refused|No route to host|timed out|Network is unreachable|failed to connect|Connection reset|Broken pipe|connection unexpectedly closed/,
      ),
  );
}

/**
 * What an rsync exit means for a backup run. 23/24 are partial successes (the caller records
 * the warnings), except that a full target is a failure whatever the code; everything else is an
 * AppError with a stable code and a kind: transient (retry later), auth, or permanent.
 */
export function classifyExit(
  code: number | null,
  stderrTail: string,
  signal?: string | null,
): RsyncExit {
  const lines = stderrTail.split('\n').map((l) => l.replace(/\r+$/, ''));
  const summary = lastMatching(lines, /^rsync (?:error|warning): /);
  const full = lastMatching(lines, ENOSPC);
  if (code === 0) return { status: 'ok' };
  if (code === null) {
    return fail(
      'RSYNC_INTERRUPTED',
      'transient',
      `rsync was stopped by a signal${signal ? ` (${signal})` : ''} before it finished.`,
      undefined,
    );
  }
  if (full && (code === 11 || code === 23 || code === 12)) {
    return fail('RSYNC_TARGET_FULL', 'permanent', 'The backup target is full.', full);
  }
  switch (code) {
    case 23:
    case 24:
      return { status: 'partial', code };
    case 1:
      return fail(
        'RSYNC_USAGE',
        'permanent',
        'rsync rejected its options.',
        lastMatching(lines, /^rsync: /) ?? summary,
      );
    case 2:
      return fail(
        'RSYNC_PROTOCOL',
        'permanent',
        'The rsync versions on both ends are not compatible.',
        summary,
      );
    case 3:
      return fail(
        'RSYNC_PATHS',
        'permanent',
        'rsync could not use the source or destination directory.',
        lastMatching(lines, /^rsync: /) ?? summary,
      );
    case 4:
      return fail(
        'RSYNC_UNSUPPORTED',
        'permanent',
        'An option is not supported on one end (for example ACLs or extended attributes).',
        lastMatching(lines, /^rsync: /) ?? summary,
      );
    case 5:
    case 10:
    case 12:
    case 255:
      return connectionFailure(lines, stderrTail);
    case 11:
      return fail(
        'RSYNC_FILE_IO',
        'permanent',
        'rsync could not read or write a file.',
        lastMatching(lines, /^rsync: \[(?:receiver|generator)\]/) ??
          lastMatching(lines, /^rsync: /),
      );
    case 14:
    case 21:
      return fail(
        'RSYNC_IPC',
        'transient',
        'rsync lost contact with its own helper process.',
        summary,
      );
    case 19:
    case 20:
      return fail(
        'RSYNC_INTERRUPTED',
        'transient',
        'rsync was stopped by a signal before it finished.',
        summary,
      );
    case 22:
      return fail('RSYNC_OUT_OF_MEMORY', 'permanent', 'rsync ran out of memory.', summary);
    case 30:
    case 35:
      return fail(
        'RSYNC_TIMEOUT',
        'transient',
        'The transfer stalled and rsync gave up waiting.',
        summary,
      );
    default:
      return fail('RSYNC_FAILED', 'permanent', `rsync failed with exit code ${code}.`, summary);
  }
}
