/**
 * The incident state machine, pure: what a signal (raise, clear, one-shot) or a person's action
 * does to an incident, which timeline lines it writes and which notification it asks for.
 * The service adds suppression and maintenance (which only hold notifications back).
 */
import { severityRank } from '../monitor/rules.js';
import type {
  IncidentRecord,
  IncidentSignal,
  NotifyKind,
  Severity,
  TimelineKind,
} from './types.js';

export interface IncidentPolicy {
  reopenWithinMs: number;
  flapMaxChanges: number;
  flapWindowMs: number;
}

export interface TimelineLine {
  kind: TimelineKind;
  by: string;
  text: string;
  details?: Record<string, unknown>;
}

export interface Step {
  incident: IncidentRecord;
  /** Whether `incident` is a new incident (a new id) rather than a change of `prev`. */
  created: boolean;
  lines: TimelineLine[];
  notify?: NotifyKind;
}

/** Transition times kept per incident; enough to judge any sensible flap limit. */
const MAX_TRANSITIONS = 64;

export const isOpen = (i: IncidentRecord) => i.state !== 'resolved';

function worse(a: Severity, b: Severity): Severity {
  return severityRank(b) > severityRank(a) ? b : a;
}

function recent(times: readonly number[], now: number, windowMs: number): number[] {
  return times.filter((t) => now - t < windowMs);
}

function fresh(sig: IncidentSignal, id: string, autoResolve: boolean): IncidentRecord {
  const at = new Date(sig.at).toISOString();
  return {
    id,
    key: sig.key,
    title: sig.title,
    severity: sig.severity,
    state: 'open',
    ...(sig.deviceId ? { deviceId: sig.deviceId } : {}),
    ...(sig.ruleId ? { ruleId: sig.ruleId } : {}),
    ...(sig.instance ? { instance: sig.instance } : {}),
    ...(sig.value !== undefined ? { value: sig.value } : {}),
    ...(sig.threshold !== undefined ? { threshold: sig.threshold } : {}),
    count: 1,
    firstSeen: at,
    lastSeen: at,
    openedAt: at,
    active: sig.type !== 'once',
    autoResolve: autoResolve && sig.type !== 'once',
    ...(sig.type === 'once' ? { oneShot: true } : {}),
    reopenCount: 0,
    flapping: false,
    transitions: sig.type === 'raise' ? [sig.at] : [],
    notified: [],
    updatedAt: at,
  };
}

/**
 * What a signal does. `prev` is the newest incident with the signal's key (open or resolved).
 * `newId` is used when a new incident starts.
 */
export function applySignal(
  prev: IncidentRecord | undefined,
  sig: IncidentSignal,
  policy: IncidentPolicy,
  newId: () => string,
  autoResolve: boolean,
): Step | undefined {
  const at = new Date(sig.at).toISOString();
  const eventLine: TimelineLine = {
    kind: 'event',
    by: 'system',
    text: sig.message,
    details: { event: sig.eventKey, type: sig.type, severity: sig.severity },
  };

  if (sig.type === 'clear') {
    // A clear for a problem with no open incident changes nothing (it was resolved by hand).
    if (!prev || !isOpen(prev)) return undefined;
    const transitions = recent([...prev.transitions, sig.at], sig.at, policy.flapWindowMs).slice(
      -MAX_TRANSITIONS,
    );
    const next: IncidentRecord = {
      ...prev,
      active: false,
      transitions,
      lastSeen: prev.lastSeen,
      updatedAt: at,
    };
    const lines: TimelineLine[] = [eventLine];
    if (next.flapping) {
      lines.push({ kind: 'cleared', by: 'system', text: 'Cleared (still flapping: kept open).' });
      return { incident: next, created: false, lines };
    }
    if (prev.autoResolve) {
      next.state = 'resolved';
      next.resolvedAt = at;
      next.resolvedBy = 'auto';
      lines.push({ kind: 'resolved', by: 'system', text: 'Resolved: the problem cleared.' });
      return { incident: next, created: false, lines, notify: 'resolved' };
    }
    lines.push({
      kind: 'cleared',
      by: 'system',
      text: 'The problem cleared; this incident is resolved by hand.',
    });
    return { incident: next, created: false, lines };
  }

  // raise or once
  if (!prev || (!isOpen(prev) && !withinReopen(prev, sig.at, policy))) {
    const incident = fresh(sig, newId(), autoResolve);
    return {
      incident,
      created: true,
      lines: [
        eventLine,
        { kind: 'opened', by: 'system', text: `Opened: ${sig.title} (${sig.severity}).` },
      ],
      notify: 'opened',
    };
  }

  const lines: TimelineLine[] = [eventLine];
  const wasActive = prev.active;
  const transitions =
    sig.type === 'raise' && !wasActive
      ? recent([...prev.transitions, sig.at], sig.at, policy.flapWindowMs).slice(-MAX_TRANSITIONS)
      : prev.transitions;
  const next: IncidentRecord = {
    ...prev,
    count: prev.count + 1,
    lastSeen: at,
    active: sig.type === 'raise' ? true : prev.active,
    transitions,
    ...(sig.value !== undefined ? { value: sig.value } : {}),
    ...(sig.threshold !== undefined ? { threshold: sig.threshold } : {}),
    updatedAt: at,
  };
  let notify: NotifyKind | undefined;

  if (!isOpen(prev)) {
    next.state = 'open';
    next.reopenCount = prev.reopenCount + 1;
    delete next.resolvedAt;
    delete next.resolvedBy;
    delete next.acknowledgedAt;
    delete next.acknowledgedBy;
    // What was said about the earlier life; its return (and a re-check of it) is news again.
    next.notified = prev.notified.filter(
      (k) => k !== 'resolved' && k !== 'reopened' && k !== 'recheck',
    );
    lines.push({
      kind: 'reopened',
      by: 'system',
      text: `Reopened: the problem returned ${describeGap(prev.resolvedAt, sig.at)} after it was resolved.`,
    });
    notify = 'reopened';
  }

  const severity = worse(prev.severity, sig.severity);
  if (severity !== prev.severity) {
    next.severity = severity;
    lines.push({ kind: 'escalated', by: 'system', text: `Severity raised to ${severity}.` });
    notify ??= 'escalated';
  } else if (sig.type === 'raise' && severityRank(sig.severity) < severityRank(prev.severity)) {
    // An escalated alert that fell back below its escalation level: take the milder severity.
    next.severity = sig.severity;
  }

  if (!next.flapping && next.transitions.length > policy.flapMaxChanges) {
    next.flapping = true;
    lines.push({
      kind: 'flapping',
      by: 'system',
      text: `Flapping: ${next.transitions.length} changes within ${Math.round(policy.flapWindowMs / 60_000)} min; held open as one incident.`,
    });
    notify = 'flapping';
  }
  // While flapping, the ups and downs are on the timeline, not in anyone's inbox.
  if (prev.flapping && notify !== 'escalated') notify = undefined;
  return { incident: next, created: false, lines, ...(notify ? { notify } : {}) };
}

