/**
 * HOST-RESOURCES-MIB (1.3.6.1.2.1.25) for the server profile and agents with `hostResources`:
 * system, storage, devices and processor load, laid out (indexes included) as Net-SNMP's snmpd
 * on Linux answers them.
 */
import { defineTable } from '../mib-builder.js';
import { uptimeTicks } from '../model.js';
import { cpuLoad, storageUsed } from '../model-host.js';
import { T } from '../net-snmp-types.js';
import { elapsedS, ZERO_DOT_ZERO, type MibContext } from './context.js';
import { HR_DEVICE_TABLE } from './printer.js';

const STORAGE_TABLE = defineTable(
  'hrStorageTable',
  '1.3.6.1.2.1.25.2.3.1',
  [
    { n: 1, name: 'hrStorageIndex', type: T.Integer },
    { n: 2, name: 'hrStorageType', type: T.OID },
    { n: 3, name: 'hrStorageDescr', type: T.OctetString },
    { n: 4, name: 'hrStorageAllocationUnits', type: T.Integer },
    { n: 5, name: 'hrStorageSize', type: T.Integer },
    { n: 6, name: 'hrStorageUsed', type: T.Integer },
    { n: 7, name: 'hrStorageAllocationFailures', type: T.Counter32 },
  ],
  [{ columnName: 'hrStorageIndex' }],
);

const PROCESSOR_TABLE = defineTable(
  'hrProcessorTable',
  '1.3.6.1.2.1.25.3.3.1',
  [
    { n: 1, name: 'hrProcessorFrwID', type: T.OID },
    { n: 2, name: 'hrProcessorLoad', type: T.Integer },
  ],
  [{ columnName: 'hrDeviceIndex', foreign: 'hrDeviceTable' }],
);

/** Net-SNMP numbers processors from 196608 (3 << 16) and network devices from 262144 (4 << 16). */
const FIRST_CPU = 196608;
const FIRST_NET = 262144;
const HR_DEVICE = '1.3.6.1.2.1.25.3.1';
const RUNNING = 2;
const DOWN = 5;

export function addHost(ctx: MibContext): void {
  const { b, model } = ctx;
  const h = model.host!;
  const t = () => elapsedS(ctx);
  b.scalar('hrSystemUptime', '1.3.6.1.2.1.25.1.1', T.TimeTicks, () =>
    uptimeTicks(model, ctx.now()),
  );
  b.scalar('hrSystemNumUsers', '1.3.6.1.2.1.25.1.5', T.Gauge32, 1);
  b.scalar(
    'hrSystemProcesses',
    '1.3.6.1.2.1.25.1.6',
    T.Gauge32,
    () => h.processes + (Math.floor(t() / 60) % 7),
  );
  b.scalar('hrMemorySize', '1.3.6.1.2.1.25.2.2', T.Integer, h.memoryKB);
  b.table(
    STORAGE_TABLE,
    h.storage.map((s) => [
      s.index,
      s.type,
      s.descr,
      s.unitBytes,
      s.sizeUnits,
      storageUsed(h, s, t()),
      0,
    ]),
    (column, index) => {
      if (column !== 6) return undefined;
      const s = h.storage.find((x) => x.index === Number(index[0]));
      return s && storageUsed(h, s, t());
    },
  );
  const cpus = Array.from({ length: h.cpus }, (_, i) => i);
  const nics = model.ifaces.filter((i) => i.port !== undefined);
  b.table(HR_DEVICE_TABLE, [
    ...cpus.map((i) => [FIRST_CPU + i, `${HR_DEVICE}.3`, h.cpuDescr, ZERO_DOT_ZERO, RUNNING, 0]),
    ...nics.map((n) => [
      FIRST_NET + n.ifIndex,
      `${HR_DEVICE}.4`,
      `network interface ${n.name}`,
      ZERO_DOT_ZERO,
      n.oper === 1 ? RUNNING : DOWN,
      0,
    ]),
  ]);
  b.table(
    PROCESSOR_TABLE,
    cpus.map((i) => [FIRST_CPU + i, ZERO_DOT_ZERO, cpuLoad(h, i, t())]),
    (column, index) => (column === 2 ? cpuLoad(h, Number(index[0]) - FIRST_CPU, t()) : undefined),
  );
}
