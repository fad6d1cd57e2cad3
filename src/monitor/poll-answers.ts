/**
 * The GET answers of one monitoring poll, by their position in the plan, packed into two typed
 * arrays: a kind and a number each. Strings, OIDs, IP addresses, Counter64 values above 2^53
 * (which a number would round) and answers under another OID than the one asked (a confused
 * agent) are few and kept as they came.
 *
 * Why not an array of varbinds: a poll's answers live until its last request has come back, a
 * few hundred milliseconds while 32 devices are polled at once, long enough for V8 to move them
 * to the old generation. As objects (a varbind, often a heap number or a BigInt beside it) they
 * were the largest part of what every cycle moved there, about 20 MiB a cycle for 1,000 devices,
 * each megabyte of it collected later by a full mark-compact and adding to the heap the process
 * keeps. Packed, a device's answers are two small typed arrays; the varbinds the client built die
 * young, right after they were copied in here.
 */
import type { Varbind } from '../snmp/types.js';

const NONE = 0;
const NULL = 1;
const INT = 2;
const COUNTER32 = 3;
const GAUGE32 = 4;
const TICKS = 5;
const COUNTER64 = 6;
/** In `others`, as it came. */
const OTHER = 7;
const NUMBER_KINDS = { int: INT, counter32: COUNTER32, gauge32: GAUGE32, ticks: TICKS } as const;
const MAX_EXACT = BigInt(Number.MAX_SAFE_INTEGER);

export class PollAnswers {
  private readonly kinds: Uint8Array;
  private readonly nums: Float64Array;
  private others: Map<number, Varbind> | undefined;

  /** `oids`: what the plan asks, by position (the answers are checked against it). */
  constructor(private readonly oids: readonly string[]) {
    this.kinds = new Uint8Array(oids.length);
    this.nums = new Float64Array(oids.length);
  }

  /** Positions: one per OID the plan asks, answered or not. */
  get length(): number {
    return this.oids.length;
  }

  set(pos: number, vb: Varbind): void {
    if (pos < 0 || pos >= this.kinds.length) throw new RangeError(`no position ${pos} in the plan`);
    this.others?.delete(pos);
    let kind = OTHER;
    let num = 0;
    if (vb.oid === this.oids[pos]) {
      switch (vb.type) {
        case 'null':
          kind = NULL;
          break;
        case 'int':
        case 'counter32':
        case 'gauge32':
        case 'ticks':
          kind = NUMBER_KINDS[vb.type];
          num = vb.value;
          break;
        case 'counter64':
          // above 2^53 a number is no longer exact: such a value is kept as it came
          if (vb.value <= MAX_EXACT) {
            kind = COUNTER64;
            num = Number(vb.value);
          }
          break;
      }
    }
    this.kinds[pos] = kind;
    this.nums[pos] = num;
    if (kind === OTHER) (this.others ??= new Map()).set(pos, vb);
  }

  /** The answer at `pos` (under the OID it came with), or undefined when none came. */
  get(pos: number): Varbind | undefined {
    const kind = this.kinds[pos];
    if (kind === undefined || kind === NONE) return undefined;
    const oid = this.oids[pos]!;
    const value = this.nums[pos]!;
    switch (kind) {
      case NULL:
        return { oid, type: 'null' };
      case INT:
        return { oid, type: 'int', value };
      case COUNTER32:
        return { oid, type: 'counter32', value };
      case GAUGE32:
        return { oid, type: 'gauge32', value };
      case TICKS:
        return { oid, type: 'ticks', value };
      case COUNTER64:
        return { oid, type: 'counter64', value: BigInt(value) };
      default:
        return this.others?.get(pos);
    }
  }
}
