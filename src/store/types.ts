import type { Actor, Role, TokenScope } from '../core/roles.js';

export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  passwordHash: string;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  passwordChangedAt: string;
  lastLoginAt?: string;
}

export interface SessionRecord {
  userId: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** Absolute expiry in ms since the epoch; idle expiry is computed from lastSeenAt. */
  expiresAt: number;
  ip: string;
  userAgent: string;
}

export interface TokenRecord {
  id: string;
  name: string;
  scope: TokenScope;
  /** sha256 of the secret part; the secret itself is shown once and never stored. */
  secretHash: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt?: string;
  revokedAt?: string;
  revokedBy?: string;
}

export interface AuditEntry {
  key: string;
  at: string;
  actor: Actor;
  action: string;
  target?: string;
  ip?: string;
  details?: Record<string, unknown>;
}

export type JobRunStatus = 'running' | 'ok' | 'error' | 'aborted' | 'interrupted' | 'skipped';

export interface JobRunRecord {
  id: string;
  job: string;
  trigger: 'schedule' | 'manual' | 'startup';
  actor?: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  status: JobRunStatus;
  summary?: string;
  error?: { code: string; message: string };
}

export interface SiteSettings {
  name: string;
  location: string;
  timezone: string;
  contact: string;
}

export interface SetupState {
  codeHash: string;
  issuedAt: string;
  issuedBy: string;
}

/** An SNMP credential as stored: secrets sealed with the SecretBox, never in clear. */
export interface CredentialRecord {
  id: string;
  name: string;
  version: '1' | '2c' | '3';
  /** Position in the list that discovery tries, lowest first. */
  order: number;
  sealedCommunity?: string;
  user?: string;
  level?: 'noAuthNoPriv' | 'authNoPriv' | 'authPriv';
  authProtocol?: 'md5' | 'sha' | 'sha224' | 'sha256' | 'sha384' | 'sha512';
  sealedAuthKey?: string;
  privProtocol?: 'des' | 'aes' | 'aes256b' | 'aes256r';
  sealedPrivKey?: string;
  createdAt: string;
  updatedAt: string;
}

export interface DiscoverySettings {
  subnets: string[];
  exclude: string[];
  /** Cron expression for rediscovery, or '' for manual scans only. */
  schedule: string;
  /** Also run the (slower) nmap service scan of live hosts. */
  serviceScan: boolean;
}

export type ScanStatus = 'queued' | 'running' | 'done' | 'failed' | 'cancelled';

export interface ScanRecord {
  id: string;
  status: ScanStatus;
  trigger: 'manual' | 'schedule';
  actor?: string;
  subnets: string[];
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  phase: 'queued' | 'sweep' | 'snmp' | 'services' | 'merge' | 'done';
  progress: {
    percent: number;
    hostsUp: number;
    hostsProbed: number;
    snmpAnswered: number;
    devicesNew: number;
    devicesUpdated: number;
    devicesMissing: number;
  };
  error?: { code: string; message: string };
  /** Which devices this scan added, changed or found missing (ids, at most 500 each). */
  devices?: { new: string[]; updated: string[]; missing: string[] };
  /** Per-host problems worth showing (SNMP answered garbage, a table cut short, …). */
  notes: string[];
}

export interface DeviceRecord {
  id: string;
  /** Shown name: the admin's name if set, else sysName, else the address. */
  name: string;
  nameSource: 'auto' | 'manual';
  ip: string;
  addresses: string[];
  mac?: string;
  macVendor?: string;
  sysName?: string;
  sysDescr?: string;
  sysObjectID?: string;
  engineId?: string;
  serial?: string;
  vendor?: string;
  model?: string;
  os?: string;
  osVersion?: string;
  firmware?: string;
  type: string;
  typeSource: 'auto' | 'manual';
  /** The identified type, kept when an admin overrides it (shown as "identified: …"). */
  autoType?: string;
  reasons: string[];
  location?: string;
  contact?: string;
  uptimeS?: number;
  uptimeAt?: string;
  snmp: {
    credentialId?: string;
    credentialSource?: 'auto' | 'manual';
    version?: '1' | '2c' | '3';
    ok: boolean;
    error?: { code: string; message: string };
  };
  services: Array<{
    protocol: string;
    port: number;
    name?: string;
    product?: string;
    version?: string;
  }>;
  interfaceCount: number;
  notes: string;
  status: 'up' | 'missing';
  missedScans: number;
  firstSeen: string;
  lastSeen: string;
  lastScanId: string;
}

export interface DeviceDetails {
  neighbours: import('../discovery/types.js').Neighbour[];
  arp: import('../discovery/types.js').ArpEntry[];
  fdb: import('../discovery/types.js').FdbEntry[];
  ipAddrs: import('../discovery/types.js').IpAddrEntry[];
  collectNotes: string[];
}

export interface DeviceChange {
  key: string;
  at: string;
  deviceId: string;
  scanId?: string;
  actor?: string;
  kind:
    | 'created'
    | 'changed'
    | 'address-changed'
    | 'identity-changed'
    | 'missing'
    | 'returned'
    | 'edited';
  changes: Array<{ field: string; from?: unknown; to?: unknown }>;
}

export interface EventRecord {
  key: string;
  at: string;
  kind:
    | 'device.new'
    | 'device.missing'
    | 'device.returned'
    | 'device.identity-changed'
    | 'device.address-changed'
    /** A monitoring rule started to match (details: rule, value, threshold, instance). */
    | 'alert.raised'
    /** A raised alert stopped matching. */
    | 'alert.cleared'
    /** An inspection task passed its due time without being completed. */
    | 'inspection.overdue'
    /** The metrics store stopped (disk full, quota) or resumed writing. */
    | 'metrics.suspended'
    | 'metrics.resumed'
    /** A notification channel failed several attempts in a row (details: channel, last error). */
    | 'notify.channel-failing'
    /** A failing notification channel delivered again. */
    | 'notify.channel-recovered'
    /** An SNMP trap (details: the decoded trap; deviceId when the sender is in the inventory). */
    | 'trap.received'
    /** A trap with an unknown community or v3 user (details: source address, reason). */
    | 'trap.auth-failure'
    /** A maintenance window began or ended (details: window id and name). */
    | 'maintenance.started'
    | 'maintenance.ended'
    /** A backup run failed (details: job, run, error code); the next success clears it. */
    | 'backup.failed'
    | 'backup.succeeded'
    /** No good backup for longer than the job allows; `backup.fresh` when there is one again. */
    | 'backup.stale'
    | 'backup.fresh'
    /** The scheduled restore test of sample files. */
    | 'backup.restore-test-failed'
    | 'backup.restore-test-passed';
  severity: 'info' | 'warning' | 'minor' | 'major' | 'critical';
  deviceId?: string;
  message: string;
  details?: Record<string, unknown>;
}
