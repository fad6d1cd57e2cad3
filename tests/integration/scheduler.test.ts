import { describe, it, expect, afterEach } from 'vitest';
import { openStore, type Store } from '../../src/store/store.js';
import { armedSchedules, Scheduler } from '../../src/jobs/scheduler.js';
import type { JobDefinition } from '../../src/jobs/types.js';
import { createLogger } from '../../src/lib/logger.js';
import { systemClock } from '../../src/core/time.js';
import { tempDir } from '../helpers/temp-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function setup(
  jobs: Array<JobDefinition<{ calls: number }>>,
  deadlineMs = 200,
): Promise<{ store: Store; s: Scheduler<{ calls: number }>; deps: { calls: number } }> {
  const t = await tempDir();
  const store = await openStore(t.dir);
  const deps = { calls: 0 };
  const s = new Scheduler({
    store,
    clock: systemClock,
    logger: createLogger('silent'),
    deps,
    jobs,
    shutdownDeadlineMs: deadlineMs,
  });
  cleanups.push(async () => {
    await s.stop();
    await store.close();
    await t.cleanup();
  });
  return { store, s, deps };
}

const never = '0 0 1 1 *'; // 1 January: never fires during a test

function job(
  name: string,
  run: JobDefinition<{ calls: number }>['run'],
  timeoutMs = 10_000,
): JobDefinition<{ calls: number }> {
  return { name, title: name, description: name, schedule: never, timeoutMs, run };
}

describe('Scheduler', () => {
  it('records each run with start, duration, result and summary', async () => {
    const { s, store } = await setup([job('ok', async (d) => `did ${++d.calls}`)]);
    await s.start();
    const run = await s.runNow('ok', 'tester');
    expect(run).toMatchObject({
      status: 'ok',
      summary: 'did 1',
      trigger: 'manual',
      actor: 'tester',
    });
    expect(run.durationMs).toBeGreaterThanOrEqual(0);
    const [stored] = await store.jobRuns.recent('ok', 5);
    expect(stored).toMatchObject({ id: run.id, status: 'ok' });
    const [status] = await s.status();
    expect(status).toMatchObject({ name: 'ok', running: false, lastRun: { id: run.id } });
    expect(Date.parse(status!.nextRunAt!)).toBeGreaterThan(Date.now());
  });

  it('fires jobs on their schedule, recomputes the next run after each, and disarms on stop', async () => {
    const before = armedSchedules();
    const { s, store } = await setup([
      { ...job('tick', async (d) => `tick ${++d.calls}`), schedule: '* * * * * *' },
      job('idle', async () => undefined),
    ]);
    await s.start();
    expect(armedSchedules()).toBe(before + 2);
    const deadline = Date.now() + 10_000;
    while ((await store.jobRuns.recent('tick', 5)).length < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 100));
    const ticks = await store.jobRuns.recent('tick', 5);
    expect(ticks.length).toBeGreaterThanOrEqual(2);
    expect(ticks.every((r) => r.trigger === 'schedule' && r.status === 'ok')).toBe(true);
    // Whole seconds apart, one run a second at most.
    const starts = ticks.map((r) => Date.parse(r.startedAt)).sort((a, b) => a - b);
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(900);
    const status = await s.status();
    const tick = status.find((j) => j.name === 'tick')!;
    expect(Date.parse(tick.nextRunAt!) % 1000).toBe(0);
    expect(Date.parse(tick.nextRunAt!)).toBeGreaterThan(Date.now() - 1000);
    s.setSchedule('tick', '');
    expect((await s.status()).find((j) => j.name === 'tick')!.nextRunAt).toBeUndefined();
    expect(() => s.setSchedule('tick', '* * * * 9')).toThrow(/day of week: 9 is outside 0–7/);
    await s.stop();
    expect(armedSchedules()).toBe(before);
  });

  it('never overlaps a run with itself', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { s } = await setup([job('slow', async () => gate)]);
    await s.start();
    await s.trigger('slow');
    await expect(s.trigger('slow')).rejects.toMatchObject({ code: 'JOB_RUNNING', status: 409 });
    release();
  });

  it('contains a failing job: the error code is recorded and other jobs still run', async () => {
    const { s } = await setup([
      job('bad', async () => {
        throw Object.assign(new Error('disk on fire'), { code: 'EFIRE' });
      }),
      job('good', async () => 'fine'),
    ]);
    await s.start();
    expect(await s.runNow('bad')).toMatchObject({
      status: 'error',
      error: { code: 'EFIRE', message: 'disk on fire' },
    });
    expect(await s.runNow('good')).toMatchObject({ status: 'ok' });
  });

  it('stops a run that exceeds its timeout through its signal', async () => {
    const { s } = await setup([
      job(
        'hang',
        (_d, signal) =>
          new Promise((_r, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason)),
          ),
        100,
      ),
    ]);
    await s.start();
    expect(await s.runNow('hang')).toMatchObject({
      status: 'error',
      error: { code: 'JOB_TIMEOUT' },
    });
  });

  it('on shutdown waits for running jobs, then aborts them at the deadline', async () => {
    let sawAbort = false;
    const { s, store } = await setup(
      [
        job(
          'stubborn',
          (_d, signal) =>
            new Promise((_r, reject) =>
              signal.addEventListener('abort', () => {
                sawAbort = true;
                reject(signal.reason);
              }),
            ),
        ),
      ],
      150,
    );
    await s.start();
    await s.trigger('stubborn');
    const t0 = Date.now();
    await s.stop();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140);
    expect(sawAbort).toBe(true);
    const [run] = await store.jobRuns.recent('stubborn', 1);
    expect(run).toMatchObject({ status: 'aborted', error: { code: 'JOB_ABORTED' } });
    await expect(s.trigger('stubborn')).rejects.toMatchObject({ code: 'SHUTTING_DOWN' });
  });

  it('marks runs left running by a crash as interrupted on the next start', async () => {
    const { s, store } = await setup([job('x', async () => undefined)]);
    await store.write([
      store.jobRuns.putOp({
        id: 'r1',
        job: 'x',
        trigger: 'schedule',
        startedAt: '2026-01-01T00:00:00.000Z',
        status: 'running',
      }),
    ]);
    await s.start();
    const [run] = await store.jobRuns.recent('x', 1);
    expect(run).toMatchObject({ id: 'r1', status: 'interrupted', error: { code: 'INTERRUPTED' } });
  });

  it('refuses unknown jobs and invalid schedules', async () => {
    const { s } = await setup([job('x', async () => undefined)]);
    await expect(s.trigger('nope')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    const bad = await setup([{ ...job('y', async () => undefined), schedule: 'every tuesday' }]);
    await expect(bad.s.start()).rejects.toMatchObject({ code: 'JOB_SCHEDULE_INVALID' });
  });
});
