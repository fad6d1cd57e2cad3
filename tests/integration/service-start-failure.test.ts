// A start that fails late, after the jobs, the incident upkeep and the notifications started, stops
// them again before the store closes: nothing is left running against a closed store.
import { it, expect, afterEach } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildServices, startService } from '../../src/main.js';
import { armedSchedules } from '../../src/jobs/scheduler.js';
import { configSchema } from '../../src/config/schema.js';
import { createLogger } from '../../src/lib/logger.js';
import { openStore } from '../../src/store/store.js';
import { tempDir } from '../helpers/temp-dir.js';
import { freePort } from '../helpers/service-process.js';

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

it('a start that fails after the jobs started stops them before it closes the store', async () => {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  // The last step of a first boot writes the setup code; a directory stands where it goes.
  await mkdir(path.join(t.dir, 'setup-code', 'in-the-way'), { recursive: true });
  const lines: string[] = [];
  const logger = createLogger('info', {
    write: (line: string) => lines.push(line) > 0,
  } as unknown as NodeJS.WritableStream);
  const config = configSchema.parse({ dataDir: t.dir, traps: { enabled: false } });

  await expect(buildServices(config, { logger, startJobs: true })).rejects.toThrow(/EISDIR/);
  // The job table's schedules were cancelled, and the store was closed (it opens again).
  expect(armedSchedules()).toBe(0);
  const store = await openStore(t.dir);
  await store.close();
  // Nothing went on running to fail against the closed store in the meantime.
  await new Promise((r) => setTimeout(r, 200));
  expect(lines.filter((l) => JSON.parse(l).level >= 50)).toEqual([]);
});

it('a stored rediscovery schedule this version cannot read leaves scans manual; the box starts', async () => {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  const seeded = await openStore(t.dir);
  await seeded.write([
    seeded.settings.discoveryOp({
      subnets: [],
      exclude: [],
      schedule: 'every tuesday',
      serviceScan: false,
    }),
  ]);
  await seeded.close();
  const lines: string[] = [];
  const logger = createLogger('info', {
    write: (line: string) => lines.push(line) > 0,
  } as unknown as NodeJS.WritableStream);
  const config = configSchema.parse({
    dataDir: t.dir,
    host: '127.0.0.1',
    port: await freePort(),
    traps: { enabled: false },
  });
  const services = await startService(config, { logger });
  cleanups.push(() => services.stop());
  const discovery = (await services.scheduler.status()).find((j) => j.name === 'discovery')!;
  expect(discovery.nextRunAt).toBeUndefined();
  const errors = lines.map((l) => JSON.parse(l)).filter((l) => l.level >= 50);
  expect(errors).toHaveLength(1);
  expect(errors[0].msg).toMatch(/rediscovery schedule is not valid/);
  expect(errors[0].err.message).toMatch(/"every tuesday" has 2 fields/);
  // Another job is scheduled as usual.
  expect((await services.scheduler.status()).some((j) => j.nextRunAt)).toBe(true);
});
