/**
 * Whether the lab can run here. Tests put the reason in their describe title
 * (`describe.skipIf(reason)`), so a skipped lab is visible in the report, never silent.
 */
import { existsSync } from 'node:fs';
import { findTool } from './proc.js';

/** Programs the lab itself needs (the tests may ask for more, e.g. nmap or snmpget). */
export const LAB_TOOLS = ['ip', 'sysctl', 'snmpd'] as const;

/** Why the lab cannot run on this machine, or undefined when it can. */
export function labSkipReason(extraTools: readonly string[] = []): string | undefined {
  if (process.platform !== 'linux') return `the lab needs Linux network namespaces`;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    return 'the lab needs root (network namespaces); CI runs as root';
  }
  if (!existsSync('/proc/self/ns/net')) return 'this kernel has no network namespaces';
  const missing = [...LAB_TOOLS, ...extraTools].filter((t) => findTool(t) === undefined);
  if (missing.length > 0) {
    return `missing ${missing.join(', ')} (bash tests/lab/install-deps.sh installs them)`;
  }
  return undefined;
}
