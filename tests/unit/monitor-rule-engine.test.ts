import { describe, it, expect } from 'vitest';
import {
  evaluate,
  clearAllOf,
  type DeviceAlertState,
  type EvaluateResult,
} from '../../src/monitor/rule-engine.js';
import {
  DEFAULT_RULES,
  OverrideIndex,
  conditionText,
  effectiveRule,
  ruleSchema,
  type Rule,
  type RuleOverride,
} from '../../src/monitor/rules.js';
import { isImportant, importance } from '../../src/monitor/important.js';
import { flattenLabels, type DeviceObservation } from '../../src/monitor/observation.js';
import type { Sample } from '../../src/monitor/types.js';
import type { Neighbour } from '../../src/discovery/types.js';

const T0 = Date.parse('2026-11-26T12:00:00Z');
const MIN = 60_000;

function obs(over: Partial<DeviceObservation> = {}, at = T0): DeviceObservation {
  return {
    deviceId: 'd1',
    deviceName: 'nas-backup',
    deviceType: 'nas',
    at,
    reach: 'up',
    samples: [],
    interfaces: [],
    labels: {},
    forecasts: [],
    ...over,
  };
}

const s = (metric: Sample['metric'], value: number, instance = ''): Sample => ({
  metric,
  instance,
  value,
});

/** Feeds observations in order, carrying the state along like the alert service does. */
class Run {
  state: DeviceAlertState | undefined;
  constructor(
    private rules: readonly Rule[] = DEFAULT_RULES,
    private overrides: RuleOverride[] = [],
    private ctx: Parameters<typeof evaluate>[5] = {},
  ) {}
  at(t: number, o: Partial<DeviceObservation>): EvaluateResult {
    const r = evaluate(this.rules, this.overrides, obs(o, t), this.state, t, this.ctx);
    this.state = r.state;
    return r;
  }
  firing(): string[] {
    return (this.state?.entries ?? [])
      .filter((e) => e.firing)
      .map((e) => `${e.ruleId}:${e.instance}`);
  }
}

const rule = (id: string) => DEFAULT_RULES.find((r) => r.id === id)!;

