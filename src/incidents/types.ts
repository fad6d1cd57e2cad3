import type { EventRecord } from '../store/types.js';

export type Severity = EventRecord['severity'];
export type IncidentState = 'open' | 'acknowledged' | 'resolved';

/**
 * One problem while it lasts: (device, rule/problem) → one incident; repeated events fold into it
 * (count, first and last seen). `key` names the problem (for example `alert:<rule>/<device>/<instance>`).
 */
export interface IncidentRecord {
  /** Time-ordered id (sorting by id lists the newest last). */
  id: string;
  key: string;
  title: string;
  severity: Severity;
  state: IncidentState;
  deviceId?: string;
  /** The rule (monitoring alerts) or the problem kind (`device.missing`, `trap.linkDown`, …). */
  ruleId?: string;
  instance?: string;
  /** Last measured value and threshold (alerts). */
  value?: number;
  threshold?: number;
  /** Events folded in (raises and one-shot events). */
  count: number;
  firstSeen: string;
  lastSeen: string;
  openedAt: string;
  /** Whether the condition is present now (a clearing event sets it false). */
  active: boolean;
  /** Resolve when the clearing event arrives (per rule; one-shot problems are resolved by hand). */
  autoResolve: boolean;
  /** A one-time problem (a restart, a vendor trap) that has no clearing event. */
  oneShot?: boolean;
  acknowledgedAt?: string;
  acknowledgedBy?: string;
  resolvedAt?: string;
  /** A user label, or `auto` when the clearing event resolved it. */
  resolvedBy?: string;
  /** User id of the owner. */
  assigneeId?: string;
  reopenCount: number;
  /** Set while the problem toggles more than the flap limit within the flap window. */
  flapping: boolean;
  /** Times (ms) of recent raise/clear transitions, for flap detection (bounded). */
  transitions: number[];
  /** The upstream device that is down and explains this one: no notification while set. */
  suppressedBy?: string;
  /** The maintenance window covering it when it opened: no notification until a re-check. */
  maintenanceId?: string;
  /** Notifications that went out (kinds), so that each is sent once. */
  notified: NotifyKind[];
  updatedAt: string;
}

export type NotifyKind = 'opened' | 'reopened' | 'escalated' | 'flapping' | 'resolved' | 'recheck';

export type TimelineKind =
  | 'event'
  | 'opened'
  | 'reopened'
  | 'acknowledged'
  | 'unacknowledged'
  | 'assigned'
  | 'note'
  | 'resolved'
  | 'cleared'
  | 'escalated'
  | 'flapping'
  | 'stable'
  | 'suppressed'
  | 'unsuppressed'
  | 'maintenance'
  | 'notified'
  | 'notify-failed';

/** One line of an incident's timeline (kept under `incidentId!timeKey`). */
export interface TimelineEntry {
  key: string;
  incidentId: string;
  at: string;
  kind: TimelineKind;
  /** Who did it (a user label), or `system`. */
  by: string;
  text: string;
  details?: Record<string, unknown>;
}

/** What an event means for incidents (from events.ts `incidentSignal`). */
export interface IncidentSignal {
  key: string;
  /** raise: the problem is present; clear: it went away; once: a one-shot problem (trap, reboot). */
  type: 'raise' | 'clear' | 'once';
  severity: Severity;
  title: string;
  deviceId?: string;
  ruleId?: string;
  instance?: string;
  value?: number;
  threshold?: number;
  /** The event's own message, for the timeline. */
  message: string;
  eventKey: string;
  at: number;
}

/** What notification channels are asked to send (the notification service routes it). */
export interface NotifyRequest {
  kind: NotifyKind;
  incident: IncidentRecord;
}
