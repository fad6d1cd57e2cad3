// The reachability, SNMP and service jobs finish in any order: the reach cycle (a ping) ends
// before the SNMP observation stamped when the same minute's poll started is evaluated. A late
// observation is ignored only for the parts a newer observation already spoke for.
import { describe, it, expect } from 'vitest';
import { evaluate, type DeviceAlertState } from '../../src/monitor/rule-engine.js';
import { DEFAULT_RULES } from '../../src/monitor/rules.js';
import type { DeviceObservation, ObservedInterface } from '../../src/monitor/observation.js';

const T0 = Date.parse('2026-11-26T12:00:00Z');
const MIN = 60_000;

const base = (at: number): DeviceObservation => ({
  deviceId: 'd1',
  deviceName: 'fileserver',
  deviceType: 'server',
  at,
  samples: [],
  interfaces: [],
  labels: {},
  forecasts: [],
});

/** What MonitorService.reachCycle hands over. */
const reachObs = (at: number, reach: 'up' | 'down' = 'up'): DeviceObservation => ({
  ...base(at),
  reach,
  samples: [{ metric: 'reach.up', instance: '', value: reach === 'up' ? 1 : 0 }],
  covers: { snmp: false, services: false },
});

const uplink = (oper: string): ObservedInterface => ({
  ifIndex: '1',
  name: 'eth0',
  alias: '',
  adminUp: true,
  oper,
  uplink: true,
});

/** What MonitorService.pollOne hands over. */
const snmpObs = (at: number, cpu: number, oper = 'up'): DeviceObservation => ({
  ...base(at),
  samples: [{ metric: 'cpu.load_pct', instance: '', value: cpu }],
  interfaces: [uplink(oper)],
  covers: { snmp: true, services: false },
});

/** Like AlertService.evaluate: a state is kept once it has entries. */
class Service {
  raised: string[] = [];
  cleared: string[] = [];
  constructor(public state?: DeviceAlertState) {}
  feed(o: DeviceObservation, now: number) {
    const r = evaluate(DEFAULT_RULES, [], o, this.state, now, { important: new Set(['1']) });
    if (!this.state && !r.state.entries.length) return r;
    this.state = r.state;
    this.raised.push(...r.raise.map((a) => `${a.ruleId}:${a.instance}`));
    this.cleared.push(...r.clear.map((a) => `${a.ruleId}:${a.instance}`));
    return r;
  }
  /** One minute: the ping ends at +1.5 s; the poll started at +0.1 s, is evaluated at +6 s. */
  minute(m: number, cpu: number, oper = 'up') {
    const minute = T0 + m * MIN;
    this.feed(reachObs(minute + 1_500), minute + 1_500);
    return this.feed(snmpObs(minute + 100, cpu, oper), minute + 6_000);
  }
}

describe('rule engine: observations of different sources interleave', () => {
  it('CPU high for 20 minutes is raised although reach cycles finish before SNMP cycles', () => {
    const svc = new Service();
    for (let m = 0; m <= 20; m++) svc.minute(m, 97);
    expect(svc.raised).toEqual(['cpu-high:']);
  });

  it('an interface that comes back up clears although reach cycles finish first', () => {
    const svc = new Service();
    svc.minute(0, 5, 'down');
    svc.minute(1, 5, 'down');
    expect(svc.raised).toEqual(['interface-down:1']);
    svc.minute(2, 5, 'up');
    expect(svc.cleared).toEqual(['interface-down:1']);
  });

  it('still ignores an observation older than the last one of its own source', () => {
    const svc = new Service();
    svc.minute(0, 5, 'down');
    svc.minute(1, 5, 'down');
    const before = svc.state;
    // A poll that started before the one evaluated last (a slow device) arrives after it.
    const r = svc.feed(snmpObs(T0 + MIN + 50, 5, 'up'), T0 + MIN + 7_000);
    expect(r.clear).toEqual([]);
    expect(svc.state).toBe(before);
    expect(svc.state?.sourceAt).toEqual({ reach: T0 + MIN + 1_500, snmp: T0 + MIN + 100 });
  });

  it('uses the parts of an observation that are not late and ignores the others', () => {
    const svc = new Service();
    svc.minute(0, 5, 'down');
    svc.minute(1, 5, 'down');
    // Reach and SNMP in one observation, older than the last reach but newer than the last poll:
    // its "down" is stale, its interface reading is news.
    const r = svc.feed(
      { ...snmpObs(T0 + MIN + 1_000, 5, 'up'), reach: 'down', covers: { snmp: true } },
      T0 + MIN + 8_000,
    );
    expect(r.raise).toEqual([]);
    expect(r.clear.map((a) => a.ruleId)).toEqual(['interface-down']);
    expect(r.state.sourceAt).toEqual({ reach: T0 + MIN + 1_500, snmp: T0 + MIN + 1_000 });
  });

  it('a state stored before per-source times loads: each source starts from lastObsAt', () => {
    const stored: DeviceAlertState = {
      deviceId: 'd1',
      deviceName: 'fileserver',
      deviceType: 'server',
      lastObsAt: T0 + 1_500,
      entries: [
        {
          ruleId: 'cpu-high',
          instance: '',
          count: 1,
          firing: false,
          title: 'CPU load high',
          pendingSince: T0 - 20 * MIN,
          value: 97,
          updatedAt: T0 - MIN,
        },
      ],
    };
    const svc = new Service(JSON.parse(JSON.stringify(stored)) as DeviceAlertState);
    // The poll of the same minute is older than lastObsAt: ignored once, as before.
    expect(svc.feed(snmpObs(T0 + 100, 97), T0 + 6_000).state).toBe(svc.state);
    // From the next minute on, SNMP keeps its own time although reach is always later.
    for (let m = 1; m <= 3; m++) svc.minute(m, 97);
    expect(svc.raised).toEqual(['cpu-high:']);
    expect(svc.state?.sourceAt).toEqual({
      reach: T0 + 3 * MIN + 1_500,
      snmp: T0 + 3 * MIN + 100,
      services: T0 + 1_500,
    });
  });
});
