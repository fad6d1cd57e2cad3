import type { Store } from '../store/store.js';
import type { JobRunRecord } from '../store/types.js';
import type { Clock } from '../core/time.js';
import { randomId } from '../core/ids.js';
import { AppError, conflict, describeError, notFound } from '../core/errors.js';
import type { Logger } from '../lib/logger.js';
import type { JobDefinition, JobStatus } from './types.js';
import type { BatchOp } from '../store/db.js';
import type { RequestContext } from '../auth/context.js';
import { actorLabel } from '../core/roles.js';
import { deadline } from '../lib/deadline.js';
import { localZone, timeZone } from '../lib/zoneinfo.js';
import { isValidCron, nextCronRun, parseCron, type Cron } from './cron.js';
import { CronTimer } from './cron-timer.js';

interface Running {
  run: JobRunRecord;
  controller: AbortController;
  done: Promise<void>;
}

/** How many job schedules are armed in this process (none once every scheduler stopped). */
export function armedSchedules(): number {
  return CronTimer.live.size;
}

/**
 * Runs the job table: a job never overlaps itself, every run is
 * recorded, a failing job is contained, and shutdown waits for running jobs up to a deadline and
 * then aborts them through their signal.
 */
export class Scheduler<D> {
  private readonly running = new Map<string, Running>();
  private readonly scheduled = new Map<string, CronTimer>();
  private readonly jobs: Map<string, JobDefinition<D>>;
  private stopping = false;
  private started = false;
  /** Schedules changed at run time (from settings), overriding the job table's. */
  private readonly schedules = new Map<string, string>();

  constructor(
    private readonly opts: {
      store: Store;
      clock: Clock;
      logger: Logger;
      deps: D;
      jobs: Array<JobDefinition<D>>;
      shutdownDeadlineMs: number;
    },
  ) {
    this.jobs = new Map(opts.jobs.map((j) => [j.name, j]));
  }

  /** Marks runs left "running" by a crash as interrupted, then schedules every job. */
  async start(): Promise<void> {
    const { store, clock, logger } = this.opts;
    const stale = await store.jobRuns.running();
    if (stale.length) {
      const now = clock.now();
      await store.write(
        stale.map((r) =>
          store.jobRuns.putOp({
            ...r,
            status: 'interrupted',
            finishedAt: new Date(now).toISOString(),
            error: {
              code: 'INTERRUPTED',
              message: 'The service stopped while this run was in progress.',
            },
          }),
        ),
      );
      logger.warn(
        { component: 'jobs', count: stale.length },
        'marked runs interrupted by the previous shutdown',
      );
    }
    this.started = true;
    for (const job of this.jobs.values()) this.plan(job);
  }

  /** Schedules (or, for an empty schedule, unschedules) one job. */
  private plan(job: JobDefinition<D>): void {
    this.scheduled.get(job.name)?.cancel();
    this.scheduled.delete(job.name);
    const cron = this.schedules.get(job.name) ?? job.schedule;
    if (!cron) return;
    const { logger } = this.opts;
    let parsed: Cron;
    try {
      parsed = parseCron(cron);
    } catch (err) {
      throw new AppError(
        'JOB_SCHEDULE_INVALID',
        `Job ${job.name} has an invalid schedule: ${(err as Error).message}`,
      );
    }
    const handle = new CronTimer(parsed, () => {
      void this.launch(job, 'schedule').catch((err: unknown) => {
        if (!(err instanceof AppError && err.code === 'JOB_RUNNING')) {
          logger.error(
            { component: 'jobs', job: job.name, err: describeError(err) },
            'could not start job',
          );
        } else {
          logger.warn(
            { component: 'jobs', job: job.name },
            'previous run still in progress; skipped this one',
          );
        }
      });
    });
    this.scheduled.set(job.name, handle);
  }

