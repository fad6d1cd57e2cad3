import { describe, it, expect, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import vm from 'node:vm';
import { tempDir } from '../helpers/temp-dir.js';
import { configSchema } from '../../src/config/schema.js';
import { MOUNT_OPTIONS } from '../../src/backup/targets.js';
import { SERVICE_ENV } from '../lab/service-env.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const UNIT_FILE = path.join(ROOT, 'system', 'caretaker.service');
const SYSUSERS_FILE = path.join(ROOT, 'system', 'caretaker.sysusers');
const INSTALL_SCRIPT = path.join(ROOT, 'system', 'install.sh');
const INSTALL_PREFIX = '/opt/caretaker';
const NODE_ON_THE_BOX = '/usr/bin/node';

function findProgram(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  return [...dirs, '/usr/bin', '/bin'].map((d) => path.join(d, name)).find((p) => existsSync(p));
}
const SYSTEMD_ANALYZE = findProgram('systemd-analyze');
const SYSTEMD_SYSUSERS = findProgram('systemd-sysusers');
/** The reason shows in the test name when a test is skipped. */
const needs = (program: string | undefined, name: string) =>
  program ? '' : ` (skipped: ${name} is not installed)`;

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program with an argument array (no shell); rejects only if it cannot be started. */
function run(file: string, args: string[], input?: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      signal: AbortSignal.timeout(20_000),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
    // A program that exits without reading its input must not turn into an EPIPE crash.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** The unit's settings as [section, key, value] in file order (a key may repeat). */
function parseUnit(text: string): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq > 0) out.push([section, line.slice(0, eq).trim(), line.slice(eq + 1).trim()]);
  }
  return out;
}

const unitText = readFileSync(UNIT_FILE, 'utf8');
const settings = parseUnit(unitText);
const all = (section: string, key: string) =>
  settings.filter(([s, k]) => s === section && k === key).map(([, , v]) => v);
const one = (section: string, key: string) => {
  const values = all(section, key);
  expect(values, `${key}= in [${section}]`).toHaveLength(1);
  return values[0]!;
};
const words = (section: string, key: string) => all(section, key).flatMap((v) => v.split(/\s+/));

/** Quotes one ExecStart= argument for systemd (spaces, quotes, specifiers, variables). */
function execArg(arg: string): string {
  if (/^[\w/.+-]+$/.test(arg)) return arg;
  return `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%').replace(/\$/g, '$$$$')}"`;
}

const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  await Promise.all(cleanups.map((c) => c()));
});
async function scratch(): Promise<string> {
  const { dir, cleanup } = await tempDir('caretaker-systemd-');
  cleanups.push(cleanup);
  return dir;
}

/**
 * The unit as a CI machine can verify it. systemd-analyze verify (checked with systemd 252) only
 * checks that the program of ExecStart= exists; it does not look up User= or the script argument.
 * On the box node is /usr/bin/node, on a CI machine it may be elsewhere, so that path becomes this
 * very node, and the install prefix becomes this checkout. Nothing else changes.
 */
/** `npm start` as words: the environment it sets (NAME=value), `node`, then flags and script. */
function startWords(): { env: string[]; args: string[] } {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  const words = pkg.scripts.start.split(/\s+/);
  const node = words.indexOf('node');
  expect(node).toBeGreaterThanOrEqual(0);
  const env = words.slice(0, node);
  for (const w of env) expect(w).toMatch(/^[A-Z_][A-Z0-9_]*=\S+$/);
  return { env, args: words.slice(node + 1) };
}

/** The node flags of `npm start` (between `node` and the script). */
function nodeFlags(): string[] {
  return startWords().args.filter((w) => w.startsWith('--'));
}

async function unitForThisMachine(text: string): Promise<string> {
  const script = one('Service', 'ExecStart')
    .split(/\s+/)
    .find((a) => a.endsWith('.js'))!;
  const local = path.join(ROOT, path.relative(INSTALL_PREFIX, script));
  let rewritten = 0;
  const out = text
    .split('\n')
    .map((line) => {
      if (!line.startsWith('ExecStart=')) return line;
      rewritten += 1;
      return `ExecStart=${execArg(process.execPath)} ${nodeFlags().join(' ')} ${execArg(local)} serve`;
    })
    .join('\n');
  expect(rewritten).toBe(1);
  const dir = await scratch();
  const file = path.join(dir, 'caretaker.service');
  await writeFile(file, out);
  return file;
}

