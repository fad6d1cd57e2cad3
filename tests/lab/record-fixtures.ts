/**
 * Records parser fixtures from the lab (our own namespaces, so nothing is anonymised):
 *   tests/fixtures/nmap/lab-sn.xml            nmap -n -sn -oX - <lab LAN>
 *   tests/fixtures/snmp/<device>.walk         snmpwalk -On -Ob -Oe <device> .1.3.6.1.2.1 (trimmed)
 *   tests/fixtures/snmp/<device>.engine.walk  snmpwalk -On <device> 1.3.6.1.6.3.10.2.1
 *   and, with the simulator, <device>.{lldp,bridge,printer,ups}.walk of the simulated devices.
 * Run as root: npx tsx tests/lab/record-fixtures.ts
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { snmpCliAuth, type LabDevice } from './devices.js';
import { startLab, type Lab } from './lab.js';
import { labSkipReason } from './root.js';
import { REPO_ROOT } from './simulated.js';
import { capWalk, trimDeviceWalk } from './walk-trim.js';

const NMAP_DIR = path.join(REPO_ROOT, 'tests', 'fixtures', 'nmap');
const SNMP_DIR = path.join(REPO_ROOT, 'tests', 'fixtures', 'snmp');

async function walk(lab: Lab, d: LabDevice, oid: string, flags: string[]): Promise<string> {
  const args = ['snmpwalk', ...snmpCliAuth(d.snmp!), ...flags, '-t', '3', '-r', '1', d.ip, oid];
  const r = await lab.exec(args, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`${args.join(' ')}: ${r.stderr.trim() || r.code}`);
  return r.stdout;
}

async function save(dir: string, name: string, text: string): Promise<void> {
  if (!text.trim()) {
    console.log(`  (empty, not written) ${name}`);
    return;
  }
  await writeFile(path.join(dir, name), text);
  console.log(
    `  ${path.relative(REPO_ROOT, path.join(dir, name))}: ${text.split('\n').length - 1} lines`,
  );
}

const SIM_SUBTREES: Record<string, { file: string; oid: string }[]> = {
  switch48: [
    { file: 'lldp', oid: '.1.0.8802.1.1.2' },
    { file: 'bridge', oid: '.1.3.6.1.2.1.17' },
  ],
  switch24: [
    { file: 'lldp', oid: '.1.0.8802.1.1.2' },
    { file: 'bridge', oid: '.1.3.6.1.2.1.17' },
  ],
  router: [{ file: 'lldp', oid: '.1.0.8802.1.1.2' }],
  printer: [{ file: 'printer', oid: '.1.3.6.1.2.1.43' }],
  ups: [{ file: 'ups', oid: '.1.3.6.1.2.1.33' }],
};

async function main(): Promise<void> {
  const reason = labSkipReason(['nmap', 'snmpwalk']);
  if (reason) throw new Error(reason);
  await mkdir(NMAP_DIR, { recursive: true });
  await mkdir(SNMP_DIR, { recursive: true });
  const lab = await startLab({ log: (l) => console.log(l) });
  try {
    const scan = await lab.exec(['nmap', '-n', '-sn', '-oX', '-', lab.subnet], {
      timeoutMs: 120_000,
    });
    if (scan.code !== 0) throw new Error(`nmap: ${scan.stderr}`);
    await save(NMAP_DIR, 'lab-sn.xml', scan.stdout);

    for (const d of lab.devices) {
      if (!d.snmp) continue;
      const full = await walk(lab, d, '.1.3.6.1.2.1', ['-On', '-Ob', '-Oe']);
      await save(SNMP_DIR, `${d.name}.walk`, trimDeviceWalk(full));
      if (d.kind === 'snmpd') {
        await save(
          SNMP_DIR,
          `${d.name}.engine.walk`,
          await walk(lab, d, '1.3.6.1.6.3.10.2.1', ['-On']),
        );
      }
      for (const sub of (d.profile && SIM_SUBTREES[d.profile]) || []) {
        const text = await walk(lab, d, sub.oid, ['-On', '-Ob', '-Oe']);
        await save(SNMP_DIR, `${d.name}.${sub.file}.walk`, capWalk(text));
      }
    }
    for (const note of lab.notes) console.log(`note: ${note}`);
  } finally {
    await lab.stop();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exitCode = 1;
});