  /**
   * The next time a cron expression fires after now (for schedules kept outside the table), or
   * after `after` when that is later. With `tz` (an IANA zone) the expression is read in that zone's
   * wall-clock time, else in the box's. Across daylight-saving changes (see cron.ts): a time the
   * clock skips fires as much later as the clock jumped (02:30 on the spring-forward day in
   * Europe/Berlin fires at 03:30); a time the clock shows twice fires once, at the first; an
   * hourly expression still fires every real hour. Undefined for an invalid expression or zone.
   */
  static nextRun(cron: string, opts: { tz?: string; after?: Date } = {}): Date | undefined {
    try {
      const zone = opts.tz === undefined ? localZone() : timeZone(opts.tz);
      const from = Math.max(Date.now(), opts.after?.getTime() ?? -Infinity);
      const next = nextCronRun(parseCron(cron), zone, from);
      return next === undefined ? undefined : new Date(next);
    } catch {
      return undefined;
    }
  }

  /** True when the cron expression is valid (see cron.ts). */
  static validSchedule(cron: string): boolean {
    return isValidCron(cron);
  }

  /**
   * Changes a job's schedule at run time (a setting changed); '' means "only by hand". Applied at
   * once when the scheduler runs, else at start().
   */
  setSchedule(name: string, cron: string): void {
    const job = this.jobs.get(name);
    if (!job) throw notFound(`The job "${name}"`);
    if (cron) {
      try {
        parseCron(cron);
      } catch (err) {
        throw new AppError(
          'JOB_SCHEDULE_INVALID',
          `Not a valid schedule: ${(err as Error).message}`,
          { status: 422, kind: 'input' },
        );
      }
    }
    this.schedules.set(name, cron);
    if (this.started && !this.stopping) this.plan(job);
  }

  /**
   * Starts a run by hand and resolves with the run record as soon as it has started. With a
   * request context the start is audited in the same batch that records the run.
   */
  async trigger(name: string, ctx?: RequestContext): Promise<JobRunRecord> {
    const job = this.jobs.get(name);
    if (!job) throw notFound(`The job "${name}"`);
    const audit = ctx
      ? [this.opts.store.audit.recordOp(ctx, 'job.triggered', `job:${name}`, this.opts.clock.now())]
      : [];
    return (await this.launch(job, 'manual', ctx ? actorLabel(ctx.actor) : undefined, audit)).run;
  }

  /** Starts a run and waits for it to finish (for tests and the CLI). */
  async runNow(name: string, actor?: string): Promise<JobRunRecord> {
    const job = this.jobs.get(name);
    if (!job) throw notFound(`The job "${name}"`);
    const r = await this.launch(job, 'manual', actor);
    await r.done;
    return r.run;
  }

  /**
   * Runs a job now and waits for it to finish; when a run is already under way, waits for that
   * one instead (work that needs fresh results of a job without running it twice at once).
   */
  async runOrJoin(name: string, actor?: string): Promise<void> {
    const job = this.jobs.get(name);
    if (!job) throw notFound(`The job "${name}"`);
    const running = this.running.get(name);
    await (running ?? (await this.launch(job, 'manual', actor))).done;
  }

  private async launch(
    job: JobDefinition<D>,
    trigger: JobRunRecord['trigger'],
    actor?: string,
    extraOps: BatchOp[] = [],
  ): Promise<Running> {
    if (this.stopping)
      throw new AppError('SHUTTING_DOWN', 'The service is shutting down.', {
        status: 503,
        kind: 'transient',
      });
    if (this.running.has(job.name))
      throw conflict('JOB_RUNNING', `Job "${job.title}" is already running.`);
    const { store, clock, logger } = this.opts;
    const controller = new AbortController();
    const started = clock.now();
    const run: JobRunRecord = {
      id: randomId(6),
      job: job.name,
      trigger,
      ...(actor ? { actor } : {}),
      startedAt: new Date(started).toISOString(),
      status: 'running',
    };
    // Reserve the slot before the first await so that two triggers cannot both start.
    const entry: Running = { run, controller, done: Promise.resolve() };
    this.running.set(job.name, entry);
    try {
      await store.write([store.jobRuns.putOp(run), ...extraOps]);
    } catch (err) {
      this.running.delete(job.name);
      throw err;
    }
    // Frequent jobs (reachability every 30 s, …) would fill the journal: their routine lines are
    // debug; failures are logged at their level for every job.
    const routine = job.keepRuns !== undefined ? 'debug' : 'info';
    logger[routine]({ component: 'jobs', job: job.name, run: run.id, trigger }, 'job started');
    entry.done = this.execute(job, entry, started);
    return entry;
  }

