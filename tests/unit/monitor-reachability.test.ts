/**
 * The reachability state machine with explicit times: debouncing (down after N failures, up after
 * M successes), the first verdict, flap damping (one transition in, held, one transition out after
 * a quiet window) and the stored state surviving a JSON round trip.
 */
import { describe, it, expect } from 'vitest';
import {
  applyProbe,
  initialReachState,
  parseReachState,
  reachSamples,
  type ReachConfig,
  type ReachState,
  type ReachTransition,
} from '../../src/monitor/reachability.js';

const CFG: ReachConfig = {
  downAfterFailures: 3,
  upAfterSuccesses: 2,
  flapMaxChanges: 4,
  flapWindowS: 900,
};
const T0 = Date.parse('2026-11-26T12:00:00Z');
const S = 1000;

/** Feeds probes (true = answered) every `stepS` seconds from `start`; collects transitions. */
function feed(
  state: ReachState,
  pattern: boolean[],
  start: number,
  stepS = 30,
  cfg = CFG,
): { state: ReachState; transitions: ReachTransition[]; end: number } {
  const transitions: ReachTransition[] = [];
  let s = state;
  let at = start;
  for (const up of pattern) {
    const r = applyProbe(s, { up, at, ...(up ? { rttMs: 1.5 } : {}) }, cfg);
    s = r.state;
    transitions.push(...r.transitions);
    at += stepS * S;
  }
  return { state: s, transitions, end: at };
}

const path = (ts: ReachTransition[]) => ts.map((t) => `${t.from}>${t.to}`);

describe('debouncing', () => {
  it('a new device is up at its first answer', () => {
    const r = applyProbe(initialReachState(), { up: true, at: T0, rttMs: 0.4 }, CFG);
    expect(r.state.status).toBe('up');
    expect(r.state.lastRttMs).toBe(0.4);
    expect(r.transitions).toEqual([{ from: 'unknown', to: 'up', at: T0, reason: 'It answered.' }]);
  });

  it('a new device that never answers is down after downAfterFailures, not before', () => {
    const a = feed(initialReachState(), [false, false], T0);
    expect(a.state.status).toBe('unknown');
    expect(a.transitions).toEqual([]);
    const b = feed(a.state, [false], a.end);
    expect(b.state.status).toBe('down');
    expect(b.transitions).toHaveLength(1);
    expect(b.transitions[0]).toMatchObject({ from: 'unknown', to: 'down', at: T0 + 60 * S });
    expect(b.transitions[0]!.reason).toMatch(/3 checks in a row/);
  });

  it('single losses are noise: up stays up unless failures are consecutive', () => {
    const up = feed(initialReachState(), [true], T0);
    const r = feed(up.state, [false, false, true, false, false, true, false, true], up.end);
    expect(r.state.status).toBe('up');
    expect(r.transitions).toEqual([]);
    expect(r.state.failures).toBe(0);
    expect(r.state.successes).toBe(1);
  });

  it('down after 3 failures, up again only after 2 successes in a row', () => {
    const up = feed(initialReachState(), [true], T0);
    const down = feed(up.state, [false, false, false], up.end);
    expect(path(down.transitions)).toEqual(['up>down']);
    expect(down.state.since).toBe(up.end + 60 * S);
    // One answer between failures does not bring it back.
    const still = feed(down.state, [true, false, true], down.end);
    expect(still.state.status).toBe('down');
    expect(still.transitions).toEqual([]);
    const back = feed(still.state, [true], still.end);
    expect(back.state.status).toBe('up');
    expect(path(back.transitions)).toEqual(['down>up']);
    expect(back.transitions[0]!.reason).toMatch(/2 checks in a row/);
  });

  it('honours other thresholds (down after 1, up after 3)', () => {
    const cfg = { ...CFG, downAfterFailures: 1, upAfterSuccesses: 3 };
    const r = feed(initialReachState(), [true, false, true, true, true], T0, 30, cfg);
    expect(path(r.transitions)).toEqual(['unknown>up', 'up>down', 'down>up']);
    expect(r.transitions[2]!.at).toBe(T0 + 4 * 30 * S);
  });

  it('does not change the state it was given', () => {
    const s0 = initialReachState();
    const copy = structuredClone(s0);
    applyProbe(s0, { up: true, at: T0 }, CFG);
    expect(s0).toEqual(copy);
  });
});

