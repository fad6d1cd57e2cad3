/** Small pure formatters for the device and scan pages. */

export const TYPE_LABELS: Record<string, string> = {
  router: 'Router',
  switch: 'Switch',
  firewall: 'Firewall',
  'access-point': 'Access point',
  printer: 'Printer',
  ups: 'UPS',
  nas: 'NAS',
  server: 'Server',
  workstation: 'Workstation',
  phone: 'Phone',
  camera: 'Camera',
  unknown: 'Unknown',
};

export function typeLabel(type: string): string {
  return TYPE_LABELS[type] ?? type;
}

/** "2 switches", "1 printer", "3 access points". */
export function typeCount(type: string, n: number): string {
  const label = type === 'ups' || type === 'nas' ? typeLabel(type) : typeLabel(type).toLowerCase();
  if (n === 1) return `1 ${label}`;
  if (type === 'ups') return `${n} UPSes`;
  if (type === 'nas') return `${n} NAS`;
  if (type === 'unknown') return `${n} unknown`;
  return `${n} ${label.endsWith('h') ? `${label}es` : `${label}s`}`;
}

/** Interface speed for people: 1 Gbit/s, 100 Mbit/s, 2.5 Gbit/s. */
export function formatSpeed(bps: number | undefined): string {
  if (!bps) return '';
  const units: Array<[number, string]> = [
    [1e12, 'Tbit/s'],
    [1e9, 'Gbit/s'],
    [1e6, 'Mbit/s'],
    [1e3, 'kbit/s'],
  ];
  for (const [f, u] of units) {
    if (bps >= f) {
      const v = bps / f;
      return `${Number.isInteger(v) ? v : v.toFixed(v < 10 ? 1 : 0)} ${u}`;
    }
  }
  return `${bps} bit/s`;
}

/** Uptime in the two largest units: "12 d 4 h", "3 h 20 min", "45 s". */
export function formatUptime(seconds: number | undefined): string {
  if (seconds === undefined) return '';
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  if (d) return `${d} d ${h} h`;
  if (h) return `${h} h ${m} min`;
  if (m) return `${m} min`;
  return `${seconds} s`;
}

/** IANAifType numbers people meet on a branch LAN; anything else shows as its number. */
const IF_TYPES: Record<number, string> = {
  1: 'other',
  6: 'ethernet',
  23: 'ppp',
  24: 'loopback',
  53: 'virtual',
  71: 'wifi',
  117: 'gigabit ethernet',
  131: 'tunnel',
  135: 'VLAN',
  136: 'L3 VLAN',
  161: 'LAG',
  209: 'bridge',
};

export function ifTypeLabel(type: number): string {
  return IF_TYPES[type] ?? `type ${type}`;
}

/** A change-history value as short text. */
export function showValue(v: unknown): string {
  if (v === undefined || v === null || v === '') return '(none)';
  if (typeof v === 'string') return v.length > 120 ? `${v.slice(0, 117)}…` : v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  const s = JSON.stringify(v);
  return s.length > 120 ? `${s.slice(0, 117)}…` : s;
}

export const CHANGE_KINDS: Record<string, string> = {
  created: 'first seen',
  changed: 'changed',
  'address-changed': 'address changed',
  'identity-changed': 'identity changed',
  missing: 'missing',
  returned: 'back',
  edited: 'edited',
};

export const PHASES: Array<{ id: string; label: string }> = [
  { id: 'sweep', label: 'Finding live hosts' },
  { id: 'snmp', label: 'Asking hosts over SNMP' },
  { id: 'services', label: 'Scanning services' },
  { id: 'merge', label: 'Updating the inventory' },
  { id: 'done', label: 'Done' },
];

export function phaseLabel(phase: string): string {
  return PHASES.find((p) => p.id === phase)?.label ?? phase;
}

/** Shortens a label to about `max` characters for a fixed-size box. */
export function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
