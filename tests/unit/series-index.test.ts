import { describe, expect, it } from 'vitest';
import { DeviceSeries, MAX_COLUMNS, type SeriesIndexJson } from '../../src/store/series-index.js';
import { StringPool } from '../../src/lib/string-pool.js';

describe('compact series index', () => {
  const stored: SeriesIndexJson = {
    deviceId: 'dev1',
    next: 4,
    cols: [
      { c: 0, metric: 'if.in_bps', instance: '1', source: 'snmp', label: 'Gi0/1', first: 100 },
      { c: 1, metric: 'if.out_bps', instance: '1', source: 'snmp', label: 'Gi0/1', first: 100 },
      // column 2 was never written (a gap in the numbering stays a gap)
      { c: 3, metric: 'reach.up', instance: '', source: 'reach', first: 160 },
    ],
  };

  /** Through the bytes the store keeps, into a new pool (as a restart reads it). */
  const restored = (d: DeviceSeries) =>
    DeviceSeries.fromStored(d.deviceId, d.encode(), new StringPool())!;
  const text = (s: string) => [s.length, ...Buffer.from(s)];

  it('reads the older stored forms (JSON) and writes the compact one', () => {
    const d = DeviceSeries.fromJson(stored, new StringPool());
    expect(d.cols()).toEqual(stored.cols);
    expect(d.size).toBe(3);
    expect(d.find('if.out_bps', '1')).toBe(1);
    expect(d.find('if.out_bps', '2')).toBe(-1);
    expect(d.find('no.such', '1')).toBe(-1);
    expect(d.col(2)).toBeUndefined();
    expect(d.col(-1)).toBeUndefined();
    expect(d.col(3)).toEqual(stored.cols![2]);
    expect(d.sourceOf(3)).toBe('reach');
    // marker, next, the strings in order of first use, then per column: the gap before it,
    // metric << 2 | source, instance, label + 1, and zigzag(first − the previous column's)
    expect([...d.encode()]).toEqual([
      0x02,
      4,
      6,
      ...text('if.in_bps'),
      ...text('1'),
      ...text('Gi0/1'),
      ...text('if.out_bps'),
      ...text('reach.up'),
      ...text(''),
      3,
      ...[0, 0 * 4 + 1, 1, 2 + 1, 0xc8, 0x01], // first 100: zigzag 200, two bytes
      ...[0, 3 * 4 + 1, 1, 2 + 1, 0],
      ...[1, 4 * 4 + 0, 5, 0, 120], // column 2 skipped; no label; 60 s later
    ]);
    const back = restored(d);
    expect(back.cols()).toEqual(stored.cols);
    expect(back.next).toBe(4);
    // The JSON the store kept before, in both of its forms, read from its bytes.
    const columnar = {
      deviceId: 'dev1',
      next: 4,
      strings: ['if.in_bps', '1', 'Gi0/1', 'if.out_bps', 'reach.up', ''],
      c: [0, 1, 3],
      m: [0, 3, 4],
      i: [1, 1, 5],
      l: [2, 2, -1],
      s: [1, 1, 0],
      f: [100, 100, 160],
    };
    for (const json of [stored, columnar]) {
      const old = DeviceSeries.fromStored(
        'dev1',
        Buffer.from(JSON.stringify(json)),
        new StringPool(),
      );
      expect(old?.cols()).toEqual(stored.cols);
      expect(old?.next).toBe(4);
    }
  });

  it('reads a damaged stored index as what it can trust, and never throws', () => {
    const pool = new StringPool();
    const d = new DeviceSeries('sw', pool);
    for (let i = 0; i < 60; i++)
      d.add(i % 2 ? 'if.in_bps' : 'if.out_bps', `${i >> 1}`, 'snmp', 1e9 + i);
    d.setLabel(7, 'uplink');
    const bytes = d.encode();
    const whole = d.cols();
    // Every cut: unreadable (undefined) until the strings are whole, then a prefix of the columns
    // with `next` intact, so that a new series never takes an old one's number.
    let readable = 0;
    for (let cut = 0; cut < bytes.length; cut++) {
      const got = DeviceSeries.fromStored('sw', bytes.subarray(0, cut), new StringPool());
      if (!got) continue;
      readable++;
      expect(got.next).toBe(60);
      expect(whole.slice(0, got.size)).toEqual(got.cols());
    }
    expect(readable).toBeGreaterThan(bytes.length / 2);
    // Changed bytes: whatever is read names metrics as metrics and columns below MAX_COLUMNS.
    let seed = 7;
    const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let n = 0; n < 2000; n++) {
      const b = Uint8Array.from(bytes);
      for (let k = 0; k < 1 + Math.floor(rand() * 4); k++)
        b[Math.floor(rand() * b.length)] = Math.floor(rand() * 256);
      const got = DeviceSeries.fromStored('sw', b, new StringPool());
      for (const c of got?.cols() ?? []) {
        expect(c.metric).toMatch(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$/);
        expect(c.c).toBeLessThan(MAX_COLUMNS);
      }
      if (got) expect(got.next).toBeLessThanOrEqual(MAX_COLUMNS);
    }
    // Neither form, or JSON without its next column number: unreadable.
    for (const junk of ['', 'null', '[1,2]', '{"deviceId":"sw","c":[0]}', '{"next":-1}', '\u0001'])
      expect(DeviceSeries.fromStored('sw', Buffer.from(junk), new StringPool())).toBeUndefined();
    // JSON whose columns are absurd keeps the sane ones (a huge column number is no column).
    const odd = DeviceSeries.fromStored(
      'sw',
      Buffer.from(
        JSON.stringify({
          next: 3,
          strings: ['if.in_bps', '1'],
          c: [0, 2 ** 40],
          m: [0, 0],
          i: [1, 1],
          l: [-1, -1],
          s: [1, 1],
          f: [1, 1],
        }),
      ),
      new StringPool(),
    );
    expect(odd?.cols().map((c) => c.c)).toEqual([0]);
  });

  it('reads hostile bytes and JSON without huge arrays, and keeps only what it can write back', () => {
    const before = process.memoryUsage().arrayBuffers;
    // `next` past MAX_COLUMNS (varuint 81 80 40 = 1 + 64 × 2^14 = 2^20 + 1): unreadable
    expect(
      DeviceSeries.fromStored(
        'x',
        Uint8Array.from([0x02, 0x81, 0x80, 0x40, 0, 0]),
        new StringPool(),
      ),
    ).toBeUndefined();
    // one column just below MAX_COLUMNS naming no string: dropped before the arrays are sized
    const gap = MAX_COLUMNS - 2;
    const bytes = [0x02, 0, 0, 1];
    for (let v = gap; ; v = Math.floor(v / 128)) {
      if (v < 128) {
        bytes.push(v);
        break;
      }
      bytes.push(0x80 | (v % 128));
    }
    bytes.push(0, 0, 0, 0);
    const d = DeviceSeries.fromStored('x', Uint8Array.from(bytes), new StringPool())!;
    expect(d.size).toBe(0);
    expect(d.next).toBe(0);
    // the same through JSON: a column that names nothing costs nothing
    const j = DeviceSeries.fromStored(
      'x',
      Buffer.from(
        JSON.stringify({
          next: 1,
          strings: [],
          c: [MAX_COLUMNS - 1],
          m: [0],
          i: [0],
          l: [-1],
          s: [1],
          f: [0],
        }),
      ),
      new StringPool(),
    )!;
    expect(j.size).toBe(0);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(1 << 20);
    // `next` = MAX_COLUMNS is a real (if absurd) next, in either form; one more is not
    expect(
      DeviceSeries.fromStored('x', Buffer.from(`{"next":${MAX_COLUMNS},"c":[]}`), new StringPool())
        ?.next,
    ).toBe(MAX_COLUMNS);
    expect(
      DeviceSeries.fromStored(
        'x',
        Buffer.from(`{"next":${MAX_COLUMNS + 1},"c":[]}`),
        new StringPool(),
      ),
    ).toBeUndefined();
    // Instances and labels that are not strings (damaged JSON) leave their column out: what is
    // kept can be written back.
    const odd = DeviceSeries.fromStored(
      'x',
      Buffer.from(
        JSON.stringify({
          next: 3,
          cols: [
            { c: 0, metric: 'if.in_bps', instance: null, source: 'snmp', first: 1 },
            { c: 1, metric: 'if.in_bps', instance: '2', source: 'snmp', label: 7, first: 1 },
            { c: 2, metric: 'if.in_bps', instance: '3', source: 'snmp', label: 'Gi0/3', first: 1 },
          ],
        }),
      ),
      new StringPool(),
    )!;
    expect(odd.cols().map((c) => c.c)).toEqual([2]);
    expect(restored(odd).cols()).toEqual(odd.cols());
    const mixed = DeviceSeries.fromStored(
      'x',
      Buffer.from(
        JSON.stringify({
          next: 2,
          strings: ['if.in_bps', 7, '1'],
          c: [0, 1],
          m: [0, 0],
          i: [1, 2],
          l: [-1, 1],
          s: [1, 1],
          f: [1, 1],
        }),
      ),
      new StringPool(),
    )!;
    expect(mixed.cols().map((c) => c.c)).toEqual([]);
  });

  it('keeps every string as it was, a leading U+FEFF and multi-byte characters too', () => {
    const d = new DeviceSeries('x', new StringPool());
    for (const inst of ['\uFEFFport 1', 'Порт 2', '端口 3', '🙂', '', 'a\u0000b'])
      d.add('if.in_bps', inst, 'snmp', 1);
    d.setLabel(0, '\uFEFFuplink');
    const back = restored(d);
    expect(back.cols()).toEqual(d.cols());
    expect(back.find('if.in_bps', '\uFEFFport 1')).toBe(0);
  });

  it('leaves out damaged columns of a stored index instead of failing', () => {
    const d = DeviceSeries.fromJson(
      {
        deviceId: 'dev3',
        next: 9,
        strings: ['if.in_bps', '1'],
        c: [0, 1, 2, -4, 5],
        m: [0, 7, 0, 0, 0],
        i: [1, 1, 1, 1],
        l: [-1, -1, 1, -1, -1],
        s: [1, 1, 9, 1, 1],
        f: [10, 10, 10, 10, 10],
      },
      new StringPool(),
    );
    // column 1 names a string that is not there, 2 a source, -4 is no column, 5 has no instance
    expect(d.cols().map((c) => c.c)).toEqual([0]);
    expect(d.next).toBe(9);
    expect(d.add('if.out_bps', '1', 'snmp', 20)).toBe(9);
  });

  it('numbers new columns after the highest ever used and never reuses one', () => {
    const d = DeviceSeries.fromJson(stored, new StringPool());
    const c = d.add('cpu.load_pct', '', 'snmp', 200);
    expect(c).toBe(4);
    expect(d.find('cpu.load_pct', '')).toBe(4);
    expect(d.cols((x) => d.sourceOf(x) === 'snmp').map((x) => x.c)).toEqual([0, 1, 4]);
  });

  it('a clone changes without touching the original (copy on write before a commit)', () => {
    const d = DeviceSeries.fromJson(stored, new StringPool());
    const copy = d.clone();
    copy.add('mem.used_pct', '', 'snmp', 300);
    copy.setLabel(0, 'uplink');
    expect(d.find('mem.used_pct', '')).toBe(-1);
    expect(d.labelOf(0)).toBe('Gi0/1');
    expect(copy.labelOf(0)).toBe('uplink');
  });

  it('grows past its first capacity', () => {
    const d = new DeviceSeries('dev2', new StringPool());
    for (let i = 0; i < 1000; i++) expect(d.add('if.in_bps', String(i), 'snmp', i)).toBe(i);
    expect(d.find('if.in_bps', '999')).toBe(999);
    expect(d.firstOf(999)).toBe(999);
    expect(d.cols()).toHaveLength(1000);
    expect(restored(d).cols()).toEqual(d.cols());
  });

  it('finds every (metric, instance) among thousands, through growth, and lists a metric', () => {
    const d = new DeviceSeries('switch', new StringPool());
    const metrics = ['if.in_bps', 'if.out_bps', 'if.in_errors_ps', 'cpu.load_pct'] as const;
    const want = new Map<string, number>();
    for (let i = 0; i < 3000; i++)
      for (const m of metrics) want.set(`${m} ${i}`, d.add(m, String(i), 'snmp', 1));
    for (const [key, c] of want) {
      const [m, inst] = key.split(' ');
      expect(d.find(m!, inst!)).toBe(c);
    }
    // Near misses are misses.
    expect(d.find('if.in_bps', '3000')).toBe(-1);
    expect(d.find('if.in_bps', '')).toBe(-1);
    expect(d.find('mem.nope', '1')).toBe(-1);
    const listed = d.instancesOf('if.in_errors_ps')!;
    expect(listed.size).toBe(3000);
    expect(listed.get('42')).toBe(want.get('if.in_errors_ps 42'));
    expect(d.instancesOf('mem.nope')).toBeUndefined();
    // The index survives its stored form.
    const back = restored(d);
    expect(back.find('cpu.load_pct', '2999')).toBe(want.get('cpu.load_pct 2999'));
  });

  it('finds every column of a device with more than 65,535 (its hash slots widen)', () => {
    const d = new DeviceSeries('stack', new StringPool());
    const n = 70_000;
    for (let i = 0; i < n; i++)
      d.add(i % 2 ? 'if.in_bps' : 'if.out_bps', String(i >> 1), 'snmp', 1);
    let wrong = 0;
    for (let i = 0; i < n; i++)
      if (d.find(i % 2 ? 'if.in_bps' : 'if.out_bps', String(i >> 1)) !== i) wrong++;
    expect(wrong).toBe(0);
    const clone = d.clone();
    expect(clone.add('cpu.load_pct', '', 'snmp', 2)).toBe(n);
    expect(clone.find('cpu.load_pct', '')).toBe(n);
    expect(d.find('cpu.load_pct', '')).toBe(-1);
    const back = restored(clone);
    expect(back.find('if.in_bps', String((n - 1) >> 1))).toBe(n - 1);
    expect(back.col(n)).toMatchObject({ metric: 'cpu.load_pct', instance: '', first: 2 });
  });

  it('leaves out stored columns whose metric is not a metric name (a damaged index)', () => {
    const json: SeriesIndexJson = {
      deviceId: 'dmg',
      next: 3,
      strings: ['if.in_bps', '1', 'Gi1/0/1', 'vendor.new_metric'],
      c: [0, 1, 2],
      // column 1 names an instance as its metric; column 2 a metric a newer version wrote
      m: [0, 1, 3],
      i: [1, 1, 1],
      l: [2, -1, -1],
      s: [1, 1, 1],
      f: [5, 5, 5],
    };
    const d = DeviceSeries.fromJson(json, new StringPool());
    expect(d.has(0) && d.has(2)).toBe(true);
    expect(d.has(1)).toBe(false);
    expect(d.col(2)).toMatchObject({ metric: 'vendor.new_metric', instance: '1' });
    // the column numbers stay reserved: a new series gets the next one
    expect(d.add('cpu.load_pct', '', 'snmp', 6)).toBe(3);
  });

  it('makes room for many columns at once, new or cloned, and finds them all', () => {
    const pool = new StringPool();
    const d = new DeviceSeries('sw', pool, 400);
    for (let i = 0; i < 400; i++) expect(d.add('if.in_bps', String(i), 'snmp', 1)).toBe(i);
    const c = d.clone(300);
    for (let i = 0; i < 300; i++) expect(c.add('if.out_bps', String(i), 'snmp', 2)).toBe(400 + i);
    let wrong = 0;
    for (let i = 0; i < 400; i++) if (c.find('if.in_bps', String(i)) !== i) wrong++;
    for (let i = 0; i < 300; i++) if (c.find('if.out_bps', String(i)) !== 400 + i) wrong++;
    expect(wrong).toBe(0);
    // the original is untouched, and a room of nothing changes nothing
    expect(d.find('if.out_bps', '0')).toBe(-1);
    expect(d.clone(0).encode()).toEqual(d.encode());
  });

  it('shares equal strings between devices', () => {
    const pool = new StringPool();
    const a = pool.intern(['Gi0', '/1'].join(''));
    const b = pool.intern(`Gi0${'/1'}`);
    expect(a).toBe(b);
    expect(pool.size).toBe(1);
    expect(pool.nameOf(pool.idOf('if.in_bps'))).toBe('if.in_bps');
  });
});
