/**
 * npm run demo: the appliance on a simulated branch LAN.
 * - As root: the lab (network namespaces with real snmpd devices and simulated switch, router,
 *   printer and UPS); the appliance runs inside the lab's appliance namespace and is reached from
 *   this machine's browser over the lab's management link.
 * - Without root: a simulator-only LAN on loopback addresses (127.77.0.x, SNMP on port 16161);
 *   the appliance runs on this machine and scans only those addresses.
 * Discovery is configured (networks and SNMP credentials) and a first scan runs at start, so the
 * inventory fills within a minute. Nothing outside the lab or loopback is ever scanned.
 */
import { readFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { startLab, labSkipReason, type Lab } from './lab.js';
import { startApplianceInLab } from './appliance.js';
import { startSimulator, type Simulator } from './simulator/index.js';
import { startServiceProcess } from '../helpers/service-process.js';
import { seedDemo, seedDemoBackups, seedDemoChannels } from './demo-seed.js';
import { startDemoInbox } from './demo-inbox.js';

/** The demo webhook channel's signing secret (the inbox checks every signature with it). */
const DEMO_WEBHOOK_SECRET = 'demo-webhook-secret-not-for-real-use';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const fresh = process.argv.includes('--fresh');
const dataDir = path.resolve(process.env.CARETAKER_DATA_DIR ?? path.join(ROOT, 'data', 'demo'));
const port = Number(process.env.CARETAKER_PORT ?? 8080);

function banner(lines: string[]): void {
  const width = Math.max(...lines.map((l) => l.length));
  console.log(
    `\n  ${'─'.repeat(width)}\n${lines.map((l) => `  ${l}`).join('\n')}\n  ${'─'.repeat(width)}\n`,
  );
}

async function setupHint(url: string): Promise<string[]> {
  const code = await readFile(path.join(dataDir, 'setup-code'), 'utf8').catch(() => undefined);
  return code
    ? [
        `First boot: open ${url}/setup and enter the setup code ${code.trim()}`,
        'Then look at Devices: the first scan is already running.',
      ]
    : [`Open ${url}/login (forgot the password? npm run demo -- --fresh starts over)`];
}

async function main(): Promise<void> {
  if (fresh) await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { recursive: true });
  const cleanups: Array<() => Promise<unknown>> = [];
  let stopping = false;
  const stopAll = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping the demo…');
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stopAll());
  process.on('SIGTERM', () => void stopAll());

  // CARETAKER_DEMO_LAN=loopback picks the simulator-only LAN even as root.
  const skip =
    process.env.CARETAKER_DEMO_LAN === 'loopback'
      ? 'CARETAKER_DEMO_LAN=loopback'
      : labSkipReason(['nmap']);
  if (!skip) {
    console.log('Starting the lab (a virtual branch LAN in network namespaces)…');
    const lab: Lab = await startLab({ log: (l) => console.log(`  lab: ${l}`) });
    cleanups.push(() => lab.stop());
    process.on('exit', () => lab.stopSync());
    await seedDemo(
      dataDir,
      [lab.subnet],
      [
        { version: '2c', name: 'Default (public)', community: 'public' },
        { version: '2c', name: 'Storage', community: 'branch-ro' },
        {
          version: '3',
          name: 'Firewall (v3)',
          user: 'fwmon',
          level: 'authPriv',
          authProtocol: 'sha',
          authKey: 'lab-fw-auth-2931',
          privProtocol: 'aes',
          privKey: 'lab-fw-priv-7740',
        },
      ],
    );
    // The branch's notification receivers and the lab's cables, on the management link.
    const cables = new Map(lab.devices.map((d) => [d.name, true]));
    const inbox = await startDemoInbox({
      host: lab.appliance.hostMgmtIp,
      httpPort: 8025,
      smtpPort: 2525,
      webhookSecret: DEMO_WEBHOOK_SECRET,
      devices: () => lab.devices.map((d) => ({ name: d.name, ip: d.ip, up: cables.get(d.name)! })),
      setLink: async (name, up) => {
        await lab.setLink(name, up);
        cables.set(name, up);
      },
    });
    cleanups.push(() => inbox.stop());
    await seedDemoChannels(dataDir, { ...inbox, webhookSecret: DEMO_WEBHOOK_SECRET });
    await seedDemoBackups(dataDir);
    const app = await startApplianceInLab(lab, {
      dataDir,
      port,
      config: {
        discovery: { scanOnStart: true },
        // Quicker than the defaults, so that an unplugged device pages within a minute.
        monitor: { reachIntervalS: 10, downAfterFailures: 2 },
        incidents: { publicUrl: `http://${lab.appliance.mgmtIp}:${port}` },
      },
    });
    cleanups.push(() => app.stop());
    app.child.stdout?.pipe(process.stdout);
    banner([
      `Caretaker demo on the lab LAN ${lab.subnet} (${lab.devices.length} devices)`,
      `URL: ${app.url}`,
      ...(await setupHint(app.url)),
      `Notifications and lab cables: ${inbox.url}`,
      `HQ view: ${app.url}/api/v1/site and ${app.url}/metrics (a token: Settings → API tokens)`,
      `Data: ${dataDir}`,
      'Stop with Ctrl-C.',
    ]);
    await new Promise<void>((resolve) => app.child.once('exit', () => resolve()));
    await stopAll();
    return;
  }

  console.log(
    `The lab is not available (${skip}); using a simulator-only LAN on loopback addresses.`,
  );
  const agents = [
    {
      address: '127.77.0.21',
      profile: 'switch48' as const,
      sysName: 'sw-core',
      vendor: 'cisco' as const,
    },
    {
      address: '127.77.0.22',
      profile: 'router' as const,
      sysName: 'rt-wan',
      vendor: 'mikrotik' as const,
    },
    {
      address: '127.77.0.23',
      profile: 'printer' as const,
      sysName: 'prn-office',
      vendor: 'brother' as const,
    },
    {
      address: '127.77.0.24',
      profile: 'ups' as const,
      sysName: 'ups-rack',
      vendor: 'apc' as const,
    },
    {
      address: '127.77.0.25',
      profile: 'server' as const,
      sysName: 'srv-files',
      vendor: 'dell' as const,
    },
  ];
  const sim: Simulator = await startSimulator({
    agents: agents.map((a, i) => ({ ...a, port: 16161, community: 'public', seed: i + 1 })),
  });
  cleanups.push(() => sim.close());
  await seedDemo(
    dataDir,
    agents.map((a) => `${a.address}/32`),
    [{ version: '2c', name: 'Default (public)', community: 'public' }],
  );
  await seedDemoBackups(dataDir);
  const configFile = path.join(dataDir, 'demo-config.json');
  await writeFile(
    configFile,
    JSON.stringify({ discovery: { snmpPort: 16161, scanOnStart: true } }),
  );
  const app = await startServiceProcess({
    dataDir,
    port,
    env: { CARETAKER_CONFIG: configFile },
    logLevel: 'info',
  }).catch(async (err: unknown) => {
    await sim.close();
    throw err;
  });
  cleanups.push(() => app.stop());
  banner([
    `Caretaker demo on a simulated LAN (${agents.length} devices on loopback)`,
    `URL: ${app.url}`,
    ...(await setupHint(app.url)),
    `HQ view: ${app.url}/api/v1/site and ${app.url}/metrics (a token: Settings → API tokens)`,
    `Data: ${dataDir}`,
    'Stop with Ctrl-C.',
  ]);
  await new Promise<void>((resolve) => app.child.once('exit', () => resolve()));
  await stopAll();
}

main().catch((err: unknown) => {
  console.error(`demo: ${(err as Error).message}`);
  process.exit(1);
});