describe('rule engine: sustained thresholds', () => {
  it('raises CPU high only after 15 minutes above 90 %, once', () => {
    const run = new Run();
    expect(run.at(T0, { samples: [s('cpu.load_pct', 95)] }).raise).toEqual([]);
    expect(run.at(T0 + 5 * MIN, { samples: [s('cpu.load_pct', 97)] }).raise).toEqual([]);
    expect(run.at(T0 + 14 * MIN, { samples: [s('cpu.load_pct', 96)] }).raise).toEqual([]);
    const r = run.at(T0 + 15 * MIN, { samples: [s('cpu.load_pct', 94)] });
    expect(r.raise).toHaveLength(1);
    expect(r.raise[0]).toMatchObject({
      ruleId: 'cpu-high',
      deviceId: 'd1',
      instance: '',
      severity: 'minor',
      value: 94,
      threshold: 90,
      message: 'CPU load on nas-backup is 94 % (threshold 90 %).',
    });
    // Still high: no second raise.
    expect(run.at(T0 + 16 * MIN, { samples: [s('cpu.load_pct', 99)] }).raise).toEqual([]);
    expect(run.firing()).toEqual(['cpu-high:']);
  });

  it('starts the wait again when the value dips below the level', () => {
    const run = new Run();
    run.at(T0, { samples: [s('cpu.load_pct', 95)] });
    run.at(T0 + 10 * MIN, { samples: [s('cpu.load_pct', 85)] });
    expect(run.at(T0 + 15 * MIN, { samples: [s('cpu.load_pct', 95)] }).raise).toEqual([]);
    expect(run.at(T0 + 29 * MIN, { samples: [s('cpu.load_pct', 95)] }).raise).toEqual([]);
    expect(run.at(T0 + 30 * MIN, { samples: [s('cpu.load_pct', 95)] }).raise).toHaveLength(1);
  });

  it('starts the wait again after a gap without data longer than maxGapMs', () => {
    const run = new Run(DEFAULT_RULES, [], { maxGapMs: 5 * MIN });
    run.at(T0, { samples: [s('cpu.load_pct', 95)] });
    expect(run.at(T0 + 20 * MIN, { samples: [s('cpu.load_pct', 95)] }).raise).toEqual([]);
    expect(run.at(T0 + 24 * MIN, { samples: [s('cpu.load_pct', 95)] }).raise).toEqual([]);
    expect(run.at(T0 + 35 * MIN, { samples: [s('cpu.load_pct', 95)] }).raise).toEqual([]);
  });

  it('hysteresis: stays raised between the clear level and the alert level, clears below it', () => {
    const run = new Run();
    const st = (v: number) => ({
      samples: [s('storage.used_pct', v, '31')],
      labels: { 'storage:31': '/srv' },
    });
    const r = run.at(T0, st(93));
    expect(r.raise.map((a) => a.message)).toEqual([
      'Disk /srv on nas-backup is 93 % full (threshold 90 %).',
    ]);
    expect(run.at(T0 + MIN, st(89)).clear).toEqual([]);
    expect(run.at(T0 + 2 * MIN, st(88.5)).clear).toEqual([]);
    const c = run.at(T0 + 3 * MIN, st(87));
    expect(c.clear).toHaveLength(1);
    expect(c.clear[0]).toMatchObject({
      ruleId: 'storage-full',
      instance: '31',
      reason: 'recovered',
      value: 87,
      message: 'Resolved: Disk /srv on nas-backup is 87 % full.',
      raisedAt: T0,
    });
    expect(run.firing()).toEqual([]);
    expect(run.state?.entries).toEqual([]);
  });

  it('a second level makes the alert worse once, and it does not get better until cleared', () => {
    const run = new Run();
    const st = (v: number) => ({ samples: [s('storage.used_pct', v, '1')], labels: { '1': 'C:' } });
    expect(run.at(T0, st(92)).raise[0]).toMatchObject({ severity: 'major' });
    const worse = run.at(T0 + MIN, st(96)).raise;
    expect(worse).toHaveLength(1);
    expect(worse[0]).toMatchObject({
      severity: 'critical',
      escalated: true,
      threshold: 95,
      message: 'Disk C: on nas-backup is 96 % full (critical above 95 %).',
      raisedAt: T0,
    });
    expect(run.at(T0 + 2 * MIN, st(97)).raise).toEqual([]);
    expect(run.at(T0 + 3 * MIN, st(92)).raise).toEqual([]);
    expect(run.state?.entries[0]?.severity).toBe('critical');
    // Straight past both levels: raised critical at once.
    const fresh = new Run();
    const first = fresh.at(T0, st(99)).raise[0]!;
    expect(first.severity).toBe('critical');
    expect(first.escalated).toBeUndefined();
  });

  it('certificate expiring: warning under 21 days, critical under 7, expired in words', () => {
    const run = new Run();
    const cert = (v: number) => ({
      samples: [s('svc.cert_days', v, 'c1')],
      labels: { 'svc:c1': 'Intranet HTTPS' },
    });
    expect(run.at(T0, cert(30)).raise).toEqual([]);
    expect(run.at(T0 + MIN, cert(20)).raise[0]?.message).toBe(
      'The certificate of Service check Intranet HTTPS on nas-backup expires in 20 days (threshold 21 days).',
    );
    expect(run.at(T0 + 2 * MIN, cert(-2)).raise[0]).toMatchObject({
      severity: 'critical',
      message:
        'The certificate of Service check Intranet HTTPS on nas-backup expired 2 days ago (critical below 7 days).',
    });
    expect(run.at(T0 + 3 * MIN, cert(90)).clear).toHaveLength(1);
  });

  it('service check failing needs two failures in a row', () => {
    const run = new Run();
    const svc = (v: number) => ({
      samples: [s('svc.up', v, 'c1')],
      labels: { 'svc:c1': 'Intranet' },
    });
    expect(run.at(T0, svc(0)).raise).toEqual([]);
    expect(run.at(T0 + MIN, svc(1)).raise).toEqual([]);
    expect(run.at(T0 + 2 * MIN, svc(0)).raise).toEqual([]);
    const r = run.at(T0 + 3 * MIN, svc(0));
    expect(r.raise.map((a) => [a.severity, a.message])).toEqual([
      ['major', 'Service check Intranet on nas-backup is failing.'],
    ]);
    expect(run.at(T0 + 4 * MIN, svc(1)).clear[0]?.message).toBe(
      'Resolved: Service check Intranet on nas-backup is passing.',
    );
  });

  it('ignores negative supply levels (Printer-MIB "unknown" and "some left")', () => {
    const run = new Run();
    const r = run.at(T0, {
      deviceType: 'printer',
      deviceName: 'printer-1',
      samples: [s('printer.supply_pct', -3, '1'), s('printer.supply_pct', 8, '2')],
      labels: flattenLabels({ supply: { '1': 'Cyan', '2': 'Black Toner' } }),
    });
    expect(r.raise.map((a) => a.message)).toEqual([
      'Black Toner on printer-1 is at 8 % (threshold 10 %).',
    ]);
  });

  it('UPS on battery, battery low and runtime low', () => {
    const run = new Run();
    const r = run.at(T0, {
      deviceType: 'ups',
      deviceName: 'ups-1',
      samples: [s('ups.on_battery', 1), s('ups.battery_pct', 25), s('ups.runtime_min', 8)],
    });
    expect(r.raise.map((a) => `${a.severity}: ${a.message}`).sort()).toEqual([
      'critical: UPS ups-1 battery is at 25 % (threshold 30 %).',
      'critical: UPS ups-1 has 8 min of runtime left (threshold 10 min).',
      'major: UPS ups-1 is running on battery.',
    ]);
    const back = run.at(T0 + MIN, {
      deviceType: 'ups',
      deviceName: 'ups-1',
      samples: [s('ups.on_battery', 0), s('ups.battery_pct', 35), s('ups.runtime_min', 20)],
    });
    // 35 % is above the alert level but below the clear level (40 %): still raised.
    expect(back.clear.map((a) => a.ruleId).sort()).toEqual(['ups-on-battery', 'ups-runtime-low']);
    expect(back.clear.find((a) => a.ruleId === 'ups-on-battery')?.message).toBe(
      'Resolved: UPS ups-1 is on mains power.',
    );
  });

  it('interface utilisation takes the worse direction, errors add both directions', () => {
    const run = new Run(DEFAULT_RULES.map((r) => ({ ...r, forS: 0 })));
    const r = run.at(T0, {
      deviceType: 'switch',
      deviceName: 'sw-1',
      interfaces: [
        { ifIndex: '1', name: 'Gi0/1', alias: 'office', adminUp: true, oper: 'up', uplink: false },
      ],
      samples: [
        s('if.in_util_pct', 20, '1'),
        s('if.out_util_pct', 93, '1'),
        s('if.in_errors_ps', 0.6, '1'),
        s('if.out_errors_ps', 0.6, '1'),
      ],
    });
    expect(r.raise.map((a) => a.message).sort()).toEqual([
      'Interface Gi0/1 (“office”) on sw-1 has 1.2 errors/s (threshold 1/s).',
      'Interface Gi0/1 (“office”) on sw-1 is 93 % utilised (threshold 90 %).',
    ]);
  });
});