describe('system/caretaker.service', () => {
  it('runs the built CLI from /opt/caretaker with the node of the box', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      bin: { caretaker: string };
    };
    // The same node flags as `npm start`, so the bench measures what the box runs.
    expect(one('Service', 'ExecStart')).toBe(
      [NODE_ON_THE_BOX, ...nodeFlags(), `${INSTALL_PREFIX}/${pkg.bin.caretaker}`, 'serve'].join(
        ' ',
      ),
    );
    expect(pkg.bin.caretaker).toBe('dist/src/cli.js');
    expect(existsSync(path.join(ROOT, 'src', 'cli.ts'))).toBe(true);
  });

  it('runs as the caretaker user with exactly the network capabilities nmap needs', () => {
    expect(one('Service', 'User')).toBe('caretaker');
    expect(all('Service', 'DynamicUser')).toEqual([]);
    expect(one('Service', 'NoNewPrivileges')).toBe('yes');
    const ambient = words('Service', 'AmbientCapabilities').sort();
    expect(ambient).toEqual(['CAP_NET_ADMIN', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW']);
    // An ambient capability outside the bounding set is silently dropped.
    expect(words('Service', 'CapabilityBoundingSet').sort()).toEqual(ambient);
    expect(words('Service', 'RestrictAddressFamilies')).toEqual(
      expect.arrayContaining(['AF_INET', 'AF_INET6', 'AF_NETLINK', 'AF_PACKET', 'AF_UNIX']),
    );
    // V8's JIT needs writable and executable memory.
    expect(all('Service', 'MemoryDenyWriteExecute')).not.toContain('yes');
  });

  it('sets the environment npm start, the lab appliance and the benchmarks use', () => {
    const service = Object.entries(SERVICE_ENV).map(([k, v]) => `${k}=${v}`);
    expect(service).toContain('MALLOC_ARENA_MAX=1');
    for (const kv of service) expect(all('Service', 'Environment')).toContain(kv);
    // everything but the box's own settings (CARETAKER_*, NMAP_PRIVILEGED) is in SERVICE_ENV
    const others = all('Service', 'Environment').filter(
      (kv) => !/^(CARETAKER_|NMAP_PRIVILEGED=)/.test(kv),
    );
    expect(others.sort()).toEqual([...service].sort());
    expect(startWords().env.sort()).toEqual([...service].sort());
  });

  it('keeps the file system read-only except for its own data directory', () => {
    expect(one('Service', 'ProtectSystem')).toBe('strict');
    expect(one('Service', 'ProtectHome')).toBe('read-only');
    expect(one('Service', 'PrivateTmp')).toBe('yes');
    expect(one('Service', 'StateDirectory')).toBe('caretaker');
    expect(all('Service', 'Environment')).toContain('CARETAKER_DATA_DIR=/var/lib/caretaker');
    // A CARETAKER_CONFIG naming a missing file stops the service; it is added by a drop-in.
    expect(all('Service', 'Environment').join(' ')).not.toContain('CARETAKER_CONFIG');
  });

  it('does not restart on a configuration error and outlasts the service shutdown', () => {
    expect(one('Service', 'Restart')).toBe('on-failure');
    expect(words('Service', 'RestartPreventExitStatus')).toContain('78');
    expect(one('Service', 'KillMode')).toBe('mixed');
    // The service needs up to 5 s (HTTP grace) + 10 s (jobs deadline) to stop cleanly.
    const stop = /^(\d+)s$/.exec(one('Service', 'TimeoutStopSec'));
    expect(stop, 'TimeoutStopSec in seconds, like 20s').not.toBeNull();
    expect(Number(stop![1])).toBeGreaterThan(15);
  });

  it.skipIf(!SYSTEMD_ANALYZE)(
    'passes systemd-analyze verify without a single message' +
      needs(SYSTEMD_ANALYZE, 'systemd-analyze'),
    async () => {
      const file = await unitForThisMachine(unitText);
      const result = await run(SYSTEMD_ANALYZE!, ['verify', file]);
      expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    },
  );

  it.skipIf(!SYSTEMD_ANALYZE)(
    'would report a mistake, so the silence above means something' +
      needs(SYSTEMD_ANALYZE, 'systemd-analyze'),
    async () => {
      const broken = unitText.replace('\nUMask=', '\nUMsk=');
      expect(broken).not.toBe(unitText);
      const file = await unitForThisMachine(broken);
      const result = await run(SYSTEMD_ANALYZE!, ['verify', file]);
      expect(result.stdout + result.stderr).toContain('UMsk');
    },
  );
});

describe('system/caretaker.sysusers', () => {
  it.skipIf(!SYSTEMD_SYSUSERS)(
    'creates the caretaker user with the data directory as home and no login shell' +
      needs(SYSTEMD_SYSUSERS, 'systemd-sysusers'),
    async () => {
      // --root keeps it away from this machine's /etc/passwd.
      const root = await scratch();
      await mkdir(path.join(root, 'etc'));
      const result = await run(
        SYSTEMD_SYSUSERS!,
        [`--root=${root}`, '-'],
        await readFile(SYSUSERS_FILE, 'utf8'),
      );
      expect(result.code, result.stderr).toBe(0);
      const passwd = await readFile(path.join(root, 'etc', 'passwd'), 'utf8');
      const entry = passwd
        .split('\n')
        .map((l) => l.split(':'))
        .find((f) => f[0] === 'caretaker');
      expect(entry, passwd).toBeDefined();
      const [, , uid, , , home, shell] = entry!;
      expect(Number(uid)).toBeGreaterThan(0);
      expect(home).toBe(`/var/lib/${one('Service', 'StateDirectory')}`);
      expect(shell).toMatch(/\/nologin$/);
      const group = await readFile(path.join(root, 'etc', 'group'), 'utf8');
      expect(group).toMatch(/^caretaker:/m);
    },
  );
});

