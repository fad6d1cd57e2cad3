import { z } from 'zod';
import type { Store } from '../store/store.js';
import type { Clock } from '../core/time.js';
import type { RequestContext } from '../auth/context.js';
import { notFound } from '../core/errors.js';
import { actorLabel } from '../core/roles.js';
import { Mutex } from '../lib/mutex.js';
import { importance, type ImportanceReason, type InterfaceLike } from './important.js';
import type { Neighbour } from '../discovery/types.js';

export const interfaceMarkSchema = z
  .object({
    /** true: important; false: not important even if it looks like an uplink; null: automatic. */
    important: z.boolean('Say true, false or null (automatic).').nullable(),
  })
  .strict();
export type InterfaceMarkInput = z.infer<typeof interfaceMarkSchema>;

export interface InterfaceImportance {
  ifIndex: string;
  name: string;
  alias: string;
  important: boolean;
  reason: ImportanceReason;
  detail?: string;
}

/** What decides a device's important interfaces besides the interfaces themselves. */
interface ImportanceInputs {
  neighbours: readonly Neighbour[];
  marks: ReadonlyMap<string, boolean>;
}

const NONE: readonly Neighbour[] = [];
const NO_MARKS: ReadonlyMap<string, boolean> = new Map();

/** Which interfaces matter (uplinks are found on their own; people mark or unmark the rest). */
export class InterfaceMarkService {
  private readonly lock = new Mutex();
  /**
   * Each device's neighbours and marks, for the rule engine's every poll: read once, not every
   * cycle (a switch's details also hold its whole ARP and FDB tables). Any write of details or
   * marks (a scan, a mark, a removal) empties it; `generation` keeps a read that raced such a
   * write from filling it with what was there before.
   */
  private readonly inputs = new Map<string, ImportanceInputs>();
  private generation = 0;

  constructor(private readonly deps: { store: Store; clock: Clock }) {
    const { store } = deps;
    store.onWrite((ops) => {
      if (
        ops.some(
          (o) => o.sublevel === store.devices.details || o.sublevel === store.interfaceMarks.sub,
        )
      ) {
        this.generation++;
        this.inputs.clear();
      }
    });
  }

  /** ifIndexes of the important interfaces among these, for the rule engine. */
  async importantSet(deviceId: string, interfaces: readonly InterfaceLike[]): Promise<Set<string>> {
    const { neighbours, marks } = await this.inputsOf(deviceId);
    return new Set(
      interfaces
        .filter((i) => importance(i, neighbours, marks).important)
        .map((i) => String(i.ifIndex)),
    );
  }

  private async inputsOf(deviceId: string): Promise<ImportanceInputs> {
    const known = this.inputs.get(deviceId);
    if (known) return known;
    const { store } = this.deps;
    const generation = this.generation;
    const [details, marks] = await Promise.all([
      store.devices.detailsOf(deviceId),
      store.interfaceMarks.mapOf(deviceId),
    ]);
    // most devices have neither: they share one empty list and map
    const read: ImportanceInputs = {
      neighbours: details?.neighbours.length ? details.neighbours : NONE,
      marks: marks.size ? marks : NO_MARKS,
    };
    if (generation === this.generation) this.inputs.set(deviceId, read);
    return read;
  }

  /** Every inventory interface of a device with whether it is important and why. */
  async list(deviceId: string): Promise<InterfaceImportance[]> {
    const { store } = this.deps;
    if (!(await store.devices.get(deviceId))) throw notFound('The device');
    const [ifs, details, marks] = await Promise.all([
      store.devices.interfacesOf(deviceId),
      store.devices.detailsOf(deviceId),
      store.interfaceMarks.mapOf(deviceId),
    ]);
    return ifs.map((i) => {
      const r = importance(
        { ifIndex: String(i.index), name: i.name, alias: i.alias, descr: i.descr },
        details?.neighbours ?? [],
        marks,
      );
      return { ifIndex: String(i.index), name: i.name, alias: i.alias, ...r };
    });
  }

  async get(deviceId: string, ifIndex: string): Promise<InterfaceImportance> {
    const found = (await this.list(deviceId)).find((i) => i.ifIndex === ifIndex);
    if (!found) throw notFound('The interface');
    return found;
  }

  /** Marks (true), unmarks (false) or hands back to detection (null) one interface. */
  set(
    deviceId: string,
    ifIndex: string,
    important: boolean | null,
    ctx: RequestContext,
  ): Promise<InterfaceImportance> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const before = await this.get(deviceId, ifIndex);
      const had = await store.interfaceMarks.get(deviceId, ifIndex);
      if ((had?.important ?? null) === important) return before;
      const now = clock.now();
      await store.write([
        important === null
          ? store.interfaceMarks.delOp(deviceId, ifIndex)
          : store.interfaceMarks.putOp({
              deviceId,
              ifIndex,
              important,
              at: new Date(now).toISOString(),
              by: actorLabel(ctx.actor),
            }),
        store.audit.recordOp(ctx, 'interface.marked', `device:${deviceId}`, now, {
          ifIndex,
          interface: before.name,
          from: had?.important ?? 'automatic',
          to: important ?? 'automatic',
        }),
      ]);
      return this.get(deviceId, ifIndex);
    });
  }
}
