/**
 * Discovery benchmark on the lab (needs root: network namespaces).
 * 1. A /24 with 50 live devices (real snmpd + simulated agents): time from scan start to a
 *    complete inventory, beside plain `nmap -n -sn` of the same range plus one SNMP round (a GET
 *    to every live host with the raw net-snmp client), both measured in the same run from the same
 *    namespace. Budget: under 3× that baseline, and under 15 s.
 * 2. 500 simulated agents: time and the appliance's peak RSS during the scan (bounded memory).
 * Everything runs inside the lab's appliance namespace; nothing leaves the lab.
 */
/* eslint-disable @typescript-eslint/no-explicit-any -- API answers */
import { readFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startLab, labSkipReason, type Lab } from '../lab/lab.js';
import { startApplianceInLab, ApiClient, type LabAppliance } from '../lab/appliance.js';
import { parseNmapXml } from '../../src/discovery/nmap-xml.js';
import { formatBenchTable, summarize, installSignalCleanup, type TableRow } from './lib.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CREDENTIALS = [
  { version: '2c', name: 'default', community: 'public' },
  { version: '2c', name: 'storage', community: 'branch-ro' },
  {
    version: '3',
    name: 'firewall',
    user: 'fwmon',
    level: 'authPriv',
    authProtocol: 'sha',
    authKey: 'lab-fw-auth-2931',
    privProtocol: 'aes',
    privKey: 'lab-fw-priv-7740',
  },
];

async function readStatusKiB(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(text)?.[1] ?? 0);
}

async function claimed(lab: Lab): Promise<{ app: LabAppliance; api: ApiClient }> {
  const app = await startApplianceInLab(lab, {
    config: { discovery: { snmpTimeoutMs: 700, snmpRetries: 1 } },
  });
  const api = new ApiClient(app.url);
  await api.claim((await readFile(path.join(app.dataDir, 'setup-code'), 'utf8')).trim());
  for (const c of CREDENTIALS) await api.call('POST', '/api/v1/credentials', c);
  await api.call('PUT', '/api/v1/settings/discovery', { subnets: [lab.subnet] });
  return { app, api };
}

/** Runs a scan; returns its server-side duration and the appliance's RSS samples meanwhile. */
async function scan(
  app: LabAppliance,
  api: ApiClient,
): Promise<{ ms: number; scan: any; peakRssMiB: number }> {
  const r = await api.call('POST', '/api/v1/discovery/scans');
  if (r.status !== 202) throw new Error(`scan did not start: ${JSON.stringify(r.json)}`);
  let peak = 0;
  for (;;) {
    peak = Math.max(peak, await readStatusKiB(app.child.pid!, 'VmRSS'));
    const s = (await api.call('GET', `/api/v1/discovery/scans/${r.json.scan.id}`)).json.scan;
    if (s.status !== 'running') {
      if (s.status !== 'done') throw new Error(`scan ${s.status}: ${JSON.stringify(s.error)}`);
      return {
        ms: Date.parse(s.finishedAt) - Date.parse(s.startedAt),
        scan: s,
        peakRssMiB: peak / 1024,
      };
    }
    await new Promise((x) => setTimeout(x, 100));
  }
}

async function baseline(lab: Lab): Promise<{ sweepMs: number; snmpMs: number; hosts: number }> {
  const t0 = performance.now();
  const r = await lab.exec(['nmap', '-n', '-sn', '-oX', '-', '--', lab.subnet], {
    timeoutMs: 120_000,
  });
  const sweepMs = performance.now() - t0;
  const hosts = parseNmapXml(r.stdout)
    .hosts.map((h) => h.ipv4!)
    .filter(Boolean);
  const round = await lab.exec(
    [
      process.execPath,
      '--import',
      'tsx',
      path.join(ROOT, 'tests/bench/snmp-round.ts'),
      'public',
      ...hosts,
    ],
    { timeoutMs: 120_000 },
  );
  const snmpMs = (JSON.parse(round.stdout.trim().split('\n').pop()!) as { ms: number }).ms;
  return { sweepMs, snmpMs, hosts: hosts.length };
}