describe('rule engine: clearing', () => {
  it('an instance no longer reported clears, but only when the observation covers it', () => {
    const run = new Run();
    run.at(T0, { samples: [s('storage.used_pct', 93, '31'), s('cpu.load_pct', 5)] });
    // A reachability-only cycle says nothing about disks.
    expect(run.at(T0 + MIN, { samples: [] }).clear).toEqual([]);
    // A failed SNMP poll neither.
    expect(run.at(T0 + 2 * MIN, { samples: [], covers: { snmp: false } }).clear).toEqual([]);
    const r = run.at(T0 + 3 * MIN, { samples: [s('cpu.load_pct', 5)] });
    expect(r.clear).toHaveLength(1);
    expect(r.clear[0]).toMatchObject({
      reason: 'gone',
      message:
        'Storage #31 is no longer reported by nas-backup; the alert “Storage almost full” is closed.',
    });
  });

  it('a disabled rule clears its raised alerts', () => {
    const run = new Run();
    run.at(T0, { samples: [s('storage.used_pct', 93, '31')] });
    const disabled = DEFAULT_RULES.map((r) =>
      r.id === 'storage-full' ? { ...r, enabled: false } : r,
    );
    const r = evaluate(
      disabled,
      [],
      obs({ samples: [s('storage.used_pct', 93, '31')] }, T0 + MIN),
      run.state,
      T0 + MIN,
    );
    expect(r.clear.map((a) => a.reason)).toEqual(['not-applicable']);
    expect(r.state.entries).toEqual([]);
  });

  it('ignores an observation older than the last one evaluated', () => {
    const run = new Run();
    run.at(T0 + 10 * MIN, { samples: [s('storage.used_pct', 93, '31')] });
    const before = run.state;
    const r = run.at(T0 + 5 * MIN, { samples: [s('storage.used_pct', 50, '31')] });
    expect(r.clear).toEqual([]);
    expect(r.state).toBe(before);
  });

  it('a reboot raises a warning that clears by itself after an hour; another reboot restarts it', () => {
    const run = new Run();
    const r = run.at(T0, { rebooted: true, samples: [s('cpu.load_pct', 3)] });
    expect(r.raise.map((a) => [a.ruleId, a.severity, a.message])).toEqual([
      ['reboot', 'warning', 'nas-backup restarted (its uptime went back).'],
    ]);
    expect(
      run.at(T0 + 30 * MIN, { rebooted: false, samples: [s('cpu.load_pct', 3)] }).clear,
    ).toEqual([]);
    expect(
      run.at(T0 + 40 * MIN, { rebooted: true, samples: [s('cpu.load_pct', 3)] }).raise,
    ).toEqual([]);
    expect(run.at(T0 + 70 * MIN, { samples: [s('cpu.load_pct', 3)] }).clear).toEqual([]);
    // Even a reachability-only observation ends it once its time is up.
    const c = run.at(T0 + 101 * MIN, { samples: [] });
    expect(c.clear.map((a) => [a.ruleId, a.reason, a.message])).toEqual([
      [
        'reboot',
        'expired',
        'nas-backup has run without a restart for 1 h; the restart alert is closed.',
      ],
    ]);
  });

  it('clearAllOf closes every raised alert of a removed device', () => {
    const run = new Run();
    run.at(T0, { samples: [s('storage.used_pct', 93, '31'), s('cpu.load_pct', 99)] });
    const closes = clearAllOf(run.state!, T0 + MIN);
    expect(closes.map((a) => [a.ruleId, a.reason])).toEqual([['storage-full', 'device-removed']]);
  });
});