describe('system/install.sh', () => {
  it('is valid bash that stops at the first error', async () => {
    const result = await run('bash', ['-n', INSTALL_SCRIPT]);
    expect(result).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(await readFile(INSTALL_SCRIPT, 'utf8')).toMatch(/^set -euo pipefail$/m);
  });
});

describe('system/caretaker-mount@.service and its polkit rule', () => {
  const MOUNT_UNIT = path.join(ROOT, 'system', 'caretaker-mount@.service');
  const RULES = path.join(ROOT, 'system', 'caretaker-mount.rules');
  const mountSettings = parseUnit(readFileSync(MOUNT_UNIT, 'utf8'));
  const get = (key: string) =>
    mountSettings.filter(([s, k]) => s === 'Service' && k === key).map(([, , v]) => v);

  it('mounts exactly UUID=%i at <mountRoot>/%i, safely, and only a filesystem udev knows', () => {
    const root = configSchema.parse({}).backup.mountRoot;
    expect(get('ExecStart')).toEqual([`/usr/bin/mount -o ${MOUNT_OPTIONS} -- UUID=%i ${root}/%i`]);
    expect(get('ExecStartPre')[0]).toBe('/usr/bin/test -L /dev/disk/by-uuid/%i');
    expect(get('ExecStartPost')).toContain(`/usr/bin/chown caretaker:caretaker ${root}/%i`);
    // Every start mounts again (a re-plugged disk), instead of staying "active" once.
    expect(get('RemainAfterExit')).toEqual([]);
    // The service may write there (and only there, besides its data directory).
    expect(all('Service', 'ReadWritePaths')).toEqual([`-${root}`]);
    expect(readFileSync(INSTALL_SCRIPT, 'utf8')).toContain('caretaker-mount.rules');
  });

  it.skipIf(!SYSTEMD_ANALYZE)(
    'passes systemd-analyze verify as an instance' + needs(SYSTEMD_ANALYZE, 'systemd-analyze'),
    async () => {
      const dir = await scratch();
      const file = path.join(dir, 'caretaker-mount@.service');
      await writeFile(file, await readFile(MOUNT_UNIT, 'utf8'));
      const result = await run(SYSTEMD_ANALYZE!, [
        'verify',
        `${file.replace(/@\.service$/, '@')}1A2B-3C4D.service`,
      ]);
      // verify names the instance it loads; nothing else may be said.
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect((result.stdout + result.stderr).replace(/.*Unit .* not found.*\n?/g, '')).toBe('');
    },
  );

  /** The rule file run as polkit runs it: one function registered with addRule. */
  function loadRule(): (action: unknown, subject: unknown) => string | undefined {
    const rules: Array<(a: unknown, s: unknown) => string | undefined> = [];
    const polkit = {
      Result: { YES: 'yes', NO: 'no', NOT_HANDLED: undefined },
      addRule: (f: (a: unknown, s: unknown) => string | undefined) => rules.push(f),
    };
    vm.runInNewContext(readFileSync(RULES, 'utf8'), { polkit });
    expect(rules).toHaveLength(1);
    return rules[0]!;
  }
  const action = (id: string, details: Record<string, string>) => ({
    id,
    lookup: (k: string) => details[k],
  });

  it('lets the caretaker user start a mount unit for a UUID, and nothing else', () => {
    const rule = loadRule();
    const manage = 'org.freedesktop.systemd1.manage-units';
    const start = (unit: string, user = 'caretaker', verb = 'start') =>
      rule(action(manage, { unit, verb }), { user });
    expect(start('caretaker-mount@0a1b2c3d-1111-2222-3333-444455556666.service')).toBe('yes');
    expect(start('caretaker-mount@1A2B-3C4D.service')).toBe('yes');
    expect(start('caretaker-mount@0123456789ABCDEF.service')).toBe('yes');
    // Other users, other verbs, other units, odd instances: not this rule's business.
    expect(start('caretaker-mount@1A2B-3C4D.service', 'www-data')).toBeUndefined();
    expect(start('caretaker-mount@1A2B-3C4D.service', 'caretaker', 'stop')).toBeUndefined();
    expect(start('caretaker.service')).toBeUndefined();
    expect(start('ssh.service')).toBeUndefined();
    expect(start('caretaker-mount@...service')).toBeUndefined();
    expect(start('caretaker-mount@1A2B-3C4D.service\nx')).toBeUndefined();
    expect(start('x-caretaker-mount@1A2B-3C4D.service')).toBeUndefined();
    expect(
      rule(action('org.freedesktop.login1.reboot', {}), { user: 'caretaker' }),
    ).toBeUndefined();
  });
});
