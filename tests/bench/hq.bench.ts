/**
 * HQ benchmark (issue: HQ integration): GET /api/v1/site and GET /metrics of a 1,000-device
 * site, requests per second and p99 latency under autocannon (10 connections, BENCH_DURATION_S
 * seconds each, default 10), beside a bare Hono handler returning the same bytes in the same run.
 *
 * The site (hq-seed.ts): 1,000 devices with 24 interfaces, reachability verdicts, one poll of
 * latest metrics each (about 225,000 series), 40 open incidents and three backup jobs, written
 * into a fresh data directory through the stores and services. The built appliance
 * (`node dist/src/cli.js serve`, the flags of `npm start`) then runs on 127.0.0.1 with its
 * monitoring intervals at an hour (the seeded values stay current, nothing is polled: every
 * device address is on 127.2.0.0/16 anyway). It is claimed with its setup code and a `read`
 * token is made through the API; the real bodies are fetched once and handed to the baseline
 * (hq-baseline.ts: Hono + @hono/node-server, no auth, no rendering).
 *
 * Figures: each endpoint under load (ours and baseline alternating, BENCH_RUNS runs, default 2,
 * medians), /metrics also gzip-compressed as Prometheus asks for it, and single scrapes one
 * after another as one Prometheus server makes them (gzip, 1.1 s apart): 20 of an unchanged site
 * (the appliance sends the per-device part it built before) and 20 each right after a device was
 * renamed through the API (the part is built again, as after every poll cycle), with the
 * appliance's own build time from its Server-Timing header.
 * Budgets from the issue: /api/v1/site p99 < 20 ms, /metrics p99 < 250 ms. Written to
 * tests/artifacts/bench-hq.json; figures never fail the run, only a crash does.
 */
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import autocannon from 'autocannon';
import {
  LOOPBACK,
  cleanEnv,
  formatTable,
  freePort,
  installSignalCleanup,
  median,
  quantile,
  readRssMiB,
  sleep,
  spawnChild,
  waitFor200,
  withChild,
  withTempDir,
  type Child,
} from './lib.js';
import { deviceId, seedHqSite, type SeededSite } from './hq-seed.js';
import { SERVICE_ENV } from '../lab/service-env.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'src', 'cli.js');
const BASELINE = path.join(import.meta.dirname, 'hq-baseline.ts');
const ARTIFACT = path.join(ROOT, 'tests', 'artifacts', 'bench-hq.json');
const NODE_FLAGS: string[] =
  process.env.BENCH_NODE_FLAGS !== undefined
    ? process.env.BENCH_NODE_FLAGS.split(/\s+/).filter(Boolean)
    : (
        JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
          scripts: { start: string };
        }
      ).scripts.start
        .split(/\s+/)
        .filter((w) => w.startsWith('--'));

const CONNECTIONS = 10;
const SINGLE_SCRAPES = 20;
const SITE = { devices: 1_000, interfacesPerDevice: 24, incidents: 40 };

interface Target {
  id: string;
  figure: string;
  path: string;
  headers: Record<string, string>;
  /** p99 budget in ms, from the issue. */
  budgetMs: number;
}

interface Load {
  reqPerS: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  mbPerS: number;
}

function positiveInt(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < 1)
    throw new Error(`${name} must be a positive whole number, got "${raw}"`);
  return Number(raw);
}

async function load(port: number, target: Target, token: string, durationS: number): Promise<Load> {
  const r = await autocannon({
    url: `http://${LOOPBACK}:${port}${target.path}`,
    connections: CONNECTIONS,
    duration: durationS,
    headers: { authorization: `Bearer ${token}`, ...target.headers },
    timeout: 30,
  });
  return {
    reqPerS: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    non2xx: r.non2xx,
    errors: r.errors,
    mbPerS: r.throughput.average / 2 ** 20,
  };
}

/**
 * Claims the fresh box with its setup code, signs in and makes a `read` token (the scrapes) and an
 * `operate` one (the changes that make the box rebuild its page).
 */
