/**
 * Builds and removes the lab's namespaces and links with `ip -batch` (one `ip` process per
 * namespace, not one per command: a 500-agent lab is built in well under a second).
 *
 *   root ns ── ctl-<id>-mgmt ⇄ mgmt0 ── appliance ns (ctl-<id>-app, br0 = LAN, no default route)
 *                                          ├─ d1 ⇄ eth0  device ns ctl-<id>-d1
 *                                          ├─ d2 ⇄ eth0  device ns ctl-<id>-d2 ...
 *                                          └─ sx ⇄ eth0  scale ns ctl-<id>-sx (macvlan m1..mN, one
 *                                                         MAC and address per scale agent)
 */
import { existsSync } from 'node:fs';
import { LabError, mapLimit, run, runOk } from './proc.js';

export interface NetDevice {
  /** Namespace of its own (named devices) or the shared scale namespace. */
  ns: string;
  ip: string;
  mac: string;
  /** The interface holding the address inside `ns`: eth0, or m<N> in the scale namespace. */
  ifname: string;
  /** The bridge port in the appliance namespace that leads to it. */
  bridgePort: string;
}

export interface NetPlan {
  id: string;
  appNs: string;
  hostIf: string;
  hostMgmtIp: string;
  mgmtIp: string;
  lanIp: string;
  lanPrefix: number;
  appMac: string;
  /** Named devices (one namespace each). */
  devices: NetDevice[];
  /** Scale agents (all in `scaleNs`). */
  scale: NetDevice[];
  scaleNs?: string;
}

export function nsPrefix(id: string): string {
  return `ctl-${id}-`;
}

async function ipBatch(lines: string[], ns?: string, timeoutMs = 30_000): Promise<void> {
  if (lines.length === 0) return;
  const args = ns ? ['-n', ns, '-batch', '-'] : ['-batch', '-'];
  await runOk('ip', args, { input: `${lines.join('\n')}\n`, timeoutMs });
}

async function sysctl(ns: string, settings: Record<string, string | number>): Promise<void> {
  const pairs = Object.entries(settings).map(([k, v]) => `${k}=${v}`);
  await runOk('ip', ['netns', 'exec', ns, 'sysctl', '-q', '-w', ...pairs]);
}

/** Every namespace the plan creates (the appliance namespace first). */
export function planNamespaces(plan: NetPlan): string[] {
  const names = [plan.appNs, ...new Set(plan.devices.map((d) => d.ns))];
  if (plan.scaleNs) names.push(plan.scaleNs);
  return names;
}

/** Namespaces that exist now with this lab's prefix. */
export async function existingNamespaces(id: string): Promise<string[]> {
  const out = await runOk('ip', ['netns', 'list']);
  return out
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter((n) => n.startsWith(nsPrefix(id)));
}

/**
 * Creates everything. `created` is called before each resource is made, so the caller can undo a
 * half-built lab; names carry the run's random id and were checked to be unused, so removing them
 * can never touch anything that is not ours.
 */
