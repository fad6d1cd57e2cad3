import type { DeviceRecord } from './types.js';
import type { BackupRun } from './backups.js';
import type { IncidentRecord } from '../incidents/types.js';

/** What the change feed reports, in the words HQ reads. */
export const CHANGE_KINDS = [
  'device.added',
  'device.changed',
  'device.removed',
  'incident.opened',
  'incident.changed',
  'incident.resolved',
  'backup.run.finished',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

/** The records whose writes become changes. */
export type WatchedKind = 'device' | 'incident' | 'backupRun';

/** A change derived from one record's value before and after a batch (no sequence number yet). */
export interface DerivedChange {
  kind: ChangeKind;
  id: string;
  data: Record<string, unknown>;
}

/**
 * Device fields every scan rewrites. A rescan that only moves them is not news for HQ (the device
 * list has them); anything else that differs is a `device.changed`.
 */
const DEVICE_VOLATILE = new Set(['lastSeen', 'lastScanId', 'uptimeS', 'uptimeAt', 'missedScans']);
/**
 * Incident fields that move with every folded event or notification. A trap storm folds thousands
 * of repeats into one incident; each would otherwise be a change.
 */
const INCIDENT_VOLATILE = new Set([
  'count',
  'lastSeen',
  'value',
  'transitions',
  'notified',
  'updatedAt',
]);
const FINAL_RUN = new Set<BackupRun['status']>(['succeeded', 'warning', 'failed', 'interrupted']);

/** Lists in a backup run snapshot are cut to this length; the run itself has them all. */
const RUN_LIST_MAX = 20;

/** JSON with object keys sorted, so that two records that differ only in key order compare equal. */
function stableJson(value: unknown, skip?: ReadonlySet<string>): string {
  if (Array.isArray(value)) return `[${value.map((v) => stableJson(v)).join(',')}]`;
  if (value && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => !skip?.has(k) && (value as Record<string, unknown>)[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function differs(a: object, b: object, volatile: ReadonlySet<string>): boolean {
  return stableJson(a, volatile) !== stableJson(b, volatile);
}

function incidentSnapshot(i: IncidentRecord): Record<string, unknown> {
  const { transitions: _t, ...rest } = i;
  return rest;
}

function runSnapshot(r: BackupRun): Record<string, unknown> {
  const { log: _log, ...rest } = r;
  const out: Record<string, unknown> = { ...rest };
  if (r.warnings && r.warnings.length > RUN_LIST_MAX) {
    out.warnings = r.warnings.slice(0, RUN_LIST_MAX);
    out.warningCount = r.warnings.length;
  }
  if (r.removed && r.removed.length > RUN_LIST_MAX) {
    out.removed = r.removed.slice(0, RUN_LIST_MAX);
    out.removedCount = r.removed.length;
  }
  if (r.verification && r.verification.mismatched.length > RUN_LIST_MAX) {
    out.verification = {
      checked: r.verification.checked,
      mismatched: r.verification.mismatched.slice(0, RUN_LIST_MAX),
      mismatchedCount: r.verification.mismatched.length,
    };
  }
  return out;
}

function deviceChange(id: string, prev?: DeviceRecord, next?: DeviceRecord) {
  if (!prev && next) return { kind: 'device.added' as const, id, data: { ...next } };
  if (prev && !next) return { kind: 'device.removed' as const, id, data: { ...prev } };
  if (prev && next && differs(prev, next, DEVICE_VOLATILE))
    return { kind: 'device.changed' as const, id, data: { ...next } };
  return undefined;
}

function incidentChange(id: string, prev?: IncidentRecord, next?: IncidentRecord) {
  // Deleting an incident is retention of a resolved one, not news.
  if (!next) return undefined;
  const data = incidentSnapshot(next);
  const wasOpen = prev !== undefined && prev.state !== 'resolved';
  const isOpen = next.state !== 'resolved';
  // A reopened incident keeps its id (reopenCount says so) and is opened again for HQ.
  if (!prev || (!wasOpen && isOpen)) return { kind: 'incident.opened' as const, id, data };
  if (wasOpen && !isOpen) return { kind: 'incident.resolved' as const, id, data };
  if (differs(prev, next, INCIDENT_VOLATILE))
    return { kind: 'incident.changed' as const, id, data };
  return undefined;
}

function runChange(id: string, prev?: BackupRun, next?: BackupRun) {
  if (!next || !FINAL_RUN.has(next.status)) return undefined;
  if (prev && FINAL_RUN.has(prev.status)) return undefined;
  return { kind: 'backup.run.finished' as const, id, data: runSnapshot(next) };
}

/**
 * What HQ hears about one record written in a batch: `prev` is the stored value before the
 * batch, `next` the value after it (undefined: absent or deleted). Undefined when nothing HQ
 * cares about changed.
 */
export function deriveChange(
  watched: WatchedKind,
  id: string,
  prev: unknown,
  next: unknown,
): DerivedChange | undefined {
  switch (watched) {
    case 'device':
      return deviceChange(id, prev as DeviceRecord | undefined, next as DeviceRecord | undefined);
    case 'incident':
      return incidentChange(
        id,
        prev as IncidentRecord | undefined,
        next as IncidentRecord | undefined,
      );
    case 'backupRun':
      return runChange(id, prev as BackupRun | undefined, next as BackupRun | undefined);
  }
}