function withinReopen(prev: IncidentRecord, at: number, policy: IncidentPolicy): boolean {
  if (!prev.resolvedAt || policy.reopenWithinMs <= 0) return false;
  return at - Date.parse(prev.resolvedAt) <= policy.reopenWithinMs;
}

function describeGap(fromIso: string | undefined, to: number): string {
  if (!fromIso) return 'soon';
  const min = Math.max(0, Math.round((to - Date.parse(fromIso)) / 60_000));
  return min < 1 ? 'less than a minute' : min < 120 ? `${min} min` : `${Math.round(min / 60)} h`;
}

/**
 * Periodic upkeep: a flapping incident that has been quiet for the flap window becomes stable
 * again (and resolves if the problem is gone and the rule resolves by itself).
 */
export function settleFlapping(
  inc: IncidentRecord,
  now: number,
  policy: IncidentPolicy,
): Step | undefined {
  if (!inc.flapping || !isOpen(inc)) return undefined;
  const last = inc.transitions.at(-1) ?? 0;
  if (now - last < policy.flapWindowMs) return undefined;
  const at = new Date(now).toISOString();
  const next: IncidentRecord = { ...inc, flapping: false, transitions: [], updatedAt: at };
  const lines: TimelineLine[] = [
    {
      kind: 'stable',
      by: 'system',
      text: `Stable again: no change for ${Math.round(policy.flapWindowMs / 60_000)} min.`,
    },
  ];
  if (!inc.active && inc.autoResolve) {
    next.state = 'resolved';
    next.resolvedAt = at;
    next.resolvedBy = 'auto';
    lines.push({ kind: 'resolved', by: 'system', text: 'Resolved: the problem cleared.' });
    return { incident: next, created: false, lines, notify: 'resolved' };
  }
  return { incident: next, created: false, lines };
}

export class TransitionError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** A person acknowledges: they own the response; notifications stop repeating. */
export function acknowledge(inc: IncidentRecord, by: string, now: number): Step {
  if (inc.state === 'resolved')
    throw new TransitionError('INCIDENT_RESOLVED', 'This incident is already resolved.');
  if (inc.state === 'acknowledged')
    throw new TransitionError('INCIDENT_ACKNOWLEDGED', 'This incident is already acknowledged.');
  const at = new Date(now).toISOString();
  return {
    incident: {
      ...inc,
      state: 'acknowledged',
      acknowledgedAt: at,
      acknowledgedBy: by,
      updatedAt: at,
    },
    created: false,
    lines: [{ kind: 'acknowledged', by, text: `Acknowledged by ${by}.` }],
  };
}

export function resolve(inc: IncidentRecord, by: string, now: number, note?: string): Step {
  if (inc.state === 'resolved')
    throw new TransitionError('INCIDENT_RESOLVED', 'This incident is already resolved.');
  const at = new Date(now).toISOString();
  return {
    incident: {
      ...inc,
      state: 'resolved',
      resolvedAt: at,
      resolvedBy: by,
      flapping: false,
      updatedAt: at,
    },
    created: false,
    lines: [
      {
        kind: 'resolved',
        by,
        text: note ? `Resolved by ${by}: ${note}` : `Resolved by ${by}.`,
        ...(inc.active ? { details: { whileActive: true } } : {}),
      },
    ],
    notify: 'resolved',
  };
}

export function assign(
  inc: IncidentRecord,
  assignee: { id: string; name: string } | undefined,
  by: string,
  now: number,
): Step {
  const at = new Date(now).toISOString();
  const next: IncidentRecord = { ...inc, updatedAt: at };
  if (assignee) next.assigneeId = assignee.id;
  else delete next.assigneeId;
  return {
    incident: next,
    created: false,
    lines: [
      {
        kind: 'assigned',
        by,
        text: assignee ? `Assigned to ${assignee.name} by ${by}.` : `Unassigned by ${by}.`,
        ...(assignee ? { details: { assigneeId: assignee.id } } : {}),
      },
    ],
  };
}

/** Time to acknowledge and to resolve (ms) of one incident; undefined while not reached. */
export function responseTimes(inc: IncidentRecord): { ttaMs?: number; ttrMs?: number } {
  const opened = Date.parse(inc.openedAt);
  return {
    ...(inc.acknowledgedAt ? { ttaMs: Date.parse(inc.acknowledgedAt) - opened } : {}),
    ...(inc.resolvedAt ? { ttrMs: Date.parse(inc.resolvedAt) - opened } : {}),
  };
}
