/**
 * ListPool and ValuePool (src/lib/list-pool.ts): equal lists and ports are handed out once,
 * different ones never mixed up (even when their hashes collide), and what no owner holds is let
 * go.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ListPool, ValuePool } from '../../src/lib/list-pool.js';
import { hashPlanInterface, samePlanInterface } from '../../src/monitor/poll-plan.js';
import type { PlanInterface } from '../../src/monitor/poll-types.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('ListPool', () => {
  it('gives every owner of an equal list the same frozen list', () => {
    const pool = new ListPool();
    const a = pool.share(['1.3.6.1.2.1.2.2.1.8.1', '1.3.6.1.2.1.2.2.1.8.2']);
    const b = pool.share(['1.3.6.1.2.1.2.2.1.8.1', '1.3.6.1.2.1.2.2.1.8.2']);
    expect(b).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    expect(pool.share([0, 1, 2])).toBe(pool.share([0, 1, 2]));
    expect(pool.size).toBe(2);
  });

  it('keeps lists apart that differ in an element, its type, order or length', () => {
    const pool = new ListPool();
    const lists = [
      ['a', 'b'],
      ['b', 'a'],
      ['a', 'b', 'c'],
      ['a'],
      [],
      [1, 2],
      ['1', '2'],
      ['#1', '#2'],
    ];
    const shared = lists.map((l) => pool.share<string | number>(l));
    shared.forEach((s, i) => expect(s).toEqual(lists[i]));
    expect(new Set(shared).size).toBe(lists.length);
  });

  it('finds the right list among those whose hashes collide', () => {
    const pool = new ListPool(() => 42);
    const lists = Array.from({ length: 200 }, (_, i) => [`oid.${i}`, i]);
    const first = lists.map((l) => pool.share<string | number>(l));
    const again = lists.map((l) => pool.share<string | number>([...l]));
    again.forEach((s, i) => expect(s).toBe(first[i]));
    expect(new Set(first).size).toBe(lists.length);
  });

  it('lets a list go once no owner holds it', async () => {
    const pool = new ListPool();
    pool.share(['x', 'y']);
    expect(pool.size).toBe(1);
    // A WeakRef read (as `size` reads them) keeps its value until the current job ends, so the
    // collection runs in a job of its own.
    const deadline = Date.now() + 5_000;
    do {
      await new Promise((r) => setTimeout(r, 10));
      gc();
      await new Promise((r) => setTimeout(r, 10));
    } while (pool.size > 0 && Date.now() < deadline);
    expect(pool.size).toBe(0);
  });

  it('shares plan interfaces alike between devices, and only those', () => {
    const ports = new ValuePool<PlanInterface>(hashPlanInterface, samePlanInterface);
    const port = (over: Partial<PlanInterface> = {}): PlanInterface => ({
      index: 3,
      name: 'Gi1/0/3',
      alias: '',
      adminUp: true,
      speedBps: 1e9,
      ...over,
    });
    const a = ports.share(port());
    expect(ports.share(port())).toBe(a);
    expect(Object.isFrozen(a)).toBe(true);
    const others = [
      port({ index: 4 }),
      port({ name: 'Gi1/0/4' }),
      port({ alias: 'printer room' }),
      port({ adminUp: false }),
      port({ speedBps: 1e8 }),
      port({ speedBps: undefined }),
    ].map((p) => ports.share(p));
    expect(new Set([a, ...others]).size).toBe(7);
    const { speedBps: _, ...noSpeed } = port();
    expect(ports.share(noSpeed)).toBe(others[5]);
  });

  it('sweeps away the entries of collected values as new ones come', async () => {
    const pool = new ValuePool<{ n: number }>(
      (v) => v.n,
      (a, b) => a.n === b.n,
    );
    for (let n = 0; n < 3000; n++) pool.share({ n });
    const kept = Array.from({ length: 10 }, (_, n) => pool.share({ n: 100_000 + n }));
    await new Promise((r) => setTimeout(r, 10));
    gc();
    await new Promise((r) => setTimeout(r, 10));
    // none of the first 3,000 is held: the next sweep (at most 3,010 additions away) drops them
    for (let n = 0; n < 3010; n++) pool.share({ n: 200_000 + n });
    expect(pool.entries).toBeLessThan(3010 + 3010);
    expect(kept.every((v, n) => pool.share({ n: 100_000 + n }) === v)).toBe(true);
  });
});