async function makeTokens(
  port: number,
  dataDir: string,
): Promise<{ read: string; operate: string }> {
  const base = `http://${LOOPBACK}:${port}/api/v1`;
  const admin = { username: 'admin', password: 'correct horse battery' };
  const setupCode = (await readFile(path.join(dataDir, 'setup-code'), 'utf8')).trim();
  const json = { 'content-type': 'application/json' };
  const setup = await fetch(`${base}/setup`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ setupCode, ...admin }),
  });
  if (setup.status !== 201) throw new Error(`setup: HTTP ${setup.status} ${await setup.text()}`);
  const login = await fetch(`${base}/session`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify(admin),
  });
  if (login.status !== 201) throw new Error(`login: HTTP ${login.status}`);
  const cookie = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .join('; ');
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const make = async (scope: string) => {
    const tok = await fetch(`${base}/tokens`, {
      method: 'POST',
      headers: { ...json, cookie, 'x-csrf-token': csrfToken },
      body: JSON.stringify({ name: `hq-bench-${scope}`, scope }),
    });
    if (tok.status !== 201) throw new Error(`token: HTTP ${tok.status}`);
    return ((await tok.json()) as { token: string }).token;
  };
  return { read: await make('read'), operate: await make('operate') };
}

/** Renames a device through the API: the inventory changed, so the next scrape rebuilds. */
async function renameDevice(port: number, token: string, i: number): Promise<void> {
  const res = await fetch(`http://${LOOPBACK}:${port}/api/v1/devices/${deviceId((i % 1000) + 1)}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `bench-renamed-${i}` }),
  });
  if (res.status !== 200) throw new Error(`rename: HTTP ${res.status} ${await res.text()}`);
}

async function body(port: number, urlPath: string, token: string): Promise<Buffer> {
  const res = await fetch(`http://${LOOPBACK}:${port}${urlPath}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  if (res.status !== 200) throw new Error(`GET ${urlPath}: HTTP ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

interface Single {
  /** Request to last byte, as the client saw it. */
  ms: number;
  /** Server-Timing: how long the appliance took to build the page (0 for the baseline). */
  buildMs: number;
}

/** One GET as Prometheus sends it (gzip accepted), the compressed bytes read but not inflated. */
function scrapeOnce(port: number, token: string): Promise<Single> {
  const t0 = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.get(
      {
        host: LOOPBACK,
        port,
        path: '/metrics',
        agent: false,
        timeout: 30_000,
        headers: { authorization: `Bearer ${token}`, 'accept-encoding': 'gzip' },
      },
      (res) => {
        res.on('data', () => undefined);
        res.once('end', () => {
          if (res.statusCode !== 200) {
            reject(new Error(`GET /metrics: HTTP ${res.statusCode}`));
            return;
          }
          const build = /build;dur=([\d.]+)/.exec(String(res.headers['server-timing'] ?? ''));
          resolve({ ms: performance.now() - t0, buildMs: build ? Number(build[1]) : 0 });
        });
        res.once('error', reject);
      },
    );
    req.once('timeout', () => req.destroy(new Error('GET /metrics timed out')));
    req.once('error', reject);
  });
}

/**
 * Single scrapes one after another, as one Prometheus server makes them, each after the
 * appliance's one-second reuse window so that each is a full build; the same against the
 * baseline gives the floor (the same compressed bytes, handed out as they are).
 */
async function singleScrapes(
  port: number,
  token: string,
  before?: (i: number) => Promise<void>,
): Promise<Single[]> {
  const out: Single[] = [];
  for (let i = 0; i < SINGLE_SCRAPES; i++) {
    await sleep(1_100);
    await before?.(i);
    out.push(await scrapeOnce(port, token));
  }
  return out;
}

function startService(dataDir: string, configFile: string, port: number): Child {
  return spawnChild(process.execPath, [...NODE_FLAGS, CLI, 'serve'], {
    cwd: ROOT,
    env: cleanEnv(['CARETAKER_', 'NODE_OPTIONS'], {
      ...SERVICE_ENV,
      CARETAKER_DATA_DIR: dataDir,
      CARETAKER_CONFIG: configFile,
      CARETAKER_HOST: LOOPBACK,
      CARETAKER_PORT: String(port),
      CARETAKER_LOG_LEVEL: 'warn',
    }),
  });
}

