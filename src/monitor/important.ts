import type { Neighbour } from '../discovery/types.js';

/** An admin's or operator's explicit choice per ifIndex: true marked, false unmarked. */
export type InterfaceMarks = ReadonlyMap<string, boolean> | Readonly<Record<string, boolean>>;

export interface InterfaceLike {
  ifIndex: string | number;
  name: string;
  alias: string;
  descr?: string;
  /** The poller's own verdict, when it has one. */
  uplink?: boolean;
}

export type ImportanceReason = 'marked' | 'unmarked' | 'poller' | 'name' | 'neighbour' | 'none';

/**
 * Words that name a port to the rest of the network, as whole words: "Uplink", "WAN1",
 * "ether1-wan", "to core", "trunk"; not "hardcore" or "swan".
 */
const UPLINK_WORDS = /(?:^|[^a-z])(?:uplinks?|trunks?|wan|core)(?![a-z])/i;

function markOf(marks: InterfaceMarks, ifIndex: string): boolean | undefined {
  if (marks instanceof Map) return marks.get(ifIndex);
  return Object.hasOwn(marks, ifIndex) ? (marks as Record<string, boolean>)[ifIndex] : undefined;
}

/**
 * A neighbour that is network gear (a switch, router or access point) makes the port an uplink;
 * a phone (which also bridges, for the PC behind it) or a plain station does not.
 */
function isInfrastructure(n: Neighbour): boolean {
  const caps = n.capabilities;
  if (caps.includes('telephone') && !caps.includes('router')) return false;
  if (caps.length === 0) return true;
  return caps.some((c) => c === 'router' || c === 'bridge' || c === 'wlanAccessPoint');
}

function neighbourOn(ifIndex: string, neighbours: readonly Neighbour[]): Neighbour | undefined {
  const n = Number(ifIndex);
  return neighbours.find((x) =>
    x.localIfIndex !== undefined ? x.localIfIndex === n : x.localPort === n,
  );
}

/** Whether an interface is important, and why: an explicit mark wins over every detection. */
export function importance(
  iface: InterfaceLike,
  neighbours: readonly Neighbour[],
  marks: InterfaceMarks,
): { important: boolean; reason: ImportanceReason; detail?: string } {
  const ifIndex = String(iface.ifIndex);
  const mark = markOf(marks, ifIndex);
  if (mark !== undefined) return { important: mark, reason: mark ? 'marked' : 'unmarked' };
  if (iface.uplink) return { important: true, reason: 'poller' };
  for (const text of [iface.alias, iface.name, iface.descr ?? '']) {
    const m = UPLINK_WORDS.exec(text);
    if (m) return { important: true, reason: 'name', detail: text };
  }
  const n = neighbourOn(ifIndex, neighbours);
  if (n && isInfrastructure(n))
    return { important: true, reason: 'neighbour', detail: n.sysName || n.chassisId };
  return { important: false, reason: 'none' };
}

export function isImportant(
  iface: InterfaceLike,
  neighbours: readonly Neighbour[],
  marks: InterfaceMarks,
): boolean {
  return importance(iface, neighbours, marks).important;
}
