/**
 * A metrics service over a real LevelDB in a temporary directory, with a clock the test moves
 * and a data disk that never fills, for the metrics store tests.
 */
import { openStore, type Store } from '../../src/store/store.js';
import { MetricsService } from '../../src/monitor/metrics-service.js';
import { createLogger } from '../../src/lib/logger.js';
import { tempDir } from './temp-dir.js';

export const T0 = Date.parse('2026-03-02T00:00:00Z');
export const MIN = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export interface MetricsEnv {
  dir: string;
  store: Store;
  metrics: MetricsService;
  clock: { t: number; now(): number };
  /** Closes and reopens the store (a restart); env.store and env.metrics are the new ones. */
  reopen(): Promise<{ store: Store; metrics: MetricsService }>;
}

/** Registers its clean-up in `cleanups` (run them in afterEach). */
export async function metricsEnv(
  cleanups: Array<() => Promise<void>>,
  policy: Partial<{ quotaBytes: number; minFreeBytes: number }> = {},
): Promise<MetricsEnv> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  const clock = {
    t: T0,
    now() {
      return this.t;
    },
  };
  const make = (s: Store) => {
    const m = new MetricsService({
      store: s,
      clock,
      logger: createLogger('silent'),
      policy: { quotaBytes: 512 * 1024 * 1024, minFreeBytes: 1024, pollIntervalS: 60, ...policy },
    });
    m.freeSpaceProbe = async () => 1e12;
    return m;
  };
  const store = await openStore(t.dir);
  const env: MetricsEnv = {
    dir: t.dir,
    store,
    metrics: make(store),
    clock,
    async reopen() {
      await env.store.close();
      env.store = await openStore(t.dir);
      env.metrics = make(env.store);
      return { store: env.store, metrics: env.metrics };
    },
  };
  cleanups.push(() => env.store.close());
  return env;
}
