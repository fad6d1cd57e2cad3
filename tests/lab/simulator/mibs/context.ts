/** What every MIB module gets: the device, the clock, and the builder to register into. */
import type { MibBuilder } from '../mib-builder.js';
import type { DeviceModel } from '../model.js';

export interface MibContext {
  model: DeviceModel;
  b: MibBuilder;
  /** Wall-clock now in ms (injectable for tests). */
  now: () => number;
}

/** Seconds since the simulator started this device (for values that drift from their start). */
export function elapsedS(ctx: MibContext): number {
  return Math.max(0, ctx.now() - ctx.model.startMs) / 1000;
}

/** The OID value for "no such thing" (zeroDotZero). */
export const ZERO_DOT_ZERO = '0.0';
