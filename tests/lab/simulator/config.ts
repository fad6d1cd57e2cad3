/**
 * The simulator's configuration: `{ agents: AgentConfig[] }`, validated with zod. Every problem is
 * reported at once with the agent it belongs to, so a bad lab file fails with one clear message.
 */
import { z } from 'zod';

export const PROFILES = ['switch24', 'switch48', 'router', 'printer', 'ups', 'server'] as const;
export type Profile = (typeof PROFILES)[number];

/** Vendors whose identity the profiles can imitate; the default is picked per profile. */
export const VENDORS = ['cisco', 'hp', 'mikrotik', 'brother', 'apc', 'dell'] as const;
export type Vendor = (typeof VENDORS)[number];

/** Vendors each profile can imitate; the first is the default. */
export const PROFILE_VENDORS: Record<Profile, readonly Vendor[]> = {
  switch24: ['cisco'],
  switch48: ['cisco'],
  router: ['mikrotik', 'cisco'],
  printer: ['brother', 'hp'],
  ups: ['apc'],
  server: ['dell'],
};

const MAC_RE = /^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}$/i;
const IPV4_RE = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** "00:1B:54:aa:bb:cc", "00-1b-54-aa-bb-cc" or "001b54aabbcc" → "00:1b:54:aa:bb:cc". */
export function normalizeMac(text: string): string {
  const hex = text.replace(/[:-]/g, '').toLowerCase();
  return hex.match(/../g)!.join(':');
}

const mac = z
  .string()
  .regex(MAC_RE, 'a MAC address like 00:1b:54:aa:bb:cc')
  .transform(normalizeMac);
const ipv4 = z.string().regex(IPV4_RE, 'an IPv4 address like 127.77.0.1');
/** SNMPv3 pass phrases: Net-SNMP refuses shorter ones, so a lab that used them would not work. */
const passPhrase = z.string().min(8, 'at least 8 characters (RFC 3414 pass phrase)');

export const neighbourSchema = z.strictObject({
  port: z.number().int().min(1),
  sysName: z.string().min(1),
  chassisMac: mac,
  portId: z.string().min(1),
  portDescr: z.string().optional(),
  /** Not in the original interface; an LLDP neighbour may send a system description. */
  sysDescr: z.string().optional(),
  mgmtIp: ipv4.optional(),
  capabilities: z.array(z.enum(['bridge', 'router', 'station', 'printer'])).optional(),
});

export const fdbSchema = z.strictObject({
  mac,
  port: z.number().int().min(1),
  vlan: z.number().int().min(1).max(4094).optional(),
});

export const arpSchema = z.strictObject({
  ip: ipv4,
  mac,
  ifIndex: z.number().int().min(1).optional(),
});

export const v3Schema = z.strictObject({
  user: z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, '1-32 characters of [A-Za-z0-9._-]'),
  authProtocol: z.enum(['sha', 'md5', 'sha256']),
  authKey: passPhrase,
  privProtocol: z.enum(['aes', 'des']),
  privKey: passPhrase,
});

export const agentSchema = z.strictObject({
  address: ipv4,
  port: z.number().int().min(1).max(65535).default(161),
  profile: z.enum(PROFILES),
  sysName: z.string().min(1).max(255),
  sysDescr: z.string().max(255).optional(),
  sysObjectID: z
    .string()
    .regex(/^[0-2](\.\d+)+$/, 'a numeric OID like 1.3.6.1.4.1.9.1.1208')
    .optional(),
  sysLocation: z.string().max(255).optional(),
  sysContact: z.string().max(255).optional(),
  /** v1 and v2c community; null (with v3) means the agent does not answer v1/v2c at all. */
  community: z.string().min(1).max(64).nullable().default('public'),
  v3: v3Schema.optional(),
  engineId: z
    .string()
    .regex(/^(0x)?([0-9a-fA-F]{2}){5,32}$/, 'hex, 5 to 32 bytes')
    .transform((s) => s.replace(/^0x/, '').toLowerCase())
    .optional(),
  seed: z.number().int().optional(),
  /** Not in the original interface: whose identity to imitate; else inferred from `mac`'s OUI. */
  vendor: z.enum(VENDORS).optional(),
  mac: mac.optional(),
  serial: z.string().min(1).max(64).optional(),
  firmware: z.string().min(1).max(64).optional(),
  /**
   * Not in the original interface: serve HOST-RESOURCES-MIB (storage, processors, devices) as
   * well, like a switch that runs Linux. The server profile always does; a printer cannot (its
   * hrDeviceTable is the printer's).
   */
  hostResources: z.boolean().optional(),
  /**
   * Answer a Get that asks for more varbinds than this with tooBig, as small agents do whose
   * response would not fit their buffer (GetBulk answers are cut to fit instead, as RFC 3416 says).
   */
  maxGetVarbinds: z.number().int().min(1).optional(),
  neighbours: z.array(neighbourSchema).default([]),
  fdb: z.array(fdbSchema).default([]),
  arp: z.array(arpSchema).default([]),
});

