import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { configSchema, type Config } from './schema.js';
import { AppError } from '../core/errors.js';

/** Environment variables that override the file: the stable interface for systemd, demo and tests. */
export const ENV_OVERRIDES = {
  CARETAKER_DATA_DIR: { key: 'dataDir', type: 'string' },
  CARETAKER_HOST: { key: 'host', type: 'string' },
  CARETAKER_PORT: { key: 'port', type: 'int' },
  CARETAKER_LOG_LEVEL: { key: 'logLevel', type: 'string' },
  CARETAKER_TLS: { key: 'tls.enabled', type: 'bool' },
  CARETAKER_HTTP_PORT: { key: 'tls.httpPort', type: 'int' },
} as const;

/** Sets `a.b` in a plain object, creating the section (a file's own section is kept). */
function setPath(raw: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  let at = raw;
  for (const part of parts.slice(0, -1)) {
    const next = at[part];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  at[parts[parts.length - 1]!] = value;
}

export class ConfigError extends AppError {
  readonly problems: string[];
  constructor(problems: string[], source: string) {
    super(
      'CONFIG_INVALID',
      `Configuration ${source} is not valid:\n${problems.map((p) => `  - ${p}`).join('\n')}`,
      { status: 500, kind: 'permanent' },
    );
    this.problems = problems;
  }
}

async function readConfigFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError([`cannot read ${file}: ${(err as Error).message}`], `file ${file}`);
  }
  let parsed: unknown;
  try {
    parsed = file.endsWith('.toml') ? parseToml(text) : JSON.parse(text);
  } catch (err) {
    throw new ConfigError(
      [
        `${file} is not valid ${file.endsWith('.toml') ? 'TOML' : 'JSON'}: ${(err as Error).message}`,
      ],
      `file ${file}`,
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError([`${file} must contain an object at the top level`], `file ${file}`);
  }
  return parsed as Record<string, unknown>;
}

/**
 * Loads the configuration: the file named by CARETAKER_CONFIG (JSON, or TOML by extension), then
 * the environment overrides, validated by one schema. All problems are reported together.
 */
export async function loadConfig(env: NodeJS.ProcessEnv = process.env): Promise<Config> {
  const file = env.CARETAKER_CONFIG;
  const raw: Record<string, unknown> = file ? await readConfigFile(path.resolve(file)) : {};
  const problems: string[] = [];
  for (const [name, { key, type }] of Object.entries(ENV_OVERRIDES)) {
    const value = env[name];
    if (value === undefined || value === '') continue;
    if (type === 'int') {
      if (!/^\d+$/.test(value)) {
        problems.push(`${name}: must be a whole number, got "${value}"`);
        continue;
      }
      setPath(raw, key, Number(value));
    } else if (type === 'bool') {
      if (!/^(?:true|false|1|0|yes|no|on|off)$/i.test(value)) {
        problems.push(`${name}: must be true or false, got "${value}"`);
        continue;
      }
      setPath(raw, key, /^(?:true|1|yes|on)$/i.test(value));
    } else {
      setPath(raw, key, value);
    }
  }
  const result = configSchema.safeParse(raw);
  if (!result.success) {
    for (const issue of result.error.issues) {
      problems.push(
        `${issue.path.length ? issue.path.join('.') : '(top level)'}: ${issue.message}`,
      );
    }
  }
  if (problems.length || !result.success) {
    throw new ConfigError(
      problems,
      file ? `from ${file} and the environment` : 'from the environment',
    );
  }
  return { ...result.data, dataDir: path.resolve(result.data.dataDir) };
}
