// A start that fails late, after the jobs, the incident upkeep and the notifications started, stops
// them again before the store closes: nothing is left running against a closed store.
import { it, expect, afterEach } from 'vitest';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { buildServices } from '../../src/main.js';
import { armedSchedules } from '../../src/jobs/scheduler.js';
import { configSchema } from '../../src/config/schema.js';
import { createLogger } from '../../src/lib/logger.js';
import { openStore } from '../../src/store/store.js';
import { tempDir } from '../helpers/temp-dir.js';

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
