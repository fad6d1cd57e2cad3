import { describe, expect, it } from 'vitest';
import {
  acknowledge,
  applySignal,
  resolve,
  responseTimes,
  settleFlapping,
  type IncidentPolicy,
} from '../../src/incidents/incident-machine.js';
import { eventSignal } from '../../src/incidents/signals.js';
import type { IncidentRecord, IncidentSignal } from '../../src/incidents/types.js';
import type { EventRecord } from '../../src/store/types.js';

const T0 = Date.parse('2026-03-29T00:00:00Z');
const MIN = 60_000;
const policy: IncidentPolicy = {
  reopenWithinMs: 60 * MIN,
  flapMaxChanges: 4,
  flapWindowMs: 30 * MIN,
};
let n = 0;
const newId = () => `inc${++n}`;

function sig(type: IncidentSignal['type'], at: number, over: Partial<IncidentSignal> = {}) {
  return {
    key: 'alert:cpu-high/srv1/',
    type,
    severity: 'major',
    title: 'CPU high',
    deviceId: 'srv1',
    ruleId: 'cpu-high',
    message: `${type} at ${at}`,
    eventKey: `e${at}`,
    at,
    ...over,
  } as IncidentSignal;
}

/** Applies signals in order, returning the incident after each. */
function run(signals: IncidentSignal[], autoResolve = true) {
  let cur: IncidentRecord | undefined;
  const steps = [];
  for (const s of signals) {
    const step = applySignal(cur, s, policy, newId, autoResolve);
    if (step) cur = step.incident;
    steps.push(step);
  }
  return { cur: cur!, steps };
}

describe('incident state machine', () => {
  it('opens once, folds repeats and keeps first/last seen', () => {
    const { cur, steps } = run([
      sig('raise', T0),
      sig('raise', T0 + MIN),
      sig('raise', T0 + 2 * MIN),
    ]);
    expect(steps[0]!.notify).toBe('opened');
    expect(steps[1]!.notify).toBeUndefined();
    expect(cur).toMatchObject({ count: 3, state: 'open', active: true });
    expect(cur.firstSeen).toBe(new Date(T0).toISOString());
    expect(cur.lastSeen).toBe(new Date(T0 + 2 * MIN).toISOString());
  });

  it('escalates to the worst severity and notifies once for it', () => {
    const { cur, steps } = run([
      sig('raise', T0),
      sig('raise', T0 + MIN, { severity: 'critical' }),
    ]);
    expect(cur.severity).toBe('critical');
    expect(steps[1]!.notify).toBe('escalated');
  });

  it('resolves on clear when the rule resolves by itself, else stays open but inactive', () => {
    const auto = run([sig('raise', T0), sig('clear', T0 + MIN)]);
    expect(auto.cur).toMatchObject({ state: 'resolved', resolvedBy: 'auto' });
    expect(auto.steps[1]!.notify).toBe('resolved');
    const manual = run([sig('raise', T0), sig('clear', T0 + MIN)], false);
    expect(manual.cur).toMatchObject({ state: 'open', active: false });
  });

  it('a clear without an open incident changes nothing', () => {
    expect(applySignal(undefined, sig('clear', T0), policy, newId, true)).toBeUndefined();
  });

  it('reopens within the window and starts anew after it', () => {
    const within = run([sig('raise', T0), sig('clear', T0 + MIN), sig('raise', T0 + 30 * MIN)]);
    expect(within.cur).toMatchObject({ state: 'open', reopenCount: 1 });
    expect(within.steps[2]!.notify).toBe('reopened');
    expect(within.steps[2]!.created).toBe(false);
    const after = run([sig('raise', T0), sig('clear', T0 + MIN), sig('raise', T0 + 62 * MIN)]);
    expect(after.steps[2]!.created).toBe(true);
    expect(after.cur.reopenCount).toBe(0);
  });

  it('more changes than the flap limit make one flapping incident that holds its notifications', () => {
    const s: IncidentSignal[] = [];
    for (let i = 0; i < 3; i++)
      s.push(sig('raise', T0 + i * 4 * MIN), sig('clear', T0 + i * 4 * MIN + 2 * MIN));
    const { cur, steps } = run(s);
    expect(cur).toMatchObject({ flapping: true, state: 'open' });
    expect(steps.filter((x) => x?.notify === 'flapping')).toHaveLength(1);
    // Further ups and downs while flapping are not notified.
    const more = applySignal(cur, sig('raise', T0 + 13 * MIN), policy, newId, true)!;
    expect(more.notify).toBeUndefined();
    // Quiet for the flap window: stable again, and resolved since the problem is gone.
    expect(settleFlapping(cur, T0 + 20 * MIN, policy)).toBeUndefined();
    const settled = settleFlapping(cur, T0 + 11 * MIN + policy.flapWindowMs, policy)!;
    expect(settled.incident).toMatchObject({ flapping: false, state: 'resolved' });
  });

  it('one-shot problems never resolve by themselves', () => {
    const { cur } = run([sig('once', T0, { key: 'trap-restart:sw1' })]);
    expect(cur).toMatchObject({ active: false, autoResolve: false, state: 'open' });
  });

  it('acknowledge and resolve are checked and timed', () => {
    const { cur } = run([sig('raise', T0)]);
    const acked = acknowledge(cur, 'alice', T0 + 5 * MIN).incident;
    expect(() => acknowledge(acked, 'bob', T0 + 6 * MIN)).toThrow(/already acknowledged/);
    const done = resolve(acked, 'alice', T0 + 65 * MIN, 'fan replaced').incident;
    expect(() => resolve(done, 'bob', T0 + 70 * MIN)).toThrow(/already resolved/);
    expect(responseTimes(done)).toEqual({ ttaMs: 5 * MIN, ttrMs: 65 * MIN });
  });
});