describe('rule engine: interfaces', () => {
  const iface = (over: Partial<DeviceObservation['interfaces'][number]>) => ({
    ifIndex: '1',
    name: 'Gi0/1',
    alias: '',
    adminUp: true,
    oper: 'down',
    uplink: false,
    ...over,
  });
  const sw = (interfaces: DeviceObservation['interfaces']) => ({
    deviceType: 'switch',
    deviceName: 'sw-core',
    interfaces,
  });

  it('raises only for important, enabled interfaces', () => {
    const run = new Run();
    const r = run.at(
      T0,
      sw([
        iface({ ifIndex: '1', alias: 'Uplink to core' }),
        iface({ ifIndex: '2', name: 'Gi0/2', alias: 'desk 14' }),
        iface({ ifIndex: '3', name: 'Gi0/3', alias: 'WAN', adminUp: false }),
        iface({ ifIndex: '4', name: 'Gi0/4', uplink: true, oper: 'lowerLayerDown' }),
        iface({ ifIndex: '5', name: 'Gi0/5', uplink: true, oper: 'testing' }),
      ]),
    );
    expect(r.raise.map((a) => [a.instance, a.severity, a.message])).toEqual([
      [
        '1',
        'major',
        'Interface Gi0/1 (“Uplink to core”) on sw-core is down although it is enabled.',
      ],
      ['4', 'major', 'Interface Gi0/4 on sw-core is lowerLayerDown although it is enabled.'],
    ]);
  });

  it('uses the important set it is given (marks, LLDP) instead of guessing', () => {
    const run = new Run(DEFAULT_RULES, [], { important: new Set(['2']) });
    const r = run.at(T0, sw([iface({ ifIndex: '1', alias: 'uplink' }), iface({ ifIndex: '2' })]));
    expect(r.raise.map((a) => a.instance)).toEqual(['2']);
  });

  it('clears when the port comes up, or is disabled by an admin', () => {
    const run = new Run();
    run.at(
      T0,
      sw([iface({ alias: 'trunk' }), iface({ ifIndex: '2', name: 'Gi0/2', alias: 'core' })]),
    );
    expect(run.firing()).toEqual(['interface-down:1', 'interface-down:2']);
    const r = run.at(
      T0 + MIN,
      sw([
        iface({ alias: 'trunk', oper: 'up' }),
        iface({ ifIndex: '2', name: 'Gi0/2', alias: 'core', adminUp: false }),
      ]),
    );
    expect(r.clear.map((a) => [a.instance, a.reason, a.message])).toEqual([
      ['1', 'recovered', 'Resolved: Interface Gi0/1 (“trunk”) on sw-core is up again.'],
      [
        '2',
        'excluded',
        'Interface Gi0/2 (“core”) on sw-core was disabled by an administrator; the alert “Important interface down” is closed.',
      ],
    ]);
  });
});

