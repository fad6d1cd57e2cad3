import { describe, it, expect } from 'vitest';
import { cursorProblem, formatCursor, parseCursor } from '../../src/hq/change-cursor.js';
import { changesQuerySchema } from '../../src/hq/change-feed-schema.js';
import { SeqWindow } from '../../src/store/seq-window.js';
import { deriveChange } from '../../src/store/change-capture.js';
import type { DeviceRecord } from '../../src/store/types.js';
import type { IncidentRecord } from '../../src/incidents/types.js';
import type { BackupRun } from '../../src/store/backups.js';

const EPOCH = '0123456789abcdef';

describe('change feed cursors', () => {
  it('round-trip, and anything else is not a cursor', () => {
    for (const seq of [0, 1, 42, 9_007_199_254_740_991]) {
      const text = formatCursor({ epoch: EPOCH, seq });
      expect(parseCursor(text)).toEqual({ epoch: EPOCH, seq });
    }
    for (const bad of [
      '',
      'now',
      'c1',
      `c1.${EPOCH}`,
      `c1.${EPOCH}.`,
      `c1.${EPOCH}.-1`,
      `c1.${EPOCH}.01`,
      `c1.${EPOCH}.1.5`,
      `c1.${EPOCH}.1e3`,
      `c1.${EPOCH}. 1`,
      `c2.${EPOCH}.1`,
      `c1.${EPOCH.toUpperCase()}.1`,
      `c1.${EPOCH}0.1`,
      `c1.${EPOCH}.99999999999999999`,
      `c1.${EPOCH}.9007199254740993`,
      `c1.${EPOCH}.1\n`,
      '../../etc/passwd',
      'x'.repeat(10_000),
    ])
      expect(parseCursor(bad), bad).toBeUndefined();
  });

  it('can be continued from only while nothing after it is lost', () => {
    const feed = { epoch: EPOCH, visibleThrough: 100, prunedThrough: 40 };
    const at = (seq: number, epoch = EPOCH) => cursorProblem({ epoch, seq }, feed);
    expect(at(100)).toBeUndefined();
    expect(at(70)).toBeUndefined();
    // Exactly at the pruning mark: everything after it is still kept.
    expect(at(40)).toBeUndefined();
    expect(at(39)).toBe('pruned');
    expect(at(0)).toBe('pruned');
    expect(at(101)).toBe('ahead');
    expect(at(50, 'fedcba9876543210')).toBe('other-epoch');
    expect(cursorProblem({ epoch: EPOCH, seq: 0 }, { ...feed, prunedThrough: 0 })).toBeUndefined();
  });

  it('the query: limit defaults and is not refused when large; kinds are checked', () => {
    expect(changesQuerySchema.parse({})).toEqual({ limit: 100 });
    expect(changesQuerySchema.parse({ limit: '50000' }).limit).toBe(50_000);
    expect(changesQuerySchema.safeParse({ limit: '0' }).success).toBe(false);
    expect(changesQuerySchema.safeParse({ limit: 'x' }).success).toBe(false);
    expect(changesQuerySchema.safeParse({ kinds: 'device,incident.resolved' }).success).toBe(true);
    expect(changesQuerySchema.safeParse({ kinds: 'device,users' }).success).toBe(false);
  });
});

describe('sequence numbers in flight', () => {
  it('readers see nothing beyond the lowest number whose batch has not committed', () => {
    const w = new SeqWindow(10);
    const a = w.take(1); // 11
    const b = w.take(2); // 12, 13
    expect([a, b]).toEqual([11, 12]);
    expect(w.visibleThrough()).toBe(10);
    // The later batch commits first: still hidden behind 11.
    w.settle(b, true);
    expect(w.visibleThrough()).toBe(10);
    w.settle(a, true);
    expect(w.visibleThrough()).toBe(13);
    expect(w.pending).toBe(0);
  });

  it('a failed batch that is the newest gives its numbers back; an older one leaves a hole', () => {
    const w = new SeqWindow(0);
    const a = w.take(1);
    w.settle(a, false);
    expect(w.newest()).toBe(0);
    expect(w.take(1)).toBe(1);
    w.settle(1, true);
    const b = w.take(1); // 2
    const c = w.take(1); // 3
    w.settle(b, false);
    // 2 will never appear; 3 is still in flight.
    expect(w.visibleThrough()).toBe(2);
    expect(w.newest()).toBe(3);
    w.settle(c, true);
    expect(w.visibleThrough()).toBe(3);
    expect(w.newest()).toBe(3);
  });
});

