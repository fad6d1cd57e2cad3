import { describe, it, expect } from 'vitest';
import { LineSplitter, type LineOptions } from '../../src/lib/lines.js';
import { runProgram } from '../../src/lib/spawn.js';

/** Feeds `input` in pieces of the given sizes; returns the lines and the partial tails seen. */
function split(
  input: Buffer,
  sizes: number[],
  opts: Omit<LineOptions, 'onLine' | 'onPartial'> = {},
): { lines: string[]; partials: string[] } {
  const lines: string[] = [];
  const partials: string[] = [];
  const s = new LineSplitter({
    ...opts,
    onLine: (b, start, end) => lines.push(b.toString('latin1', start, end)),
    onPartial: (b, start, end) => partials.push(b.toString('latin1', start, end)),
  });
  let at = 0;
  for (let k = 0; at < input.length; k++) {
    const n = sizes[k % sizes.length]!;
    s.feed(input.subarray(at, at + n));
    at += n;
  }
  s.end();
  return { lines, partials };
}

describe('LineSplitter', () => {
  const text = Buffer.from('one\ntwo\r  3,000 20%\r  6,000 40%\nlast without end', 'latin1');

  it('splits at either separator, the same whatever the chunk boundaries', () => {
    const want = ['one', 'two', '  3,000 20%', '  6,000 40%', 'last without end'];
    for (const sizes of [[text.length], [1], [2, 7, 3], [5, 1, 64]]) {
      expect(split(text, sizes, { separators: [10, 13] }).lines).toEqual(want);
    }
    expect(split(text, [4], { separators: [10] }).lines).toEqual([
      'one',
      'two\r  3,000 20%\r  6,000 40%',
      'last without end',
    ]);
  });

  it('keeps bytes as they are: no decoding, no loss of non-UTF-8 bytes', () => {
    const raw = Buffer.from([0x61, 0xff, 0xfe, 0x0a, 0xc3, 0xa9, 0x0a]);
    const seen: Buffer[] = [];
    const s = new LineSplitter({
      onLine: (b, start, end) => seen.push(Buffer.from(b.subarray(start, end))),
    });
    s.feed(raw.subarray(0, 5));
    s.feed(raw.subarray(5));
    s.end();
    expect(seen).toEqual([Buffer.from([0x61, 0xff, 0xfe]), Buffer.from([0xc3, 0xa9])]);
  });

  it('hands an overlong line over in pieces, so memory stays bounded', () => {
    const long = Buffer.from(`${'x'.repeat(25)}\nshort\n`, 'latin1');
    for (const sizes of [[long.length], [3], [11, 2]]) {
      const { lines } = split(long, sizes, { maxLineBytes: 10 });
      expect(lines.join('|')).toBe('xxxxxxxxxx|xxxxxxxxxx|xxxxx|short');
    }
  });

  it('shows the unfinished tail of each chunk (which then comes again, whole)', () => {
    const { lines, partials } = split(
      Buffer.from('a\rprogress (xfr#1)\rb\n', 'latin1'),
      [12, 100],
      {
        separators: [10, 13],
      },
    );
    expect(partials).toEqual(['progress (']);
    expect(lines).toEqual(['a', 'progress (xfr#1)', 'b']);
  });
});

describe('runProgram line mode', () => {
  it('delivers lines as they come and keeps no stdout', async () => {
    const lines: string[] = [];
    const r = await runProgram(
      process.execPath,
      ['-e', 'for (let i = 0; i < 20000; i++) process.stdout.write(`line ${i}\\n`)'],
      {
        timeoutMs: 20_000,
        // Far less than the output: line mode is not bounded by it.
        maxStdoutBytes: 1024,
        stdoutLines: { onLine: (b, s, e) => lines.push(b.toString('utf8', s, e)) },
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(lines).toHaveLength(20000);
    expect(lines[19999]).toBe('line 19999');
  });

  it('a line handler that throws stops the program and is reported', async () => {
    const err = await runProgram('yes', ['x'], {
      timeoutMs: 20_000,
      stdoutLines: {
        onLine: () => {
          throw new Error('bug in a reader');
        },
      },
    }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'CALLBACK_FAILED' });
    expect((err as { cause: Error }).cause.message).toBe('bug in a reader');
  });
});