describe('event → signal', () => {
  const ev = (e: Partial<EventRecord>): EventRecord =>
    ({
      key: 'k1',
      at: new Date(T0).toISOString(),
      severity: 'info',
      message: 'm',
      ...e,
    }) as EventRecord;

  it('maps alerts, missing devices, traps and channel failures to problem keys', () => {
    expect(
      eventSignal(
        ev({
          kind: 'alert.raised',
          severity: 'major',
          deviceId: 'd',
          details: { key: 'r/d/1', rule: 'r', title: 'T' },
        }),
      ),
    ).toMatchObject({ key: 'alert:r/d/1', type: 'raise', severity: 'major', ruleId: 'r' });
    expect(
      eventSignal(ev({ kind: 'alert.cleared', details: { key: 'r/d/1', alertSeverity: 'major' } })),
    ).toMatchObject({ type: 'clear', severity: 'major' });
    expect(eventSignal(ev({ kind: 'device.missing', deviceId: 'd' }))).toMatchObject({
      key: 'missing:d',
      type: 'raise',
      severity: 'warning',
    });
    const down = eventSignal(
      ev({
        kind: 'trap.received',
        deviceId: 'sw',
        details: { trapKind: 'linkDown', ifIndex: 3, ifName: 'Gi0/3' },
      }),
    );
    const up = eventSignal(
      ev({ kind: 'trap.received', deviceId: 'sw', details: { trapKind: 'linkUp', ifIndex: 3 } }),
    );
    expect(down).toMatchObject({ type: 'raise', title: 'Link down on Gi0/3 (trap)' });
    expect(up?.key).toBe(down?.key);
    expect(up?.type).toBe('clear');
    expect(
      eventSignal(
        ev({ kind: 'trap.received', details: { trapKind: 'coldStart', address: '10.0.0.9' } }),
      ),
    ).toMatchObject({ key: 'trap-restart:10.0.0.9', type: 'once' });
    expect(
      eventSignal(
        ev({ kind: 'notify.channel-failing', severity: 'major', details: { channelId: 'c1' } }),
      ),
    ).toMatchObject({
      key: 'channel:c1',
      type: 'raise',
    });
    expect(eventSignal(ev({ kind: 'device.new' }))).toBeUndefined();
    expect(eventSignal(ev({ kind: 'alert.raised', details: {} }))).toBeUndefined();
  });

  it('names a failing channel by the name its event carries', () => {
    // The details as the notification service writes them (channelStateOps).
    const details = { channelId: 'c1', channelName: 'ops mail', channelKind: 'email' };
    expect(
      eventSignal(ev({ kind: 'notify.channel-failing', severity: 'major', details }))?.title,
    ).toBe('Notification channel ops mail is failing');
  });
});