describe('flapping', () => {
  // With downAfterFailures=3 and upAfterSuccesses=2, this cycle is one down and one up change.
  const cycle = [false, false, false, true, true];

  it('more than flapMaxChanges changes within the window → one transition to flapping', () => {
    const start = feed(initialReachState(), [true], T0, 10);
    // Two cycles = 4 changes (the limit, still reported), the fifth change is one too many.
    const r = feed(start.state, [...cycle, ...cycle, false, false, false], start.end, 10);
    expect(path(r.transitions)).toEqual([
      'up>down',
      'down>up',
      'up>down',
      'down>up',
      'up>flapping',
    ]);
    expect(r.state.status).toBe('flapping');
    expect(r.state.stable).toBe('down');
    expect(r.transitions[4]!.reason).toMatch(/5 times within 15 minutes/);
  });

  it('while flapping, further changes are held; it leaves after a quiet window', () => {
    const start = feed(initialReachState(), [true], T0, 10);
    const flapping = feed(start.state, [...cycle, ...cycle, false, false, false], start.end, 10);
    expect(flapping.state.status).toBe('flapping');
    // Keeps flapping for a while: nothing is reported.
    const held = feed(flapping.state, [...cycle, ...cycle, ...cycle], flapping.end, 10);
    expect(held.transitions).toEqual([]);
    expect(held.state.status).toBe('flapping');
    expect(held.state.stable).toBe('up');
    const lastChange = held.state.stableSince;
    // Stable (up) from then on: still flapping until a whole window has passed…
    const quietSteps = Math.floor((900 * S - (held.end - lastChange)) / (30 * S));
    const almost = feed(held.state, Array(quietSteps).fill(true), held.end, 30);
    expect(almost.transitions).toEqual([]);
    expect(almost.state.status).toBe('flapping');
    // …then one transition back to the state it settled in.
    const out = feed(almost.state, [true, true], almost.end, 30);
    expect(path(out.transitions)).toEqual(['flapping>up']);
    expect(out.transitions[0]!.at - lastChange).toBeGreaterThanOrEqual(900 * S);
    expect(out.transitions[0]!.reason).toMatch(/up without a change for 15 minutes/);
    expect(out.state.status).toBe('up');
  });

  it('a flapping device that settles down leaves flapping as down', () => {
    const start = feed(initialReachState(), [true], T0, 10);
    const flapping = feed(start.state, [...cycle, ...cycle, false, false, false], start.end, 10);
    const settle = feed(flapping.state, Array(40).fill(false), flapping.end, 30);
    expect(path(settle.transitions)).toEqual(['flapping>down']);
    expect(settle.state.status).toBe('down');
    // Normal behaviour afterwards: it comes back up after 2 answers, reported once.
    const back = feed(settle.state, [true, true], settle.end, 30);
    expect(path(back.transitions)).toEqual(['down>up']);
  });

  it('changes spread wider than the window never count as flapping', () => {
    // One change every 5 minutes: at most 3 within any 15-minute window.
    let s = feed(initialReachState(), [true], T0).state;
    let at = T0 + 60 * S;
    const all: ReachTransition[] = [];
    for (let i = 0; i < 12; i++) {
      const up = i % 2 === 1;
      const r = feed(s, up ? [true, true] : [false, false, false], at, 1);
      s = r.state;
      all.push(...r.transitions);
      at += 5 * 60 * S;
    }
    expect(all).toHaveLength(12);
    expect(all.every((t) => t.to !== 'flapping')).toBe(true);
  });

  it('the first verdict (unknown → up) is not a change', () => {
    const cfg = { ...CFG, flapMaxChanges: 2, downAfterFailures: 1, upAfterSuccesses: 1 };
    const r = feed(initialReachState(), [true, false, true], T0, 10, cfg);
    expect(path(r.transitions)).toEqual(['unknown>up', 'up>down', 'down>up']);
    const f = feed(r.state, [false], r.end, 10, cfg);
    expect(path(f.transitions)).toEqual(['up>flapping']);
  });
});

describe('stored state', () => {
  it('survives JSON (LevelDB) and carries on where it stopped', () => {
    const a = feed(initialReachState(), [true, false, false], T0);
    const stored = JSON.parse(JSON.stringify(a.state)) as unknown;
    const restored = parseReachState(stored);
    expect(restored).toEqual(a.state);
    const b = feed(restored, [false], a.end);
    expect(path(b.transitions)).toEqual(['up>down']);
  });

  it('anything else is a fresh state, never an exception', () => {
    for (const junk of [
      undefined,
      null,
      42,
      'x',
      {},
      { v: 2 },
      { ...initialReachState(), status: 'sideways' },
      { ...initialReachState(), changes: ['x'] },
    ])
      expect(parseReachState(junk)).toEqual(initialReachState());
  });

  it('a clock that steps back does not reorder history', () => {
    const a = feed(initialReachState(), [true], T0);
    const r = applyProbe(a.state, { up: false, at: T0 - 3_600 * S }, CFG);
    expect(r.state.lastProbeAt).toBe(T0);
    expect(r.state.failures).toBe(1);
  });
});

describe('samples', () => {
  it('reach.up from the raw probe, reach.rtt_ms only when measured', () => {
    expect(reachSamples({ up: true, rttMs: 0.42 })).toEqual([
      { metric: 'reach.up', instance: '', value: 1 },
      { metric: 'reach.rtt_ms', instance: '', value: 0.42 },
    ]);
    expect(reachSamples({ up: true })).toEqual([{ metric: 'reach.up', instance: '', value: 1 }]);
    expect(reachSamples({ up: false })).toEqual([{ metric: 'reach.up', instance: '', value: 0 }]);
  });
});