async function main(): Promise<void> {
  installSignalCleanup();
  const skip = labSkipReason(['nmap']);
  console.log('Caretaker discovery benchmark');
  if (skip) {
    console.log(`  skipped: ${skip}`);
    return;
  }
  const rows: TableRow[] = [];
  const results: Record<string, unknown> = {};

  // ---- 1. 50 live devices on a /24 -------------------------------------------------------
  let lab = await startLab({ extraSimulated: 42 });
  let app: LabAppliance | undefined;
  try {
    console.log(`  lab ${lab.subnet}: ${lab.devices.length} devices; runs: ${RUNS}`);
    const c = await claimed(lab);
    app = c.app;
    const ours: number[] = [];
    const rescans: number[] = [];
    const base: number[] = [];
    const sweeps: number[] = [];
    let found = 0;
    for (let i = 0; i < RUNS; i++) {
      const b = await baseline(lab);
      base.push(b.sweepMs + b.snmpMs);
      sweeps.push(b.sweepMs);
      const s = await scan(c.app, c.api);
      (i === 0 ? ours : rescans).push(s.ms);
      found = s.scan.progress.hostsUp;
      console.log(
        `  run ${i + 1}: scan ${s.ms} ms (${s.scan.progress.hostsUp} up, ${s.scan.progress.snmpAnswered} SNMP) | nmap -sn ${b.sweepMs.toFixed(0)} ms + SNMP round ${b.snmpMs.toFixed(0)} ms (${b.hosts} hosts)`,
      );
    }
    const baseSummary = summarize(base);
    rows.push({
      figure: `first scan → complete inventory (${found} hosts)`,
      unit: 'ms',
      ours: summarize(ours),
      baseline: baseSummary,
      budget: { max: Math.min(15_000, 3 * baseSummary.median), unit: 'ms' },
    });
    if (rescans.length)
      rows.push({
        figure: 'rescan → updated inventory',
        unit: 'ms',
        ours: summarize(rescans),
        baseline: baseSummary,
        budget: { max: Math.min(15_000, 3 * baseSummary.median), unit: 'ms' },
      });
    rows.push({
      figure: 'plain nmap -n -sn of the /24 (for reference)',
      unit: 'ms',
      ours: summarize(sweeps),
    });
    results.lab50 = { ours, rescans, baseline: base, sweeps, hosts: found };
  } finally {
    await app?.stop();
    await lab.stop();
  }

  // ---- 2. 500 simulated agents ----------------------------------------------------------
  lab = await startLab({ simulated: [], extraSimulated: 500 });
  app = undefined;
  try {
    console.log(`  lab ${lab.subnet}: ${lab.devices.length} devices`);
    const c = await claimed(lab);
    app = c.app;
    const idle = (await readStatusKiB(c.app.child.pid!, 'VmRSS')) / 1024;
    const s = await scan(c.app, c.api);
    const after = (await readStatusKiB(c.app.child.pid!, 'VmRSS')) / 1024;
    const hwm = (await readStatusKiB(c.app.child.pid!, 'VmHWM')) / 1024;
    console.log(
      `  500 agents: scan ${s.ms} ms, ${s.scan.progress.hostsUp} up, ${s.scan.progress.snmpAnswered} SNMP; RSS idle ${idle.toFixed(1)} MiB, peak ${hwm.toFixed(1)} MiB, after ${after.toFixed(1)} MiB`,
    );
    rows.push({
      figure: `scan of ${s.scan.progress.hostsUp} hosts (500 simulated agents)`,
      unit: 'ms',
      ours: summarize([s.ms]),
    });
    rows.push({
      figure: 'appliance peak RSS during that scan',
      unit: 'MiB',
      ours: summarize([hwm]),
      baseline: summarize([idle]),
    });
    results.lab500 = {
      ms: s.ms,
      hostsUp: s.scan.progress.hostsUp,
      snmp: s.scan.progress.snmpAnswered,
      idleMiB: idle,
      peakMiB: hwm,
      afterMiB: after,
    };
  } finally {
    await app?.stop();
    await lab.stop();
  }

  console.log(`\n${formatBenchTable(rows)}\n`);
  console.log(
    '  - baseline for scans: plain `nmap -n -sn` of the range + one SNMP GET to each live host (raw net-snmp, 32 at a time), same namespace, same run',
  );
  console.log('  - baseline for RSS: the appliance idle before the scan');
  await mkdir(path.join(ROOT, 'tests/artifacts'), { recursive: true });
  await writeFile(
    path.join(ROOT, 'tests/artifacts/bench-discovery.json'),
    JSON.stringify(results, null, 2),
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
