/**
 * The lab's network safety checks (design.md, "Network safety: a hard rule").
 *
 * Why these checks are enough:
 * - Everything that scans or polls (nmap, snmpget, the appliance) runs inside the appliance
 *   namespace. It has exactly two connected routes, the lab LAN on br0 and the management /30, and
 *   no default route in any table, IPv4 or IPv6, and it does not forward. A wrong target there is
 *   "Network is unreachable" before any packet leaves, so nothing can reach a real network.
 * - Device namespaces have only their LAN route too: an agent cannot talk to anything outside.
 * - The root namespace (the test runner) gets only the management /30 on its own veth; it has no
 *   route for the lab LAN. `ip route get <lab device>` in the root namespace may resolve to the
 *   machine's default gateway: that is fine, because the runner never sends to lab devices (it
 *   talks only to the appliance's management address), and the lab interface is never the way
 *   out. What must never happen is that a lab route in the root namespace captures real traffic,
 *   or that the lab LAN is reachable from the real network through the root namespace: both are
 *   excluded because the LAN prefix is not routed in the root namespace and we refuse to start
 *   when the chosen subnets are already in use there. Even if the root namespace forwards
 *   packets (a Docker host does), nothing outside can talk to the appliance: its namespace can
 *   answer only the management /30 and the LAN.
 * - The root end of the management veth has IPv6 switched off before it comes up, so the root
 *   namespace gains exactly one IPv4 /30 and no link-local routes.
 */
import { contains, formatCidr, overlaps, parseCidr, type Cidr } from './addressing.js';
import { LabError, runOk } from './proc.js';

interface IpRoute {
  dst?: string;
  dev?: string;
  type?: string;
  table?: string;
  gateway?: string;
}
interface IpAddrInfo {
  family?: string;
  local?: string;
  prefixlen?: number;
}
interface IpLink {
  ifname?: string;
  addr_info?: IpAddrInfo[];
}

async function ipJson<T>(args: string[], ns?: string): Promise<T> {
  const full = ns ? ['-n', ns, '-j', ...args] : ['-j', ...args];
  const out = await runOk('ip', full);
  return (out.trim() ? JSON.parse(out) : []) as T;
}

function routeCidr(r: IpRoute): Cidr | undefined {
  if (!r.dst || r.dst === 'default')
    return r.dst === 'default' ? { base: 0, prefix: 0 } : undefined;
  try {
    return parseCidr(r.dst);
  } catch {
    return undefined; // multicast/unreachable entries with odd dst forms are not ours to judge
  }
}

/** Every IPv4 prefix routed or assigned in a namespace (the root namespace by default). */
export async function occupiedPrefixes(ns?: string): Promise<Cidr[]> {
  const [routes, links] = await Promise.all([
    ipJson<IpRoute[]>(['-4', 'route', 'show', 'table', 'all'], ns),
    ipJson<IpLink[]>(['-4', 'addr', 'show'], ns),
  ]);
  const out: Cidr[] = [];
  for (const r of routes) {
    const c = routeCidr(r);
    if (c) out.push(c);
  }
  for (const l of links) {
    for (const a of l.addr_info ?? []) {
      if (a.local && a.prefixlen !== undefined) {
        out.push(parseCidr(`${a.local}/${a.prefixlen}`));
        out.push(parseCidr(a.local));
      }
    }
  }
  return out;
}

/** Before building: refuse if the lab's subnets are already routed or assigned in the root ns. */
export async function assertSubnetsFree(lan: Cidr, mgmt: Cidr): Promise<void> {
  const clash = (await occupiedPrefixes()).find(
    (o) => o.prefix > 0 && (overlaps(o, lan) || overlaps(o, mgmt)),
  );
  if (clash) {
    throw new LabError(
      `refusing to build the lab: ${formatCidr(clash)} is routed or assigned on this machine and ` +
        `overlaps ${formatCidr(lan)} or ${formatCidr(mgmt)}`,
    );
  }
}

export interface IsolationContext {
  appNs: string;
  deviceNamespaces: string[];
  lan: Cidr;
  mgmt: Cidr;
  /** The root-side management veth. */
  hostIf: string;
  hostMgmtIp: string;
  mgmtIp: string;
  /** A lab device address to ask the root namespace's routing about. */
  probeIp: string;
  /** Every interface name the lab created in the root namespace. */
  rootInterfaces: string[];
}

function fail(what: string): never {
  throw new LabError(`lab isolation check failed: ${what}`);
}

async function assertNoDefaultRoute(ns: string): Promise<void> {
  for (const family of ['-4', '-6']) {
    const routes = await ipJson<IpRoute[]>([family, 'route', 'show', 'table', 'all'], ns);
    const def = routes.find(
      (r) => r.dst === 'default' || r.dst === '0.0.0.0/0' || r.dst === '::/0',
    );
    if (def) fail(`namespace ${ns} has a default route (${family}): ${JSON.stringify(def)}`);
    if (family === '-4') {
      const gw = routes.find((r) => r.gateway);
      if (gw) fail(`namespace ${ns} has a route via a gateway: ${JSON.stringify(gw)}`);
    }
  }
}

