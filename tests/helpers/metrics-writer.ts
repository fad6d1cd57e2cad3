// Child process for the metrics crash test: writes poll cycles and seals hours as fast as it
// can on a simulated clock, reporting each committed cycle on stdout, until it is SIGKILLed.
import { openStore } from '../../src/store/store.js';
import { MetricsService } from '../../src/monitor/metrics-service.js';
import { createLogger } from '../../src/lib/logger.js';

const dataDir = process.argv[2]!;
const store = await openStore(dataDir);
let now = Date.parse('2026-01-01T00:00:00Z');
const metrics = new MetricsService({
  store,
  clock: { now: () => now },
  logger: createLogger('silent'),
  policy: { quotaBytes: 2 * 1024 * 1024, minFreeBytes: 1, pollIntervalS: 60 },
});
metrics.freeSpaceProbe = async () => Number.MAX_SAFE_INTEGER;
process.stdout.write('ready\n');
const ctl = new AbortController();
for (let i = 1; ; i++) {
  now += 60_000;
  await metrics.write(
    Array.from({ length: 20 }, (_, d) => ({
      deviceId: `dev${d}`,
      source: 'snmp' as const,
      at: now,
      samples: Array.from({ length: 30 }, (_, k) => ({
        metric: 'if.in_bps' as const,
        instance: String(k + 1),
        value: Math.round(1e6 * (1 + Math.sin(i / 30 + k))),
      })),
    })),
  );
  if (i % 30 === 0) await metrics.maintain(ctl.signal);
  process.stdout.write(`${i}\n`);
}