const device = (over: Partial<DeviceRecord> = {}): DeviceRecord => ({
  id: 'dev1',
  name: 'sw-floor1',
  nameSource: 'auto',
  ip: '10.0.0.2',
  addresses: ['10.0.0.2'],
  type: 'switch',
  typeSource: 'auto',
  reasons: [],
  snmp: { ok: true },
  services: [],
  interfaceCount: 24,
  notes: '',
  status: 'up',
  missedScans: 0,
  firstSeen: '2026-11-01T00:00:00.000Z',
  lastSeen: '2026-11-01T00:00:00.000Z',
  lastScanId: 's1',
  ...over,
});

const incident = (over: Partial<IncidentRecord> = {}): IncidentRecord => ({
  id: 'i1',
  key: 'device-down/dev1/',
  title: 'Device down',
  severity: 'critical',
  state: 'open',
  deviceId: 'dev1',
  count: 1,
  firstSeen: '2026-11-01T00:00:00.000Z',
  lastSeen: '2026-11-01T00:00:00.000Z',
  openedAt: '2026-11-01T00:00:00.000Z',
  active: true,
  autoResolve: true,
  reopenCount: 0,
  flapping: false,
  transitions: [1, 2, 3],
  notified: [],
  updatedAt: '2026-11-01T00:00:00.000Z',
  ...over,
});

describe('which writes are changes', () => {
  it('devices: added, changed, removed; a rescan that only moves volatile fields is not news', () => {
    expect(deriveChange('device', 'dev1', undefined, device())?.kind).toBe('device.added');
    expect(deriveChange('device', 'dev1', device(), undefined)).toMatchObject({
      kind: 'device.removed',
      data: { name: 'sw-floor1' },
    });
    const rescan = device({
      lastSeen: '2026-11-02T00:00:00.000Z',
      lastScanId: 's2',
      uptimeS: 99,
      uptimeAt: '2026-11-02T00:00:00.000Z',
    });
    expect(deriveChange('device', 'dev1', device(), rescan)).toBeUndefined();
    // Same fields in another order.
    const { name, ...rest } = device();
    expect(deriveChange('device', 'dev1', device(), { ...rest, name } as DeviceRecord)).toBe(
      undefined,
    );
    expect(
      deriveChange('device', 'dev1', device(), device({ status: 'missing', missedScans: 3 })),
    ).toMatchObject({ kind: 'device.changed', data: { status: 'missing' } });
    expect(deriveChange('device', 'dev1', device(), device({ snmp: { ok: false } }))?.kind).toBe(
      'device.changed',
    );
  });

  it('incidents: opened, changed, resolved, reopened; folded repeats are not news', () => {
    const opened = deriveChange('incident', 'i1', undefined, incident());
    expect(opened?.kind).toBe('incident.opened');
    expect(opened?.data).not.toHaveProperty('transitions');
    expect(
      deriveChange('incident', 'i1', incident(), incident({ count: 500, lastSeen: 'x', value: 3 })),
    ).toBeUndefined();
    expect(
      deriveChange('incident', 'i1', incident(), incident({ state: 'acknowledged' }))?.kind,
    ).toBe('incident.changed');
    expect(
      deriveChange(
        'incident',
        'i1',
        incident({ state: 'acknowledged' }),
        incident({ state: 'resolved' }),
      )?.kind,
    ).toBe('incident.resolved');
    expect(
      deriveChange('incident', 'i1', incident({ state: 'resolved' }), incident({ reopenCount: 1 }))
        ?.kind,
    ).toBe('incident.opened');
    // Retention deleting a resolved incident.
    expect(deriveChange('incident', 'i1', incident({ state: 'resolved' }), undefined)).toBe(
      undefined,
    );
  });

  it('backup runs: only the step to a final status, without the log, long lists cut', () => {
    const run = (over: Partial<BackupRun> = {}): BackupRun => ({
      id: 'r1',
      jobId: 'j1',
      jobName: 'Share',
      kind: 'backup',
      status: 'running',
      trigger: 'manual',
      by: 'admin',
      startedAt: '2026-11-01T00:00:00.000Z',
      ...over,
    });
    expect(deriveChange('backupRun', 'r1', undefined, run())).toBeUndefined();
    for (const status of ['succeeded', 'warning', 'failed', 'interrupted'] as const) {
      const c = deriveChange(
        'backupRun',
        'r1',
        run(),
        run({
          status,
          log: ['x'.repeat(1000)],
          warnings: Array.from({ length: 50 }, (_, i) => `w${i}`),
        }),
      );
      expect(c?.kind).toBe('backup.run.finished');
      expect(c?.data).not.toHaveProperty('log');
      expect(c?.data).toMatchObject({ status, warningCount: 50 });
      expect((c?.data.warnings as string[]).length).toBe(20);
    }
    expect(deriveChange('backupRun', 'r1', undefined, run({ status: 'failed' }))?.kind).toBe(
      'backup.run.finished',
    );
    expect(
      deriveChange(
        'backupRun',
        'r1',
        run({ status: 'failed' }),
        run({ status: 'failed', removed: [] }),
      ),
    ).toBeUndefined();
  });
});
