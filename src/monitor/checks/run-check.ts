import net from 'node:net';
import type { Sample } from '../types.js';
import { checkPort, type CheckDef, type CheckResult } from './check-schema.js';
import { abortedError } from './check-util.js';
import { tcpCheck } from './tcp-check.js';
import { httpCheck } from './http-check.js';
import { dnsCheck } from './dns-check.js';

/**
 * Runs one service check against a device's address. A failing service is a result with
 * `ok: false` and an error code, never a rejection; only a cancelled run rejects (ABORTED).
 */
export async function runCheck(
  def: CheckDef,
  address: string,
  signal?: AbortSignal,
): Promise<CheckResult> {
  if (signal?.aborted) throw abortedError(signal);
  // The address comes from the inventory; anything else never reaches a socket.
  if (!net.isIP(address))
    return {
      ok: false,
      error: {
        code: 'BAD_ADDRESS',
        message: `The device's address ${address} is not an IP address.`,
      },
    };
  switch (def.kind) {
    case 'tcp':
      return tcpCheck(address, checkPort(def), { timeoutMs: def.timeoutMs, signal });
    case 'http':
      return httpCheck(address, def, { signal });
    case 'dns':
      return dnsCheck(address, def, { signal });
  }
}

/**
 * The samples of one result for the metrics store (instance = the check id): svc.up always,
 * svc.rtt_ms when a time was measured, svc.cert_days when a certificate was seen.
 */
export function checkSamples(checkId: string, r: CheckResult): Sample[] {
  const out: Sample[] = [{ metric: 'svc.up', instance: checkId, value: r.ok ? 1 : 0 }];
  if (r.rttMs !== undefined) out.push({ metric: 'svc.rtt_ms', instance: checkId, value: r.rttMs });
  if (r.certDays !== undefined)
    out.push({ metric: 'svc.cert_days', instance: checkId, value: r.certDays });
  return out;
}