describe('rule engine: device down suppression', () => {
  it('raises device down and holds back the device’s other alerts while it is down', () => {
    const fast = DEFAULT_RULES.map((r) => ({ ...r, forS: 0 }));
    const run = new Run(fast);
    run.at(T0, { samples: [s('storage.used_pct', 93, '31')] });
    expect(run.firing()).toEqual(['storage-full:31']);
    const down = run.at(T0 + MIN, {
      reach: 'down',
      samples: [s('cpu.load_pct', 99)],
      interfaces: [
        { ifIndex: '1', name: 'eth0', alias: 'uplink', adminUp: true, oper: 'down', uplink: true },
      ],
    });
    expect(down.raise.map((a) => [a.ruleId, a.severity, a.message])).toEqual([
      ['device-down', 'critical', 'nas-backup is not reachable.'],
    ]);
    expect(down.clear).toEqual([]);
    // An SNMP-only observation while the device is known to be down: still held back.
    const snmpOnly = evaluate(
      fast,
      [],
      { ...obs({ samples: [s('cpu.load_pct', 99)] }, T0 + 2 * MIN), reach: undefined },
      run.state,
      T0 + 2 * MIN,
    );
    expect(snmpOnly.raise).toEqual([]);
    expect(snmpOnly.clear).toEqual([]);
    run.state = snmpOnly.state;
    expect(run.firing().sort()).toEqual(['device-down:', 'storage-full:31']);
    const up = run.at(T0 + 3 * MIN, {
      reach: 'up',
      samples: [s('cpu.load_pct', 99), s('storage.used_pct', 93, '31')],
    });
    expect(up.clear.map((a) => [a.ruleId, a.message])).toEqual([
      ['device-down', 'Resolved: nas-backup is reachable again.'],
    ]);
    expect(up.raise.map((a) => a.ruleId)).toEqual(['cpu-high']);
  });

  it('an unknown reachability changes nothing about device down', () => {
    const run = new Run();
    run.at(T0, { reach: 'down' });
    expect(run.at(T0 + MIN, { reach: 'unknown' }).clear).toEqual([]);
    expect(run.firing()).toEqual(['device-down:']);
  });
});

describe('rule engine: forecasts', () => {
  it('raises when a disk is forecast to fill within 14 days, clears when the forecast goes away', () => {
    const run = new Run();
    const r = run.at(T0, {
      samples: [s('storage.used_pct', 70, '31')],
      labels: { 'storage:31': '/srv' },
      forecasts: [{ instance: '31', daysToFull: 9.4 }],
    });
    expect(r.raise.map((a) => [a.ruleId, a.severity, a.message])).toEqual([
      [
        'storage-forecast',
        'warning',
        'Disk /srv on nas-backup will be full in about 9 days at the current rate (threshold 14 days).',
      ],
    ]);
    // 18 days: inside the hysteresis band (clears at 21).
    expect(
      run.at(T0 + MIN, {
        samples: [s('storage.used_pct', 70, '31')],
        forecasts: [{ instance: '31', daysToFull: 18 }],
      }).clear,
    ).toEqual([]);
    const c = run.at(T0 + 2 * MIN, {
      samples: [s('storage.used_pct', 60, '31')],
      labels: { 'storage:31': '/srv' },
    });
    expect(c.clear.map((a) => a.message)).toEqual([
      'Resolved: Disk /srv on nas-backup is no longer forecast to fill up within 14 days.',
    ]);
  });
});

