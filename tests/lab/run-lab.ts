/**
 * npm run lab: starts the default lab, prints what is in it and how to use it, and tears it down
 * on Ctrl-C. Needs root.
 *   npm run lab                  the default branch office
 *   npm run lab -- --extra 200   plus 200 simulated agents (needs tests/lab/simulator)
 *   npm run lab -- --cleanup     only remove labs left behind by processes that died
 */
import { startLab, type Lab, type LabDevice } from './lab.js';
import { labSkipReason } from './root.js';
import { cleanupStaleLabs } from './state.js';

function creds(d: LabDevice): string {
  if (!d.snmp) return '-';
  if (d.snmp.version === '2c') return `v2c community ${d.snmp.community}`;
  return `v3 ${d.snmp.user} SHA "${d.snmp.authKey}" AES "${d.snmp.privKey}" (authPriv)`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => `  ${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}`.trimEnd())
    .join('\n');
}

function describeLab(lab: Lab): string {
  const ns = lab.appliance.ns;
  const named = lab.devices.filter((d) => d.ns !== `ctl-${lab.id}-sx`);
  const scale = lab.devices.length - named.length;
  const rows = [
    ['name', 'ip', 'mac', 'vendor', 'kind', 'snmp'],
    ...named.map((d) => [d.name, d.ip, d.mac, d.vendor, d.profile ?? d.kind, creds(d)]),
  ];
  const first = named.find((d) => d.snmp?.version === '2c');
  return [
    '',
    `  Caretaker lab ${lab.id}: LAN ${lab.subnet}, ready in ${lab.timings.totalMs} ms`,
    '',
    table(rows),
    scale > 0 ? `  ... and ${scale} simulated scale agents in ctl-${lab.id}-sx` : '',
    ...lab.notes.map((n) => `  note: ${n}`),
    '',
    `  Appliance namespace ${ns}: ${lab.appliance.lanIp} on br0 (LAN), ` +
      `${lab.appliance.mgmtIp} on mgmt0 (management), no default route.`,
    `  This machine reaches it at ${lab.appliance.mgmtIp} via ${lab.appliance.hostIf} ` +
      `(${lab.appliance.hostMgmtIp}).`,
    '',
    '  Run things inside the appliance namespace (never scan from the root namespace):',
    `    ip netns exec ${ns} nmap -n -sn ${lab.subnet}`,
    first?.snmp?.version === '2c'
      ? `    ip netns exec ${ns} snmpget -v2c -c ${first.snmp.community} ${first.ip} 1.3.6.1.2.1.1.5.0`
      : '',
    `    ip netns exec ${ns} env CARETAKER_HOST=${lab.appliance.mgmtIp} CARETAKER_DATA_DIR=data/lab \\`,
    `      node dist/src/cli.js serve     (npm run build first)`,
    `      then open http://${lab.appliance.mgmtIp}:8080/ here`,
    '',
    '  Ctrl-C stops the lab and removes everything it created.',
    '',
  ]
    .filter((l, i, all) => l !== '' || all[i - 1] !== '')
    .join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const reason = labSkipReason();
  if (reason) throw new Error(`cannot start the lab: ${reason}`);
  if (args.includes('--cleanup')) {
    const removed = await cleanupStaleLabs((l) => console.log(l));
    console.log(removed.length ? `removed ${removed.length} stale lab(s)` : 'no stale labs');
    return;
  }
  const extraAt = args.indexOf('--extra');
  const extra = extraAt >= 0 ? Number(args[extraAt + 1]) : 0;
  if (!Number.isInteger(extra) || extra < 0 || extra > 1000) {
    throw new Error('--extra takes a number of agents from 0 to 1000');
  }

  const state: { lab?: Lab } = {};
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    console.log(`\n  ${signal}: stopping the lab ...`);
    if (!state.lab) return; // still starting: main() stops it as soon as startLab returns
    void state.lab.stop().then(() => {
      console.log('  lab stopped, everything removed.');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGHUP', () => stop('SIGHUP'));
  // Last resort (an exception, process.exit elsewhere): synchronous, no grace period.
  process.on('exit', () => state.lab?.stopSync());

  const lab = await startLab({ extraSimulated: extra, log: (l) => console.error(`  ${l}`) });
  state.lab = lab;
  if (stopping) {
    await lab.stop();
    process.exit(0);
  }
  console.log(describeLab(lab));
  // Keep the process alive until a signal arrives.
  setInterval(() => undefined, 1 << 30);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
