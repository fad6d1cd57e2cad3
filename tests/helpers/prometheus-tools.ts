/**
 * Prometheus' own `promtool` (Debian package `prometheus`), spawned with an argument array and
 * fed on stdin, for tests that check the exposition format and the HQ examples; and a small
 * reader of the text format for assertions.
 */
import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';

export interface ToolResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The absolute path of a program on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(path.delimiter)) {
    const p = path.join(dir, name);
    try {
      accessSync(p, constants.X_OK);
      return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

export function runTool(
  program: string,
  args: readonly string[],
  input?: string | Buffer,
  timeoutMs = 30_000,
): Promise<ToolResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, [...args], { stdio: ['pipe', 'pipe', 'pipe'], shell: false });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${program} ${args.join(' ')} timed out`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}

/** `promtool check metrics` on an exposition page: the problems it prints ('' when none). */
export async function promtoolCheckMetrics(page: string | Buffer): Promise<string> {
  const r = await runTool('promtool', ['check', 'metrics'], page);
  const problems = `${r.stdout}${r.stderr}`.trim();
  if (r.code !== 0 && !problems) return `promtool exited with ${r.code}`;
  return problems;
}

/** `name{labels}` → value, from the text format (HELP/TYPE lines and blank lines left out). */
export function parseExposition(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const sp = line.lastIndexOf(' ');
    out.set(line.slice(0, sp), Number(line.slice(sp + 1).replace('+Inf', 'Infinity')));
  }
  return out;
}
