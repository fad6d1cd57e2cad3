import { describe, it, expect, afterEach } from 'vitest';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { loadConfig, ConfigError } from '../../src/config/load.js';
import { tempDir } from '../helpers/temp-dir.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function file(name: string, text: string): Promise<string> {
  const t = await tempDir();
  cleanups.push(t.cleanup);
  const p = path.join(t.dir, name);
  await writeFile(p, text);
  return p;
}

describe('loadConfig', () => {
  it('gives working defaults with no file and no environment', async () => {
    const c = await loadConfig({});
    expect(c.port).toBe(8080);
    expect(c.host).toBe('0.0.0.0');
    expect(c.dataDir).toBe(path.resolve('./data'));
    expect(c.auth.maxFailedLogins).toBe(5);
  });

  it('reads TOML and JSON files, and the environment overrides the file', async () => {
    const toml = await file(
      'c.toml',
      'port = 9000\nhost = "127.0.0.1"\n[auth]\nsessionIdleMinutes = 30\n',
    );
    const c = await loadConfig({
      CARETAKER_CONFIG: toml,
      CARETAKER_PORT: '9100',
      CARETAKER_DATA_DIR: '/tmp/x',
    });
    expect(c.port).toBe(9100);
    expect(c.host).toBe('127.0.0.1');
    expect(c.auth.sessionIdleMinutes).toBe(30);
    expect(c.dataDir).toBe('/tmp/x');
    const json = await file('c.json', JSON.stringify({ jobs: { auditRetentionDays: 90 } }));
    expect((await loadConfig({ CARETAKER_CONFIG: json })).jobs.auditRetentionDays).toBe(90);
  });

  it('reports every problem at once, with its path', async () => {
    const p = await file(
      'bad.json',
      JSON.stringify({ port: 'eighty', colour: 'blue', auth: { lockoutMinutes: -1, typo: 1 } }),
    );
    const err = await loadConfig({
      CARETAKER_CONFIG: p,
      CARETAKER_HOST: '',
      CARETAKER_PORT: 'abc',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const problems = (err as ConfigError).problems.join('\n');
    expect(problems).toMatch(/CARETAKER_PORT: must be a whole number/);
    expect(problems).toMatch(/auth\.lockoutMinutes/);
    expect(problems).toMatch(/typo/);
    expect(problems).toMatch(/colour/);
    expect((err as ConfigError).code).toBe('CONFIG_INVALID');
  });

  it('refuses an out-of-range port from the environment', async () => {
    await expect(loadConfig({ CARETAKER_PORT: '70000' })).rejects.toThrow(/port/);
  });

  it("turns HTTPS on from the environment, keeping the file's tls section", async () => {
    const c = await loadConfig({ CARETAKER_TLS: 'true', CARETAKER_HTTP_PORT: '80' });
    expect(c.tls).toMatchObject({ enabled: true, httpPort: 80 });
    const f = await file(
      'tls.json',
      JSON.stringify({ tls: { certFile: '/etc/c.crt', keyFile: '/etc/c.key' } }),
    );
    const d = await loadConfig({ CARETAKER_CONFIG: f, CARETAKER_TLS: 'yes' });
    expect(d.tls).toMatchObject({ enabled: true, certFile: '/etc/c.crt', keyFile: '/etc/c.key' });
    expect((await loadConfig({ CARETAKER_TLS: 'off' })).tls.enabled).toBe(false);
    await expect(loadConfig({ CARETAKER_TLS: 'maybe' })).rejects.toThrow(
      /CARETAKER_TLS: must be true or false/,
    );
  });

  it('explains a missing or unparsable file', async () => {
    await expect(loadConfig({ CARETAKER_CONFIG: '/nonexistent/caretaker.toml' })).rejects.toThrow(
      /cannot read/,
    );
    const p = await file('broken.toml', 'port = = 1');
    await expect(loadConfig({ CARETAKER_CONFIG: p })).rejects.toThrow(/not valid TOML/);
    const a = await file('array.json', '[1,2]');
    await expect(loadConfig({ CARETAKER_CONFIG: a })).rejects.toThrow(/object at the top level/);
  });
});
