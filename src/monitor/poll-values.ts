/**
 * Strict readers of single SNMP values for the poll decoders: a value of an unexpected type is
 * treated as absent, never coerced (a confused or hostile agent must not turn a string into a
 * counter).
 */
import type { SnmpValue } from '../snmp/types.js';

/** The agent answered for this OID with a value (not noSuchObject/noSuchInstance). */
export function present<T extends SnmpValue>(vb: T | undefined): vb is T {
  return vb !== undefined && vb.type !== 'null';
}

export function intOf(vb: SnmpValue | undefined): number | undefined {
  return vb?.type === 'int' ? vb.value : undefined;
}

/** Counter32, Gauge32, TimeTicks, or a non-negative INTEGER (some agents type counters so). */
export function uintOf(vb: SnmpValue | undefined): number | undefined {
  if (!vb) return undefined;
  if (vb.type === 'counter32' || vb.type === 'gauge32' || vb.type === 'ticks') return vb.value;
  return vb.type === 'int' && vb.value >= 0 ? vb.value : undefined;
}

/** Only a real Counter64: a 32-bit value in a 64-bit column would look like a reset at each wrap. */
export function counter64Of(vb: SnmpValue | undefined): number | undefined {
  return vb?.type === 'counter64' ? Number(vb.value) : undefined;
}

/** Bounded notes: a broken agent produces the same problem on every row, once is enough. */
export class Notes {
  readonly list: string[];
  private dropped = 0;
  constructor(
    initial: readonly string[] = [],
    private readonly max = 20,
  ) {
    this.list = initial.slice(0, max);
    this.dropped = Math.max(0, initial.length - max);
  }

  add(note: string): void {
    if (this.list.length < this.max) this.list.push(note);
    else this.dropped++;
  }

  done(): string[] {
    if (this.dropped > 0) this.list.push(`… and ${this.dropped} more`);
    this.dropped = 0;
    return this.list;
  }
}
