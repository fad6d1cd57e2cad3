import { formatDuration } from '../../src/core/time.js';
import { describe, it, expect } from 'vitest';
import { SecretBox } from '../../src/lib/secret-box.js';
import { runProgram } from '../../src/lib/spawn.js';

describe('SecretBox', () => {
  it('seals and opens; ciphertexts differ each time; tampering and a wrong key are detected', () => {
    const box = SecretBox.forTests();
    const a = box.seal('public-community');
    const b = box.seal('public-community');
    expect(a).not.toBe(b);
    expect(a).not.toContain('public');
    expect(box.open(a)).toBe('public-community');
    const tampered = a.slice(0, -2) + (a.endsWith('A') ? 'BB' : 'AA');
    expect(() => box.open(tampered)).toThrow(/cannot be decrypted/);
    expect(() => SecretBox.forTests().open(a)).toThrow(/secret.key does not match/);
    expect(() => box.open('garbage')).toThrow(/unknown format/);
  });
});

describe('runProgram (argument arrays, no shell)', () => {
  it('passes arguments literally: shell syntax is just text', async () => {
    const r = await runProgram(
      process.execPath,
      ['-e', 'console.log(process.argv[1])', '; rm -rf / $(id) `x` > y'],
      { timeoutMs: 10_000 },
    );
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('; rm -rf / $(id) `x` > y');
  });
  it('stops a program at its timeout and says so', async () => {
    await expect(runProgram('sleep', ['30'], { timeoutMs: 200 })).rejects.toMatchObject({
      code: 'TIMEOUT',
    });
  });
  it('stops a program when aborted', async () => {
    const c = new AbortController();
    setTimeout(() => c.abort(), 100);
    await expect(
      runProgram('sleep', ['30'], { timeoutMs: 10_000, signal: c.signal }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
  });
  it('reports a missing program as TOOL_MISSING', async () => {
    await expect(
      runProgram('caretaker-no-such-tool', [], { timeoutMs: 1_000 }),
    ).rejects.toMatchObject({ code: 'TOOL_MISSING' });
  });
  it('stops a program that floods stdout', async () => {
    await expect(
      runProgram('yes', ['flood'], { timeoutMs: 10_000, maxStdoutBytes: 1 << 20 }),
    ).rejects.toMatchObject({ code: 'OUTPUT_TOO_LARGE' });
  });
});

describe('formatDuration', () => {
  it('never rounds a unit up to a count it cannot show, and gives days past two days', () => {
    expect(formatDuration(250.4)).toBe('250 ms');
    expect(formatDuration(59_960)).toBe('59.9 s');
    expect(formatDuration(239_600)).toBe('3 min 59 s');
    expect(formatDuration(3_600_000 + 5 * 60_000)).toBe('1 h 5 min');
    expect(formatDuration(47 * 3_600_000 + 59 * 60_000)).toBe('47 h 59 min');
    expect(formatDuration(30 * 86_400_000 + 5 * 3_600_000)).toBe('30 d 5 h');
  });
});