export const simulatorConfigSchema = z.strictObject({
  agents: z.array(agentSchema).min(1, 'at least one agent'),
});

/** What callers write (defaults optional). */
export type AgentConfigInput = z.input<typeof agentSchema>;
export type SimulatorConfigInput = z.input<typeof simulatorConfigSchema>;
/** What the simulator works with (defaults filled in, MACs normalised). */
export type AgentConfig = z.output<typeof agentSchema>;
export type SimulatorConfig = z.output<typeof simulatorConfigSchema>;
export type NeighbourConfig = z.output<typeof neighbourSchema>;

export class SimulatorConfigError extends Error {
  readonly code = 'SIM_CONFIG_INVALID';
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`simulator configuration is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SimulatorConfigError';
    this.problems = problems;
  }
}

/** Number of physical (numbered) ports of a profile: the range of neighbour and FDB ports. */
export function physicalPortCount(profile: Profile): number {
  switch (profile) {
    case 'switch24':
      return 24;
    case 'switch48':
      return 48;
    case 'router':
      return 11;
    case 'server':
      return 2;
    case 'printer':
    case 'ups':
      return 1;
  }
}

function where(path: readonly PropertyKey[], agents: unknown): string {
  const [first, index] = path;
  if (first === 'agents' && typeof index === 'number' && Array.isArray(agents)) {
    const a = agents[index] as { sysName?: unknown; address?: unknown } | undefined;
    const label = [a?.sysName, a?.address].filter((x) => typeof x === 'string').join(' ');
    const rest = path.slice(2).map(String).join('.');
    return `agents[${index}]${label ? ` (${label})` : ''}${rest ? `.${rest}` : ''}`;
  }
  return path.map(String).join('.') || '(top level)';
}

/**
 * Network safety (design.md): the simulator binds only to loopback or to the lab's namespaces,
 * which use the RFC 2544 benchmarking range 198.18.0.0/15 that no real network routes.
 */
export function labAddress(address: string): boolean {
  const [a, b] = address.split('.').map(Number);
  return a === 127 || (a === 198 && (b === 18 || b === 19));
}

/**
 * Validates a configuration. Beyond the schema: no two agents on one address and port, ports of
 * neighbours and FDB entries exist on the profile, an agent answers at least one SNMP version.
 */
export function parseSimulatorConfig(raw: unknown): SimulatorConfig {
  const result = simulatorConfigSchema.safeParse(raw);
  const agentsRaw = (raw as { agents?: unknown } | null)?.agents;
  if (!result.success) {
    throw new SimulatorConfigError(
      result.error.issues.map((i) => `${where(i.path, agentsRaw)}: ${i.message}`),
    );
  }
  const problems: string[] = [];
  const seen = new Map<string, number>();
  result.data.agents.forEach((a, i) => {
    const label = `agents[${i}] (${a.sysName} ${a.address})`;
    const key = `${a.address}:${a.port}`;
    const other = seen.get(key);
    if (other !== undefined) problems.push(`${label}: ${key} is already used by agents[${other}]`);
    else seen.set(key, i);
    if (a.community === null && !a.v3) {
      problems.push(`${label}: community is null and there is no v3 user: it would answer nothing`);
    }
    if (a.vendor && !PROFILE_VENDORS[a.profile].includes(a.vendor)) {
      problems.push(
        `${label}: profile ${a.profile} imitates ${PROFILE_VENDORS[a.profile].join(' or ')}, not ${a.vendor}`,
      );
    }
    if (a.hostResources && a.profile === 'printer') {
      problems.push(`${label}: a printer serves its own hrDeviceTable, not hostResources`);
    }
    const ports = physicalPortCount(a.profile);
    for (const n of a.neighbours) {
      if (n.port > ports) {
        problems.push(`${label}: neighbour ${n.sysName} on port ${n.port}, profile has ${ports}`);
      }
    }
    for (const f of a.fdb) {
      if (f.port > ports) {
        problems.push(`${label}: fdb ${f.mac} on port ${f.port}, profile has ${ports}`);
      }
    }
    if (!labAddress(a.address)) {
      problems.push(
        `${label}: ${a.address} is neither loopback (127.0.0.0/8) nor in the lab's 198.18.0.0/15`,
      );
    }
  });
  if (problems.length > 0) throw new SimulatorConfigError(problems);
  return result.data;
}
