/** The store's Mutex (src/lib/mutex.ts): one section at a time, in order, failures included. */
import { describe, expect, it } from 'vitest';
import { Mutex } from '../../src/lib/mutex.js';

const tick = () => new Promise((r) => setTimeout(r, 1));

describe('Mutex', () => {
  it('runs sections one at a time, in the order they were asked for', async () => {
    const m = new Mutex();
    const log: string[] = [];
    const section = (name: string) =>
      m.run(async () => {
        log.push(`${name} in`);
        await tick();
        log.push(`${name} out`);
        return name;
      });
    const results = await Promise.all([section('a'), section('b'), section('c')]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a in', 'a out', 'b in', 'b out', 'c in', 'c out']);
  });

  it('a section that fails rejects its own caller and does not stop the next', async () => {
    const m = new Mutex();
    const failing = m.run(async () => {
      await tick();
      throw new Error('boom');
    });
    const next = m.run(async () => 'ran');
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ran');
  });
});