async function sysctlValue(ns: string, key: string): Promise<string> {
  return (await runOk('ip', ['netns', 'exec', ns, 'sysctl', '-n', key])).trim();
}

/**
 * After building: the appliance and device namespaces have no way out, the root namespace has no
 * route into the lab LAN, and the management link is the only lab interface in the root ns.
 */
export async function assertIsolated(ctx: IsolationContext): Promise<void> {
  // 1. Appliance namespace: no default route, no gateway routes, only LAN + management prefixes.
  await assertNoDefaultRoute(ctx.appNs);
  const appRoutes = await ipJson<IpRoute[]>(['-4', 'route', 'show', 'table', 'main'], ctx.appNs);
  for (const r of appRoutes) {
    const c = routeCidr(r);
    const ok = c && (overlaps(c, ctx.lan) || overlaps(c, ctx.mgmt)) && c.prefix >= ctx.lan.prefix;
    if (!ok) fail(`appliance namespace has an unexpected route ${JSON.stringify(r)}`);
  }
  if ((await sysctlValue(ctx.appNs, 'net.ipv4.ip_forward')) !== '0') {
    fail('the appliance namespace forwards IPv4');
  }

  // 2. Device namespaces: no way out either.
  for (const ns of ctx.deviceNamespaces) await assertNoDefaultRoute(ns);

  // 3. Root namespace: nothing for the LAN prefix, and the only address in the management /30
  //    is ours, on our veth (a concurrent lab that raced us to the same X would show up here).
  const rootRoutes = await ipJson<IpRoute[]>(['-4', 'route', 'show', 'table', 'all']);
  for (const r of rootRoutes) {
    const c = routeCidr(r);
    if (c && c.prefix > 0 && overlaps(c, ctx.lan)) {
      fail(`the root namespace routes ${r.dst} into the lab LAN ${formatCidr(ctx.lan)}`);
    }
    if (c && c.prefix > 0 && overlaps(c, ctx.mgmt) && r.dev !== ctx.hostIf) {
      fail(`the root namespace routes ${r.dst} (lab management) via ${r.dev}`);
    }
    if (r.dev && ctx.rootInterfaces.includes(r.dev) && c && !overlaps(c, ctx.mgmt)) {
      fail(`the root namespace routes ${r.dst} via the lab interface ${r.dev}`);
    }
  }
  const rootLinks = await ipJson<IpLink[]>(['-4', 'addr', 'show']);
  for (const l of rootLinks) {
    for (const a of l.addr_info ?? []) {
      if (!a.local) continue;
      if (contains(ctx.lan, a.local)) fail(`root namespace holds lab LAN address ${a.local}`);
      if (contains(ctx.mgmt, a.local) && (l.ifname !== ctx.hostIf || a.local !== ctx.hostMgmtIp)) {
        fail(`root namespace holds management address ${a.local} on ${l.ifname}`);
      }
    }
  }

  // The lab veth carries nothing but the management /30 (no IPv6 either).
  const viaLab = await ipJson<IpRoute[]>(['route', 'show', 'table', 'all', 'dev', ctx.hostIf]);
  const v6 = await ipJson<IpRoute[]>(['-6', 'route', 'show', 'table', 'all', 'dev', ctx.hostIf]);
  for (const r of [...viaLab, ...v6]) {
    const c = routeCidr(r);
    if (!c || !overlaps(c, ctx.mgmt) || c.prefix < ctx.mgmt.prefix) {
      fail(`the root namespace routes ${r.dst} via the lab interface ${ctx.hostIf}`);
    }
  }

  // 4. Root namespace routing decisions: a lab device address never resolves to a lab interface
  //    (it may resolve to the real default gateway: the runner never sends there), and the
  //    appliance's management address resolves to our veth only.
  const [toDevice] = await ipJson<IpRoute[]>(['route', 'get', ctx.probeIp]).catch(
    () => [] as IpRoute[], // "Network is unreachable" (no default route) is the best answer
  );
  if (toDevice?.dev && (ctx.rootInterfaces.includes(toDevice.dev) || toDevice.dev === 'br0')) {
    fail(`the root namespace would send ${ctx.probeIp} out of the lab interface ${toDevice.dev}`);
  }
  const [toApp] = await ipJson<IpRoute[]>(['route', 'get', ctx.mgmtIp]);
  if (toApp?.dev !== ctx.hostIf) {
    fail(`the root namespace reaches ${ctx.mgmtIp} via ${toApp?.dev ?? 'nothing'}`);
  }
}
