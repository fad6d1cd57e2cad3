/**
 * The HQ side examples in system/hq: the Prometheus configuration and alerting rules pass
 * `promtool check config` / `check rules`, the rules pass their unit tests (`promtool test
 * rules`), and the Grafana dashboard and the rules only query metric names that a real scrape of
 * GET /metrics exposes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cp, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createTestApp, jsonInit, setupAdmin, type TestApp } from '../helpers/app.js';
import { tempDir } from '../helpers/temp-dir.js';
import { runTool, which } from '../helpers/prometheus-tools.js';
import { ROOT } from '../helpers/service-process.js';

const HQ = path.join(ROOT, 'system', 'hq');
const skip = which('promtool') ? false : 'missing promtool (Debian package prometheus)';

interface Dashboard {
  uid: string;
  panels: Array<{ id: number; title: string; targets: Array<{ expr: string; refId: string }> }>;
  templating: { list: Array<{ name: string; query?: string | { query: string } }> };
}

/** Metric names in PromQL text: ours start with caretaker_, plus Prometheus' own `up`. */
function metricNames(promql: string): string[] {
  const names = promql.match(/\bcaretaker_[a-z0-9_]+\b/g) ?? [];
  return /\bup\s*\{/.test(promql) ? [...names, 'up'] : names;
}

describe.skipIf(skip)('system/hq examples', () => {
  let work: Awaited<ReturnType<typeof tempDir>>;
  let t: TestApp;
  /** Every family a scrape of /metrics declares (from its TYPE lines), and `up`. */
  let exposed: Set<string>;

  beforeAll(async () => {
    work = await tempDir('caretaker-hq-');
    // The configuration names secrets that live only at HQ: stand-ins next to a copy of it.
    await cp(HQ, work.dir, { recursive: true });
    for (const dir of ['secrets', 'tokens', 'certs']) await mkdir(path.join(work.dir, dir));
    await writeFile(path.join(work.dir, 'secrets', 'caretaker-hq.password'), 'x\n');
    await writeFile(path.join(work.dir, 'tokens', 'berlin.token'), 'x\n');
    await writeFile(path.join(work.dir, 'certs', 'caretaker-boxes.pem'), '');

    t = await createTestApp();
    const admin = await setupAdmin(t);
    const tok = await t.request(
      '/api/v1/tokens',
      jsonInit('POST', admin, { name: 'hq', scope: 'read' }),
    );
    const { token } = (await tok.json()) as { token: string };
    const res = await t.request('/metrics', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const page = await res.text();
    exposed = new Set(['up']);
    for (const m of page.matchAll(/^# TYPE (\S+) /gm)) exposed.add(m[1]!);
  });

  afterAll(async () => {
    await t?.close();
    await work?.cleanup();
  });

  it('prometheus.yml passes promtool check config', async () => {
    const r = await runTool('promtool', ['check', 'config', path.join(work.dir, 'prometheus.yml')]);
    const out = r.stdout + r.stderr;
    expect(r.code, out).toBe(0);
    expect(out).not.toMatch(/WARNING|FAILED/);
    expect(out).toMatch(/SUCCESS: 8 rules found/);
  });

  it('the alerting rules pass promtool check rules and their unit tests', async () => {
    const check = await runTool('promtool', [
      'check',
      'rules',
      path.join(work.dir, 'caretaker-alerts.yml'),
    ]);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    const unit = await runTool('promtool', [
      'test',
      'rules',
      path.join(work.dir, 'caretaker-alerts.test.yml'),
    ]);
    expect(unit.code, unit.stdout + unit.stderr).toBe(0);
    expect(unit.stdout + unit.stderr).toMatch(/SUCCESS/);
  });

  it('the file_sd targets are valid target groups', async () => {
    for (const file of ['emea.json', 'americas.json']) {
      const groups = JSON.parse(await readFile(path.join(HQ, 'targets', file), 'utf8')) as Array<{
        targets: string[];
        labels: Record<string, string>;
      }>;
      for (const g of groups) {
        expect(g.targets.every((a) => /^[\w.-]+:\d+$/.test(a))).toBe(true);
        expect(Object.keys(g.labels).sort()).toEqual(['box', 'region', 'site']);
      }
    }
  });

  it('the rules only use metrics that /metrics exposes', async () => {
    const rules = await readFile(path.join(HQ, 'caretaker-alerts.yml'), 'utf8');
    const used = new Set(metricNames(rules));
    expect(used.size).toBeGreaterThan(5);
    expect([...used].filter((n) => !exposed.has(n))).toEqual([]);
  });

  it('the Grafana dashboard parses and only queries metrics that /metrics exposes', async () => {
    const dash = JSON.parse(
      await readFile(path.join(HQ, 'grafana-fleet-dashboard.json'), 'utf8'),
    ) as Dashboard;
    expect(dash.uid).toBe('caretaker-fleet');
    const ids = dash.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const exprs = [
      ...dash.panels.flatMap((p) => {
        expect(p.targets.length, p.title).toBeGreaterThan(0);
        const refs = p.targets.map((x) => x.refId);
        expect(new Set(refs).size, p.title).toBe(refs.length);
        return p.targets.map((x) => x.expr);
      }),
      ...dash.templating.list.flatMap((v) =>
        typeof v.query === 'object' ? [v.query.query] : v.query ? [v.query] : [],
      ),
    ];
    const used = new Set(exprs.flatMap(metricNames));
    for (const wanted of [
      'up',
      'caretaker_devices',
      'caretaker_incidents_open',
      'caretaker_backup_age_seconds',
      'caretaker_interface_receive_errors_per_second',
    ])
      expect(used).toContain(wanted);
    expect([...used].filter((n) => !exposed.has(n))).toEqual([]);
  });
});
