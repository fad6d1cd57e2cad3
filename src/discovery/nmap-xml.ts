import { createRequire } from 'node:module';
import type { XMLParser as XMLParserType } from 'fast-xml-parser';
import { AppError } from '../core/errors.js';

export interface NmapPort {
  protocol: string;
  port: number;
  state: string;
  service?: { name?: string; product?: string; version?: string; extrainfo?: string };
}

export interface NmapHost {
  state: string;
  reason?: string;
  ipv4?: string;
  ipv6?: string;
  mac?: string;
  macVendor?: string;
  ports: NmapPort[];
}

export interface NmapRun {
  hosts: NmapHost[];
  stats: {
    up: number;
    down: number;
    total: number;
    elapsedS: number;
    exit?: string;
    errorMessage?: string;
  };
}

const load = createRequire(import.meta.url);
let parser: XMLParserType | undefined;
/** The XML parser is loaded on first use (about 10 MiB an idle box should not pay). */
function xmlParser(): XMLParserType {
  const { XMLParser } = load('fast-xml-parser') as { XMLParser: typeof XMLParserType };
  parser ??= new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    // Elements that may repeat are always arrays, so one host and many hosts parse the same way.
    isArray: (name) => ['host', 'address', 'port', 'hostname', 'taskprogress'].includes(name),
    processEntities: true,
    allowBooleanAttributes: true,
  });
  return parser;
}

type Attrs = Record<string, string | undefined>;
interface RawHost {
  status?: Attrs;
  address?: Attrs[];
  ports?: { port?: Array<Attrs & { state?: Attrs; service?: Attrs }> };
}

/** Parses nmap's `-oX` output. Hosts that are not up are left out. */
export function parseNmapXml(xml: string): NmapRun {
  let doc: { nmaprun?: { host?: RawHost[]; runstats?: { finished?: Attrs; hosts?: Attrs } } };
  try {
    doc = xmlParser().parse(xml) as typeof doc;
  } catch (err) {
    throw new AppError(
      'NMAP_OUTPUT_INVALID',
      `nmap's XML output could not be read: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const run = doc.nmaprun;
  if (!run)
    throw new AppError(
      'NMAP_OUTPUT_INVALID',
      'nmap produced no <nmaprun> element (was it stopped early?).',
    );
  const hosts: NmapHost[] = [];
  for (const h of run.host ?? []) {
    const state = h.status?.state ?? 'unknown';
    if (state !== 'up') continue;
    const host: NmapHost = { state, ports: [] };
    if (h.status?.reason) host.reason = h.status.reason;
    for (const a of h.address ?? []) {
      if (a.addrtype === 'ipv4' && a.addr) host.ipv4 = a.addr;
      else if (a.addrtype === 'ipv6' && a.addr) host.ipv6 = a.addr.toLowerCase();
      else if (a.addrtype === 'mac' && a.addr) {
        host.mac = a.addr.toLowerCase();
        if (a.vendor) host.macVendor = a.vendor;
      }
    }
    for (const p of h.ports?.port ?? []) {
      const port: NmapPort = {
        protocol: p.protocol ?? 'tcp',
        port: Number(p.portid),
        state: p.state?.state ?? 'unknown',
      };
      if (p.service) {
        port.service = {};
        for (const k of ['name', 'product', 'version', 'extrainfo'] as const)
          if (p.service[k]) port.service[k] = p.service[k];
      }
      host.ports.push(port);
    }
    if (host.ipv4 || host.ipv6) hosts.push(host);
  }
  const f = run.runstats?.finished ?? {};
  const hs = run.runstats?.hosts ?? {};
  return {
    hosts,
    stats: {
      up: Number(hs.up ?? hosts.length),
      down: Number(hs.down ?? 0),
      total: Number(hs.total ?? hosts.length),
      elapsedS: Number(f.elapsed ?? 0),
      ...(f.exit ? { exit: f.exit } : {}),
      ...(f.errormsg ? { errorMessage: f.errormsg } : {}),
    },
  };
}

/** The percent of the latest `<taskprogress>` in a chunk of nmap's XML stream, if any. */
export function lastProgressPercent(chunk: string): number | undefined {
  let last: number | undefined;
  for (const m of chunk.matchAll(/<taskprogress [^>]*percent="([\d.]+)"/g)) last = Number(m[1]);
  return last;
}