function startBaseline(port: number, metricsFile: string, siteFile: string): Child {
  return spawnChild(
    process.execPath,
    ['--import', 'tsx', BASELINE, String(port), metricsFile, siteFile],
    { cwd: ROOT, env: cleanEnv(['CARETAKER_', 'NODE_OPTIONS'], {}) },
  );
}

const fmtMs = (v: number) => (v >= 100 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`);
const fmtRate = (v: number) => (v >= 100 ? v.toFixed(0) : v.toFixed(1));

async function main(): Promise<void> {
  installSignalCleanup();
  const RUNS = positiveInt(process.env.BENCH_RUNS, 2, 'BENCH_RUNS');
  const DURATION_S = positiveInt(process.env.BENCH_DURATION_S, 10, 'BENCH_DURATION_S');
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const cpus = os.cpus();
  console.log(
    [
      'Caretaker HQ benchmark: GET /api/v1/site and GET /metrics',
      `  node ${process.version}, ${os.platform()} ${os.release()} ${os.arch()}, CPUs: ` +
        `${os.availableParallelism()} (${cpus[0]?.model.trim() ?? 'unknown model'}), load ` +
        os
          .loadavg()
          .map((l) => l.toFixed(2))
          .join(' '),
      `  site: ${SITE.devices} devices × ${SITE.interfacesPerDevice} interfaces, ` +
        `${SITE.incidents} open incidents, 3 backup jobs`,
      `  autocannon: ${CONNECTIONS} connections, ${DURATION_S} s per figure, ${RUNS} run(s), ` +
        `ours and the baseline alternating`,
      `  service command: ${Object.entries(SERVICE_ENV)
        .map(([k, v]) => `${k}=${v} `)
        .join('')}node ${[...NODE_FLAGS, path.relative(ROOT, CLI), 'serve'].join(' ')}`,
    ].join('\n'),
  );

  const result = await withTempDir('caretaker-hq-bench-', async (dir) => {
    const dataDir = path.join(dir, 'data');
    const t0 = performance.now();
    const seeded: SeededSite = await seedHqSite(dataDir, path.join(dir, 'target'), SITE);
    console.log(`  seeded ${seeded.series} series in ${fmtMs(performance.now() - t0)}`);
    const configFile = path.join(dir, 'config.json');
    await writeFile(
      configFile,
      JSON.stringify({
        monitor: { reachIntervalS: 3600, pollIntervalS: 3600, serviceIntervalS: 3600 },
        traps: { enabled: false },
      }),
    );
    const port = await freePort();
    return withChild(
      () => startService(dataDir, configFile, port),
      async (svc) => {
        const healthyMs = await waitFor200(svc, port, '/api/v1/health', { timeoutMs: 60_000 });
        const rssIdleMiB = await readRssMiB(svc.pid);
        const tokens = await makeTokens(port, dataDir);
        const token = tokens.read;
        // The first scrape reads every device's interface list from the store once.
        const firstMs = performance.now();
        const metrics = await body(port, '/metrics', token);
        const firstScrapeMs = performance.now() - firstMs;
        const site = await body(port, '/api/v1/site', token);
        const metricsFile = path.join(dir, 'metrics.txt');
        const siteFile = path.join(dir, 'site.json');
        await writeFile(metricsFile, metrics);
        await writeFile(siteFile, site);
        const samples = metrics
          .toString('utf8')
          .split('\n')
          .filter((l) => l && !l.startsWith('#')).length;
        console.log(
          `  appliance healthy after ${fmtMs(healthyMs)}; /metrics: ${(metrics.length / 2 ** 20).toFixed(1)} MiB, ` +
            `${samples} samples (first scrape ${fmtMs(firstScrapeMs)}); /api/v1/site: ${site.length} bytes`,
        );
        const rssBeforeMiB = await readRssMiB(svc.pid);
        const single = await singleScrapes(port, token);
        // Each right after a change of the inventory: the per-device part is built again.
        const rebuilt = await singleScrapes(port, token, (i) =>
          renameDevice(port, tokens.operate, i),
        );
        const rssSingleMiB = await readRssMiB(svc.pid);
        console.log(
          `  ${SINGLE_SCRAPES} single scrapes: p50 ${fmtMs(
            quantile(
              single.map((x) => x.ms),
              0.5,
            ),
          )}, ` +
            `of which building the page p50 ${fmtMs(
              quantile(
                single.map((x) => x.buildMs),
                0.5,
              ),
            )}`,
        );

        const targets: Target[] = [
          {
            id: 'site',
            figure: 'GET /api/v1/site',
            path: '/api/v1/site',
            headers: {},
            budgetMs: 20,
          },
          {
            id: 'metrics',
            figure: 'GET /metrics',
            path: '/metrics',
            headers: {},
            budgetMs: 250,
          },
          {
            id: 'metricsGzip',
            figure: 'GET /metrics, gzip',
            path: '/metrics',
            headers: { 'accept-encoding': 'gzip' },
            budgetMs: 250,
          },
        ];
        const basePort = await freePort();
        return withChild(
          () => startBaseline(basePort, metricsFile, siteFile),
          async (base) => {
            await waitFor200(base, basePort, '/api/v1/site', { timeoutMs: 30_000 });
            const bareSingle = await singleScrapes(basePort, token);
            const ours = new Map<string, Load[]>(targets.map((t) => [t.id, []]));
            const bare = new Map<string, Load[]>(targets.map((t) => [t.id, []]));
            // Warm both up (JIT, connection pools), discarded.
            for (const t of targets) {
              await load(port, t, token, 2);
              await load(basePort, t, token, 2);
            }
            for (let run = 0; run < RUNS; run++) {
              for (const t of targets) {
                const order = run % 2 === 0 ? ['ours', 'bare'] : ['bare', 'ours'];
                for (const side of order) {
                  const r = await load(side === 'ours' ? port : basePort, t, token, DURATION_S);
                  (side === 'ours' ? ours : bare).get(t.id)!.push(r);
                }
                const o = ours.get(t.id)!.at(-1)!;
                const b = bare.get(t.id)!.at(-1)!;
                console.log(
                  `  run ${run + 1}/${RUNS} ${t.figure}: ours ${fmtRate(o.reqPerS)} req/s, p99 ` +
                    `${fmtMs(o.p99)}${o.non2xx || o.errors ? ` (${o.non2xx} non-2xx, ${o.errors} errors)` : ''}` +
                    ` | bare Hono ${fmtRate(b.reqPerS)} req/s, p99 ${fmtMs(b.p99)}`,
                );
              }
            }
            const rssMiB = await readRssMiB(svc.pid);
            return {
              seeded,
              healthyMs,
              firstScrapeMs,
              samples,
              metrics,
              site,
              single,
              rebuilt,
              bareSingle,
              targets,
              ours,
              bare,
              rssMiB,
              rssBeforeMiB,
              rssIdleMiB,
              rssSingleMiB,
            };
          },
        );
      },
    );
  });

  const med = (xs: Load[], f: (l: Load) => number) => median(xs.map(f));
  const rows = result.targets.map((t) => {
    const o = result.ours.get(t.id)!;
    const b = result.bare.get(t.id)!;
    const p99 = med(o, (l) => l.p99);
    return {
      id: t.id,
      figure: t.figure,
      ours: { reqPerS: med(o, (l) => l.reqPerS), p50: med(o, (l) => l.p50), p99 },
      baseline: {
        reqPerS: med(b, (l) => l.reqPerS),
        p50: med(b, (l) => l.p50),
        p99: med(b, (l) => l.p99),
      },
      failures: o.reduce((n, l) => n + l.non2xx + l.errors, 0),
      budgetMs: t.budgetMs,
      withinBudget: p99 < t.budgetMs,
    };
  });
  const stats = (xs: number[]) => ({
    p50: quantile(xs, 0.5),
    p99: quantile(xs, 0.99),
    max: Math.max(...xs),
  });
  const single = stats(result.single.map((x) => x.ms));
  const rebuilt = stats(result.rebuilt.map((x) => x.ms));
  const build = stats(result.rebuilt.map((x) => x.buildMs));
  const bareSingle = stats(result.bareSingle.map((x) => x.ms));
  console.log('');
  console.log(
    formatTable(
      ['figure', 'ours req/s', 'bare Hono req/s', 'ours p99', 'bare Hono p99', 'budget (p99)'],
      [
        ...rows.map((r) => [
          r.figure,
          fmtRate(r.ours.reqPerS),
          fmtRate(r.baseline.reqPerS),
          fmtMs(r.ours.p99),
          fmtMs(r.baseline.p99),
          `< ${r.budgetMs} ms ${r.withinBudget ? '✓' : '✗'}${r.failures ? ` (${r.failures} failed)` : ''}`,
        ]),
        [
          `GET /metrics, gzip, single scrapes, site unchanged (${SINGLE_SCRAPES})`,
          '—',
          '—',
          fmtMs(single.p99),
          fmtMs(bareSingle.p99),
          `< 250 ms ${single.p99 < 250 ? '✓' : '✗'}`,
        ],
        [
          `GET /metrics, gzip, single scrapes, each after a change (${SINGLE_SCRAPES})`,
          '—',
          '—',
          fmtMs(rebuilt.p99),
          fmtMs(bareSingle.p99),
          `< 250 ms ${rebuilt.p99 < 250 ? '✓' : '✗'}`,
        ],
        [
          '  of which building the page',
          '—',
          '—',
          fmtMs(build.p99),
          '—',
          `(p50 ${fmtMs(build.p50)})`,
        ],
      ],
    ),
  );
  console.log(
    `\n  /metrics: ${(result.metrics.length / 2 ** 20).toFixed(1)} MiB, ${result.samples} samples; ` +
      `appliance RSS: ${result.rssIdleMiB.toFixed(0)} MiB before the first scrape, ` +
      `${result.rssBeforeMiB.toFixed(0)} MiB after it, ` +
      `${result.rssSingleMiB.toFixed(0)} MiB after the single scrapes, ` +
      `${result.rssMiB.toFixed(0)} MiB after the load`,
  );

  await mkdir(path.dirname(ARTIFACT), { recursive: true });
  await writeFile(
    ARTIFACT,
    `${JSON.stringify(
      {
        benchmark: 'hq',
        generatedAt: new Date().toISOString(),
        environment: {
          node: process.version,
          platform: os.platform(),
          release: os.release(),
          cpus: os.availableParallelism(),
          cpuModel: cpus[0]?.model.trim(),
          loadavg: os.loadavg(),
        },
        settings: {
          runs: RUNS,
          durationS: DURATION_S,
          connections: CONNECTIONS,
          nodeFlags: NODE_FLAGS,
          site: result.seeded,
        },
        appliance: {
          healthyMs: result.healthyMs,
          firstScrapeMs: result.firstScrapeMs,
          metricsBytes: result.metrics.length,
          metricsSamples: result.samples,
          siteBytes: result.site.length,
          rssBeforeFirstScrapeMiB: result.rssIdleMiB,
          rssAfterFirstScrapeMiB: result.rssBeforeMiB,
          rssAfterSingleScrapesMiB: result.rssSingleMiB,
          rssAfterLoadMiB: result.rssMiB,
        },
        figures: rows,
        singleScrapes: {
          ours: single,
          afterChange: rebuilt,
          build,
          afterChangeAll: result.rebuilt,
          baseline: bareSingle,
          all: result.single,
          baselineAll: result.bareSingle,
        },
        runs: Object.fromEntries(
          result.targets.map((t) => [
            t.id,
            { ours: result.ours.get(t.id), baseline: result.bare.get(t.id) },
          ]),
        ),
      },
      null,
      2,
    )}\n`,
  );
  console.log(`  results: ${path.relative(ROOT, ARTIFACT)}`);
}

await main();
