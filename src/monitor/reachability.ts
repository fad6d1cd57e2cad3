/**
 * Reachability of one device as a state machine over raw probe results (pure: no clock, no I/O).
 *
 * - 'unknown' until the first verdict: one good probe makes it 'up' (a new or restarted device
 *   should not wait), `downAfterFailures` bad ones in a row make it 'down'.
 * - 'up' → 'down' after `downAfterFailures` consecutive failures; 'down' → 'up' after
 *   `upAfterSuccesses` consecutive successes. Single lost probes are noise, not outages.
 * - More than `flapMaxChanges` up/down changes within `flapWindowS` → 'flapping': one transition
 *   is reported and the device is held there, so an unstable link raises one event instead of a
 *   storm. The debounced state keeps being tracked underneath; once it has not changed for a
 *   whole window the device leaves 'flapping' for that state (one more transition).
 *
 * The state is plain JSON (numbers in ms since the epoch) so that it can be kept in LevelDB
 * between restarts; `parseReachState` accepts whatever was stored and falls back to a fresh state.
 */
import type { Sample } from './types.js';

export type ReachStatus = 'unknown' | 'up' | 'down' | 'flapping';
/** The debounced state, without flap damping. */
export type StableStatus = 'unknown' | 'up' | 'down';

export interface ReachConfig {
  downAfterFailures: number;
  upAfterSuccesses: number;
  flapMaxChanges: number;
  flapWindowS: number;
}

export interface ReachState {
  /** Layout version of this record, so that a stored state of another layout is not misread. */
  v: 1;
  /** What is reported: the debounced state, or 'flapping' while damped. */
  status: ReachStatus;
  /** The debounced state, tracked while flapping too. */
  stable: StableStatus;
  /** Consecutive bad probes (reset by a good one). */
  failures: number;
  /** Consecutive good probes (reset by a bad one). */
  successes: number;
  /** Times of the debounced up/down changes within the flap window, oldest first. */
  changes: number[];
  /** When `status` last changed (0: never). */
  since: number;
  /** When `stable` last changed (0: never). */
  stableSince: number;
  /** The latest probe taken into account (0: none). */
  lastProbeAt: number;
  /** Whether that probe answered, and its round-trip time if it did. */
  lastUp?: boolean;
  lastRttMs?: number;
}

export interface ReachTransition {
  from: ReachStatus;
  to: ReachStatus;
  at: number;
  /** A sentence for the event: why the state changed. */
  reason: string;
}

export interface ProbeOutcome {
  up: boolean;
  /** ms since the epoch when the probe was taken. */
  at: number;
  rttMs?: number | undefined;
}

export function initialReachState(): ReachState {
  return {
    v: 1,
    status: 'unknown',
    stable: 'unknown',
    failures: 0,
    successes: 0,
    changes: [],
    since: 0,
    stableSince: 0,
    lastProbeAt: 0,
  };
}

const STATUSES: readonly string[] = ['unknown', 'up', 'down', 'flapping'];
const count = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;

/** A stored state if it is one this code understands, else a fresh one (never throws). */
export function parseReachState(raw: unknown): ReachState {
  const s = raw as Partial<ReachState> | null | undefined;
  if (
    !s ||
    typeof s !== 'object' ||
    s.v !== 1 ||
    !STATUSES.includes(String(s.status)) ||
    !['unknown', 'up', 'down'].includes(String(s.stable)) ||
    !count(s.failures) ||
    !count(s.successes) ||
    !Array.isArray(s.changes) ||
    !s.changes.every(count) ||
    !count(s.since) ||
    !count(s.stableSince) ||
    !count(s.lastProbeAt)
  )
    return initialReachState();
  return {
    v: 1,
    status: s.status as ReachStatus,
    stable: s.stable as StableStatus,
    failures: s.failures,
    successes: s.successes,
    changes: [...s.changes],
    since: s.since,
    stableSince: s.stableSince,
    lastProbeAt: s.lastProbeAt,
    ...(typeof s.lastUp === 'boolean' ? { lastUp: s.lastUp } : {}),
    ...(count(s.lastRttMs) ? { lastRttMs: s.lastRttMs } : {}),
  };
}

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
const windowText = (cfg: ReachConfig) =>
  cfg.flapWindowS % 60 === 0
    ? plural(cfg.flapWindowS / 60, 'minute')
    : plural(cfg.flapWindowS, 'second');

/**
 * Takes one probe result into account. Returns the next state (the input is not changed) and the
 * transitions of the reported status to raise as events, usually none.
 */
export function applyProbe(
  prev: ReachState,
  probe: ProbeOutcome,
  cfg: ReachConfig,
): { state: ReachState; transitions: ReachTransition[] } {
  // A clock stepped back (a box without a real-time clock) must not reorder history.
  const at = Math.max(probe.at, prev.lastProbeAt);
  const windowMs = cfg.flapWindowS * 1000;
  const s: ReachState = {
    ...prev,
    changes: prev.changes.filter((t) => t <= at && at - t < windowMs),
    lastProbeAt: at,
    lastUp: probe.up,
  };
  if (probe.up && probe.rttMs !== undefined && count(probe.rttMs)) s.lastRttMs = probe.rttMs;
  else delete s.lastRttMs;
  if (probe.up) {
    s.successes += 1;
    s.failures = 0;
  } else {
    s.failures += 1;
    s.successes = 0;
  }

  let next: StableStatus = s.stable;
  let why = '';
  if (probe.up && s.stable !== 'up') {
    const needed = s.stable === 'unknown' ? 1 : cfg.upAfterSuccesses;
    if (s.successes >= needed) {
      next = 'up';
      why =
        s.stable === 'unknown'
          ? 'It answered.'
          : `It answered ${plural(s.successes, 'check')} in a row.`;
    }
  } else if (!probe.up && s.stable !== 'down' && s.failures >= cfg.downAfterFailures) {
    next = 'down';
    why = `It did not answer ${plural(s.failures, 'check')} in a row.`;
  }

  const transitions: ReachTransition[] = [];
  const report = (to: ReachStatus, reason: string) => {
    transitions.push({ from: s.status, to, at, reason });
    s.status = to;
    s.since = at;
  };

  if (next !== s.stable) {
    const from = s.stable;
    s.stable = next;
    s.stableSince = at;
    // Only changes between up and down count as flapping; the first verdict is not a change.
    if (from !== 'unknown') s.changes.push(at);
    if (s.status === 'flapping') {
      // Held: the change is tracked (it restarts the quiet period) but not reported.
    } else if (s.changes.length > cfg.flapMaxChanges) {
      report(
        'flapping',
        `It changed between up and down ${s.changes.length} times within ${windowText(cfg)}; further changes are held until it is stable.`,
      );
    } else {
      report(next, why);
    }
  } else if (s.status === 'flapping' && at - s.stableSince >= windowMs) {
    report(s.stable, `It has been ${s.stable} without a change for ${windowText(cfg)}.`);
    s.changes = [];
  }
  return { state: s, transitions };
}

/**
 * The samples of one probe for the metrics store: reach.up from the raw probe (availability is
 * measured, not debounced) and reach.rtt_ms when a time was measured.
 */
export function reachSamples(probe: { up: boolean; rttMs?: number | undefined }): Sample[] {
  const out: Sample[] = [{ metric: 'reach.up', instance: '', value: probe.up ? 1 : 0 }];
  if (probe.up && probe.rttMs !== undefined)
    out.push({ metric: 'reach.rtt_ms', instance: '', value: probe.rttMs });
  return out;
}
