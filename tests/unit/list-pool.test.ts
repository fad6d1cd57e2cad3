/**
 * ListPool (src/lib/list-pool.ts): equal lists are handed out once, different ones never mixed
 * up (even when their hashes collide), and a list no owner holds is let go.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ListPool } from '../../src/lib/list-pool.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('ListPool', () => {
  it('gives every owner of an equal list the same frozen copy', () => {
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
    let held: readonly string[] | undefined = pool.share(['x', 'y']);
    expect(pool.size).toBe(1);
    held = undefined;
    const deadline = Date.now() + 5_000;
    while (pool.size > 0 && Date.now() < deadline) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(held).toBeUndefined();
    expect(pool.size).toBe(0);
  });
});