export async function buildNetwork(
  plan: NetPlan,
  created: { namespace: (ns: string) => void; rootInterface: (name: string) => void },
): Promise<void> {
  const namespaces = planNamespaces(plan);
  if ((await existingNamespaces(plan.id)).length > 0) {
    throw new LabError(`namespaces ${nsPrefix(plan.id)}* exist already`);
  }
  for (const ns of namespaces) created.namespace(ns);
  await ipBatch(namespaces.map((ns) => `netns add ${ns}`));

  // Management link: the only thing the lab adds to the root namespace. IPv6 is off on the root
  // end before it comes up, so the root namespace gains exactly one IPv4 /30 and nothing else.
  created.rootInterface(plan.hostIf);
  await ipBatch([`link add ${plan.hostIf} type veth peer name mgmt0 netns ${plan.appNs}`]);
  if (existsSync('/proc/sys/net/ipv6')) {
    await runOk('sysctl', ['-q', '-w', `net.ipv6.conf.${plan.hostIf}.disable_ipv6=1`]);
  }
  await ipBatch([
    `addr add ${plan.hostMgmtIp}/30 dev ${plan.hostIf}`,
    `link set ${plan.hostIf} up`,
  ]);

  // Appliance namespace: it never forwards (the runner must not reach the LAN through it).
  await sysctl(plan.appNs, { 'net.ipv4.ip_forward': 0, 'net.ipv6.conf.all.forwarding': 0 });
  const app = [
    'link set lo up',
    'link add br0 type bridge stp_state 0 forward_delay 0',
    `link set br0 address ${plan.appMac}`,
    `addr add ${plan.lanIp}/${plan.lanPrefix} dev br0`,
    'link set br0 up',
    `addr add ${plan.mgmtIp}/30 dev mgmt0`,
    'link set mgmt0 up',
  ];
  for (const d of plan.devices) {
    app.push(`link add ${d.bridgePort} type veth peer name eth0 address ${d.mac} netns ${d.ns}`);
    app.push(`link set ${d.bridgePort} master br0 up`);
  }
  if (plan.scaleNs) {
    app.push(`link add sx type veth peer name eth0 netns ${plan.scaleNs}`);
    app.push('link set sx master br0 up');
  }
  await ipBatch(app, plan.appNs);

  await mapLimit(plan.devices, 6, (d) =>
    ipBatch(
      ['link set lo up', 'link set eth0 up', `addr add ${d.ip}/${plan.lanPrefix} dev eth0`],
      d.ns,
    ),
  );

  if (plan.scaleNs) {
    // Many addresses in one namespace, each on its own macvlan with its own MAC. arp_ignore=1:
    // only the macvlan that holds an address answers ARP for it (else every one would answer
    // with its own MAC); replies all leave by the first matching route, so rp_filter is off.
    await sysctl(plan.scaleNs, {
      'net.ipv4.conf.all.arp_ignore': 1,
      'net.ipv4.conf.default.arp_ignore': 1,
      'net.ipv4.conf.all.arp_announce': 2,
      'net.ipv4.conf.default.arp_announce': 2,
      'net.ipv4.conf.all.rp_filter': 0,
      'net.ipv4.conf.default.rp_filter': 0,
      'net.ipv4.ip_forward': 0,
    });
    const lines = ['link set lo up', 'link set eth0 up'];
    for (const d of plan.scale) {
      lines.push(`link add ${d.ifname} link eth0 address ${d.mac} type macvlan mode bridge`);
      lines.push(`addr add ${d.ip}/${plan.lanPrefix} dev ${d.ifname}`);
      lines.push(`link set ${d.ifname} up`);
    }
    // The kernel has one ARP table for all namespaces (gc_thresh3: 1024 entries by default).
    // Every agent resolving the appliance and the appliance resolving every agent would overflow
    // it with a few hundred agents ("neighbor table overflow": packets dropped, polls timing
    // out). Permanent entries do not count against it, and the machine's settings stay as they are.
    for (const d of plan.scale) {
      lines.push(`neigh replace ${plan.lanIp} lladdr ${plan.appMac} dev ${d.ifname} nud permanent`);
    }
    await ipBatch(lines, plan.scaleNs, 120_000);
    await ipBatch(
      plan.scale.map((d) => `neigh replace ${d.ip} lladdr ${d.mac} dev br0 nud permanent`),
      plan.appNs,
      120_000,
    );
  }
}

/** PIDs of processes running inside a namespace (empty if it does not exist). */
export async function namespacePids(ns: string): Promise<number[]> {
  const r = await run('ip', ['netns', 'pids', ns]);
  if (r.code !== 0) return [];
  return r.stdout
    .split(/\s+/)
    .filter(Boolean)
    .map(Number)
    .filter((n) => Number.isInteger(n) && n > 1);
}

/** Removes the root-side veth and the namespaces; ignores what is already gone. Never throws. */
export async function removeNetwork(namespaces: string[], rootInterfaces: string[]): Promise<void> {
  for (const name of rootInterfaces) {
    // Deleting a namespace also destroys its veth ends, but asynchronously in the kernel; deleting
    // the root end explicitly makes "gone after stop()" true at once.
    await run('ip', ['link', 'del', 'dev', name]).catch(() => undefined);
  }
  if (namespaces.length > 0) {
    await run('ip', ['-force', '-batch', '-'], {
      input: `${namespaces.map((ns) => `netns del ${ns}`).join('\n')}\n`,
      timeoutMs: 30_000,
    }).catch(() => undefined);
  }
}