describe('rules and overrides', () => {
  const ov = (o: Partial<RuleOverride> & Pick<RuleOverride, 'scope' | 'key'>): RuleOverride => ({
    ruleId: 'cpu-high',
    updatedAt: '',
    updatedBy: 'admin',
    ...o,
  });

  it('resolves device over type over rule, field by field, and keeps the hysteresis gap', () => {
    const idx = new OverrideIndex([
      ov({ scope: 'type', key: 'server', threshold: 80, severity: 'major' }),
      ov({ scope: 'device', key: 'd9', threshold: 70, forS: 0 }),
    ]);
    const cpu = rule('cpu-high');
    const sw = effectiveRule(cpu, idx, { id: 'd1', type: 'switch' });
    expect([sw.threshold, sw.clearThreshold, sw.severity, sw.forS]).toEqual([90, 80, 'minor', 900]);
    const srv = effectiveRule(cpu, idx, { id: 'd2', type: 'server' });
    expect([srv.threshold, srv.clearThreshold, srv.severity, srv.forS]).toEqual([
      80,
      70,
      'major',
      900,
    ]);
    const d9 = effectiveRule(cpu, idx, { id: 'd9', type: 'server' });
    expect([d9.threshold, d9.clearThreshold, d9.severity, d9.forS]).toEqual([70, 60, 'major', 0]);
    expect(d9.from).toEqual({ threshold: 'device', severity: 'type', forS: 'device' });
  });

  it('enables and disables per type and device; appliesTo limits the rule', () => {
    const idx = new OverrideIndex([
      ov({ scope: 'type', key: 'printer', enabled: false }),
      ov({ scope: 'device', key: 'p7', enabled: true }),
    ]);
    const cpu = rule('cpu-high');
    expect(effectiveRule(cpu, idx, { id: 'p1', type: 'printer' }).applies).toBe(false);
    expect(effectiveRule(cpu, idx, { id: 'p7', type: 'printer' }).applies).toBe(true);
    const limited = { ...cpu, appliesTo: ['server' as const] };
    expect(effectiveRule(limited, idx, { id: 's', type: 'server' }).applies).toBe(true);
    expect(effectiveRule(limited, idx, { id: 'x', type: 'nas' }).applies).toBe(false);
  });

  it('effective() resolves once per device type, and per device only for rules a device overrides', () => {
    const idx = new OverrideIndex([
      ov({ scope: 'type', key: 'server', threshold: 80 }),
      ov({ ruleId: 'memory-high', scope: 'device', key: 'd9', threshold: 50 }),
    ]);
    const cpu = rule('cpu-high');
    const mem = rule('memory-high');
    const a = idx.effective(cpu, { id: 'd1', type: 'server' });
    // the same object for every server, and what effectiveRule gives
    expect(idx.effective(cpu, { id: 'd2', type: 'server' })).toBe(a);
    expect(a).toEqual(effectiveRule(cpu, idx, { id: 'd1', type: 'server' }));
    expect(idx.effective(cpu, { id: 'd3', type: 'switch' }).threshold).toBe(90);
    // a rule some device overrides is resolved for each device
    expect(idx.effective(mem, { id: 'd9', type: 'server' }).threshold).toBe(50);
    expect(idx.effective(mem, { id: 'd8', type: 'server' }).threshold).toBe(
      effectiveRule(mem, idx, { id: 'd8', type: 'server' }).threshold,
    );
    expect(idx.effective(mem, { id: 'd8', type: 'server' }).threshold).not.toBe(50);
  });

  it('the engine uses the resolved values', () => {
    const overrides = [
      ov({ scope: 'type', key: 'nas', threshold: 50, forS: 0 }),
      ov({ scope: 'device', key: 'd1', threshold: 60 }),
    ];
    const run = new Run(DEFAULT_RULES, overrides);
    expect(run.at(T0, { samples: [s('cpu.load_pct', 55)] }).raise).toEqual([]);
    expect(run.at(T0 + MIN, { samples: [s('cpu.load_pct', 61)] }).raise[0]).toMatchObject({
      threshold: 60,
      message: 'CPU load on nas-backup is 61 % (threshold 60 %).',
    });
    const other = new Run(DEFAULT_RULES, overrides);
    expect(other.at(T0, { deviceId: 'd2', samples: [s('cpu.load_pct', 55)] }).raise).toHaveLength(
      1,
    );
  });

  it('says each condition in words, and every default is a valid rule', () => {
    for (const r of DEFAULT_RULES) expect(ruleSchema.safeParse(r).success, r.id).toBe(true);
    expect(conditionText(rule('cpu-high'))).toBe('CPU load above 90 % for 15 min');
    expect(conditionText(rule('storage-full'))).toBe(
      'Storage used above 90 %; critical above 95 %',
    );
    expect(conditionText(rule('interface-utilisation'))).toBe(
      'Utilisation (in or out) above 90 % for 15 min',
    );
    expect(conditionText(rule('interface-errors'))).toBe('Errors (in + out) above 1/s for 10 min');
    expect(conditionText(rule('service-failing'))).toBe('Check passing: no, 2 checks in a row');
    expect(conditionText(rule('reboot'))).toBe('Uptime went back (a restart); clears after 1 h');
  });

  it('refuses inconsistent rules with the field to fix', () => {
    const bad = ruleSchema.safeParse({ ...rule('cpu-high'), clearThreshold: 95 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['clearThreshold']);
    const pct = ruleSchema.safeParse({ ...rule('cpu-high'), threshold: 120 });
    expect(pct.error?.issues[0]?.message).toBe('A percentage is between 0 and 100.');
  });
});

describe('important interfaces', () => {
  const n = (over: Partial<Neighbour>): Neighbour => ({
    localPort: 5,
    chassisId: 'aa:bb',
    portId: 'x',
    capabilities: ['bridge'],
    ...over,
  });
  const i = (over: { ifIndex?: string; name?: string; alias?: string; uplink?: boolean }) => ({
    ifIndex: '5',
    name: 'Gi0/5',
    alias: '',
    ...over,
  });

  it('finds uplinks by name, by the poller, by an LLDP neighbour that is network gear', () => {
    expect(isImportant(i({ alias: 'Uplink' }), [], {})).toBe(true);
    expect(isImportant(i({ name: 'ether1-wan' }), [], {})).toBe(true);
    expect(isImportant(i({ alias: 'to core sw' }), [], {})).toBe(true);
    expect(isImportant(i({ alias: 'Trunks' }), [], {})).toBe(true);
    expect(isImportant(i({ alias: 'hardcore gaming' }), [], {})).toBe(false);
    expect(isImportant(i({ alias: 'wlan printer' }), [], {})).toBe(false);
    expect(isImportant(i({ uplink: true }), [], {})).toBe(true);
    expect(importance(i({}), [n({ localIfIndex: 5, sysName: 'sw-2' })], {})).toEqual({
      important: true,
      reason: 'neighbour',
      detail: 'sw-2',
    });
    expect(isImportant(i({}), [n({ localPort: 6 })], {})).toBe(false);
    expect(isImportant(i({}), [n({ capabilities: ['bridge', 'telephone'] })], {})).toBe(false);
    expect(isImportant(i({}), [n({ capabilities: ['wlanAccessPoint'] })], {})).toBe(true);
  });

  it('a mark wins over detection either way', () => {
    expect(isImportant(i({ alias: 'uplink' }), [], { '5': false })).toBe(false);
    expect(isImportant(i({ alias: 'desk' }), [], new Map([['5', true]]))).toBe(true);
    expect(importance(i({ alias: 'uplink' }), [], { '6': false }).reason).toBe('name');
  });
});
