/**
 * What each kind of event means for incidents (pure): which problem it names (the incident key),
 * whether it raises, clears or is a one-shot problem, and how it reads. Events below `warning`
 * that clear nothing (a new device, an address change) are recorded only.
 */
import type { EventRecord } from '../store/types.js';
import type { IncidentSignal } from './types.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;

export function eventSignal(e: EventRecord): IncidentSignal | undefined {
  const at = Date.parse(e.at);
  const d = e.details ?? {};
  const base = {
    eventKey: e.key,
    at,
    message: e.message,
    ...(e.deviceId ? { deviceId: e.deviceId } : {}),
  };
  switch (e.kind) {
    case 'alert.raised':
    case 'alert.cleared': {
      const key = str(d.key);
      if (!key) return undefined;
      const value = num(d.value);
      const threshold = num(d.threshold);
      const instance = str(d.instance);
      return {
        ...base,
        key: `alert:${key}`,
        type: e.kind === 'alert.raised' ? 'raise' : 'clear',
        // A clear is logged as info; the incident keeps the weight of what it closes.
        severity: e.kind === 'alert.raised' ? e.severity : ((d.alertSeverity as never) ?? 'info'),
        title: str(d.title) ?? e.message,
        ...(str(d.rule) ? { ruleId: str(d.rule) } : {}),
        ...(instance ? { instance } : {}),
        ...(value !== undefined ? { value } : {}),
        ...(threshold !== undefined ? { threshold } : {}),
      };
    }
    case 'device.missing':
    case 'device.returned':
      if (!e.deviceId) return undefined;
      return {
        ...base,
        key: `missing:${e.deviceId}`,
        type: e.kind === 'device.missing' ? 'raise' : 'clear',
        severity: e.kind === 'device.missing' ? atLeastWarning(e.severity) : 'info',
        title: 'Device missing from the network',
        ruleId: 'device.missing',
      };
    case 'metrics.suspended':
    case 'metrics.resumed':
      return {
        ...base,
        key: 'box:metrics-suspended',
        type: e.kind === 'metrics.suspended' ? 'raise' : 'clear',
        severity: e.kind === 'metrics.suspended' ? atLeastWarning(e.severity) : 'info',
        title: 'Metrics are not being stored',
        ruleId: 'metrics.suspended',
      };
    case 'notify.channel-failing':
    case 'notify.channel-recovered': {
      const channel = str(d.channelId) ?? str(d.channel) ?? 'unknown';
      return {
        ...base,
        key: `channel:${channel}`,
        type: e.kind === 'notify.channel-failing' ? 'raise' : 'clear',
        severity: e.kind === 'notify.channel-failing' ? atLeastWarning(e.severity) : 'info',
        title: `Notification channel ${str(d.channelName) ?? str(d.name) ?? channel} is failing`,
        ruleId: 'notify.channel-failing',
      };
    }
    case 'inspection.overdue': {
      const plan = str(d.planId);
      if (!plan) return undefined;
      return {
        ...base,
        key: `inspection:${plan}`,
        type: 'once',
        severity: e.severity,
        title: `Inspection overdue: ${str(d.title) ?? plan}`,
        ruleId: 'inspection.overdue',
      };
    }
    case 'trap.received':
      return trapSignal(e, base);
    case 'backup.stale':
    case 'backup.fresh':
    case 'backup.restore-test-failed':
    case 'backup.restore-test-passed': {
      const job = str(d.jobId);
      if (!job) return undefined;
      const stale = e.kind === 'backup.stale' || e.kind === 'backup.fresh';
      const raise = e.kind === 'backup.stale' || e.kind === 'backup.restore-test-failed';
      return {
        ...base,
        key: `${stale ? 'backup-stale' : 'backup-restore-test'}:${job}`,
        type: raise ? 'raise' : 'clear',
        severity: raise ? atLeastWarning(e.severity) : 'info',
        title: stale
          ? `No recent good backup of "${str(d.jobName) ?? job}"`
          : `Restore test of "${str(d.jobName) ?? job}" failed`,
        ruleId: stale ? 'backup.stale' : 'backup.restore-test',
      };
    }
    case 'backup.failed':
    case 'backup.succeeded': {
      const job = str(d.jobId);
      if (!job) return undefined;
      return {
        ...base,
        key: `backup:${job}`,
        type: e.kind === 'backup.failed' ? 'raise' : 'clear',
        severity: e.kind === 'backup.failed' ? atLeastWarning(e.severity) : 'info',
        title: `Backup "${str(d.jobName) ?? job}" failed`,
        ruleId: 'backup.failed',
      };
    }
    case 'trap.auth-failure': {
      const src = str(d.address) ?? 'unknown';
      return {
        ...base,
        key: `trap-auth:${src}`,
        type: 'once',
        severity: 'warning',
        title: `SNMP trap refused from ${src} (${str(d.reason) ?? 'bad credentials'})`,
        ruleId: 'trap.auth-failure',
      };
    }
    default:
      return undefined;
  }
}

function atLeastWarning(s: EventRecord['severity']): EventRecord['severity'] {
  return s === 'info' ? 'warning' : s;
}

/**
 * Traps: linkDown raises and linkUp clears the port's incident; restarts, authentication
 * failures and vendor traps are one-shot problems of the sender (folded while they repeat).
 */
function trapSignal(
  e: EventRecord,
  base: Omit<IncidentSignal, 'key' | 'type' | 'severity' | 'title'>,
): IncidentSignal | undefined {
  const d = e.details ?? {};
  const kind = str(d.trapKind);
  const source = e.deviceId ?? str(d.address) ?? 'unknown';
  const ifIndex = num(d.ifIndex);
  const port = str(d.ifName) ?? (ifIndex !== undefined ? `ifIndex ${ifIndex}` : 'a port');
  switch (kind) {
    case 'linkDown':
    case 'linkUp':
      return {
        ...base,
        key: `trap-link:${source}:${ifIndex ?? '?'}`,
        type: kind === 'linkDown' ? 'raise' : 'clear',
        severity: kind === 'linkDown' ? 'minor' : 'info',
        title: `Link down on ${port} (trap)`,
        ruleId: 'trap.link',
        ...(ifIndex !== undefined ? { instance: String(ifIndex) } : {}),
      };
    case 'coldStart':
    case 'warmStart':
      return {
        ...base,
        key: `trap-restart:${source}`,
        type: 'once',
        severity: 'warning',
        title: kind === 'coldStart' ? 'Restarted (coldStart trap)' : 'Restarted (warmStart trap)',
        ruleId: 'trap.restart',
      };
    case 'authenticationFailure':
      return {
        ...base,
        key: `trap-authfail:${source}`,
        type: 'once',
        severity: 'warning',
        title: 'SNMP authentication failure reported by the device',
        ruleId: 'trap.auth',
      };
    default: {
      const oid = str(d.trapOid) ?? 'unknown';
      return {
        ...base,
        key: `trap:${source}:${oid}`,
        type: 'once',
        severity: 'info' === e.severity ? 'warning' : e.severity,
        title: `Trap ${oid}`,
        ruleId: 'trap.vendor',
      };
    }
  }
}