  private async execute(job: JobDefinition<D>, entry: Running, started: number): Promise<void> {
    const { store, clock, logger, deps } = this.opts;
    const { run, controller } = entry;
    const timeout = deadline(
      controller.signal,
      job.timeoutMs,
      () => new AppError('JOB_TIMEOUT', 'timeout'),
    );
    const signal = timeout.signal;
    try {
      const summary = await job.run(deps, signal);
      if (signal.aborted) throw signal.reason;
      run.status = 'ok';
      if (summary) run.summary = summary;
    } catch (err) {
      const aborted = signal.aborted;
      const timedOut = aborted && !controller.signal.aborted;
      run.status = aborted && !timedOut ? 'aborted' : 'error';
      run.error = timedOut
        ? {
            code: 'JOB_TIMEOUT',
            message: `The run took longer than ${Math.round(job.timeoutMs / 1000)} s and was stopped.`,
          }
        : aborted
          ? { code: 'JOB_ABORTED', message: 'The run was stopped by the shutdown of the service.' }
          : describeError(err);
      logger.error({ component: 'jobs', job: job.name, run: run.id, err: run.error }, 'job failed');
    } finally {
      timeout.clear();
      const finished = clock.now();
      run.finishedAt = new Date(finished).toISOString();
      run.durationMs = finished - started;
      try {
        if (store.isOpen) await store.write([store.jobRuns.putOp(run)]);
      } catch (err) {
        logger.error(
          { component: 'jobs', job: job.name, err: describeError(err) },
          'could not record job run',
        );
      }
      this.running.delete(job.name);
      if (run.status === 'ok') {
        logger[job.keepRuns !== undefined ? 'debug' : 'info'](
          {
            component: 'jobs',
            job: job.name,
            run: run.id,
            durationMs: run.durationMs,
            summary: run.summary,
          },
          'job finished',
        );
      }
    }
  }

  async status(): Promise<JobStatus[]> {
    const out: JobStatus[] = [];
    for (const job of this.jobs.values()) {
      const running = this.running.get(job.name);
      const last = running ? running.run : (await this.opts.store.jobRuns.recent(job.name, 1))[0];
      const next = this.scheduled.get(job.name)?.next;
      out.push({
        name: job.name,
        title: job.title,
        description: job.description,
        schedule: this.schedules.get(job.name) ?? job.schedule,
        running: Boolean(running),
        ...(next !== undefined ? { nextRunAt: new Date(next).toISOString() } : {}),
        ...(last ? { lastRun: last } : {}),
      });
    }
    return out;
  }

  has(name: string): boolean {
    return this.jobs.has(name);
  }

  /** Stops scheduling, waits for running jobs up to the deadline, then aborts the rest. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const handle of this.scheduled.values()) handle.cancel();
    this.scheduled.clear();
    const pending = [...this.running.values()];
    if (pending.length === 0) return;
    const all = Promise.all(pending.map((r) => r.done));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), this.opts.shutdownDeadlineMs);
    });
    try {
      if ((await Promise.race([all, deadline])) === 'deadline') {
        this.opts.logger.warn(
          { component: 'jobs', jobs: pending.map((r) => r.run.job) },
          'shutdown deadline reached; aborting jobs',
        );
        for (const r of pending) r.controller.abort(new AppError('JOB_ABORTED', 'shutdown'));
        // A job that ignores its signal must not hold the process forever.
        await Promise.race([all, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      }
    } finally {
      clearTimeout(timer);
    }
  }
}
