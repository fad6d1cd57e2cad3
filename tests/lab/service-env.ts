/**
 * The environment the box runs the service with besides its CARETAKER_ settings: what
 * system/caretaker.service sets with Environment= and `npm start` sets before `node`. The lab's
 * appliance and the benchmarks that start the service use it too, so that what they measure is
 * what the box runs; tests/integration/systemd-unit.test.ts keeps the three in step.
 *
 * MALLOC_ARENA_MAX=1: glibc gives every thread that allocates an arena of its own (node had ten:
 * libuv's pool, V8's workers, LevelDB's), and each keeps what it freed. With one, what LevelDB's
 * threads free (a flushed memtable, a compaction's buffers) is reused by the main thread and the
 * other way round: the 1,000-device poll benchmark peaked at 136.6–139.2 MiB in four runs against
 * 139.2–148.4 MiB with two arenas in the same evening's runs (README, Poll cycle).
 */
export const SERVICE_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };
