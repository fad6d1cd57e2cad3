import { runProgram } from '../lib/spawn.js';
import { AppError } from '../core/errors.js';
import { parseNmapXml, lastProgressPercent, type NmapRun } from './nmap-xml.js';
import type { Cidr } from './targets.js';

export interface NmapOptions {
  /** Path of the nmap binary (config: discovery.nmapPath). */
  nmapPath: string;
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  onProgress?: (percent: number) => void;
}

/**
 * The only place nmap is spawned. Targets are validated networks (never raw user text), `-n`
 * always (no reverse DNS), XML on stdout, and a `--` before the operands.
 */
async function runNmap(args: string[], targets: string[], opts: NmapOptions): Promise<NmapRun> {
  const full = ['-n', '-oX', '-', '--stats-every', '2s', ...args, '--', ...targets];
  const result = await runProgram(opts.nmapPath, full, {
    timeoutMs: opts.timeoutMs,
    signal: opts.signal,
    onStdout: (chunk) => {
      const p = lastProgressPercent(chunk);
      if (p !== undefined) opts.onProgress?.(p);
    },
  });
  if (result.code !== 0) {
    const why = result.stderr.trim().split('\n').slice(-3).join(' ') || `exit code ${result.code}`;
    throw new AppError('NMAP_FAILED', `nmap failed: ${why}`, {
      kind: /privilege|permission|raw socket/i.test(why) ? 'auth' : 'permanent',
    });
  }
  return parseNmapXml(result.stdout);
}

/** Host discovery (`-sn`): which addresses are up, with MAC and vendor when on-link. */
export function pingSweep(targets: Cidr[], exclude: Cidr[], opts: NmapOptions): Promise<NmapRun> {
  const args = ['-sn', '-T4', '--max-retries', '2'];
  if (exclude.length) args.push('--exclude', exclude.map((c) => c.text).join(','));
  return runNmap(
    args,
    targets.map((t) => t.text),
    opts,
  );
}

/** Service scan of known live hosts: top TCP ports with version detection (slower, optional). */
export function serviceScan(
  addresses: string[],
  opts: NmapOptions & { topPorts: number },
): Promise<NmapRun> {
  return runNmap(
    ['-Pn', '-sV', '--version-light', '--top-ports', String(opts.topPorts), '-T4'],
    addresses,
    opts,
  );
}
