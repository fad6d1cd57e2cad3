/**
 * BRIDGE-MIB (1.3.6.1.2.1.17): base ports and the forwarding table by MAC; Q-BRIDGE-MIB
 * (1.3.6.1.2.1.17.7): the forwarding table by (FDB id, MAC), VLANs, port VLAN ids.
 *
 * Index layouts (instance OID = column OID . index):
 *   dot1dBasePortEntry   .1.3.6.1.2.1.17.1.4.1.C.<port>
 *   dot1dTpFdbEntry      .1.3.6.1.2.1.17.4.3.1.C.<m1>.<m2>.<m3>.<m4>.<m5>.<m6>
 *                        (MacAddress is a fixed-size OCTET STRING: 6 sub-ids, no length)
 *   dot1qFdbEntry        .1.3.6.1.2.1.17.7.1.2.1.1.C.<fdbId>
 *   dot1qTpFdbEntry      .1.3.6.1.2.1.17.7.1.2.2.1.C.<fdbId>.<m1>…<m6>   (INDEX dot1qFdbId, address)
 *   dot1qVlanCurrentEntry .1.3.6.1.2.1.17.7.1.4.2.1.C.<timeMark>.<vlan>
 *   dot1qVlanStaticEntry .1.3.6.1.2.1.17.7.1.4.3.1.C.<vlan>
 *   dot1qPortVlanEntry   .1.3.6.1.2.1.17.7.1.4.5.1.C.<port>  (AUGMENTS dot1dBasePortEntry)
 * The FDB id is the VLAN id (independent VLAN learning, as on Cisco and most access switches);
 * dot1qVlanFdbId says so explicitly.
 */
import { defineTable } from '../mib-builder.js';
import { T } from '../net-snmp-types.js';
import { ZERO_DOT_ZERO, type MibContext } from './context.js';

const BASE_PORT_TABLE = defineTable(
  'dot1dBasePortTable',
  '1.3.6.1.2.1.17.1.4.1',
  [
    { n: 1, name: 'dot1dBasePort', type: T.Integer },
    { n: 2, name: 'dot1dBasePortIfIndex', type: T.Integer },
    { n: 3, name: 'dot1dBasePortCircuit', type: T.OID },
    { n: 4, name: 'dot1dBasePortDelayExceededDiscards', type: T.Counter32 },
    { n: 5, name: 'dot1dBasePortMtuExceededDiscards', type: T.Counter32 },
  ],
  [{ columnName: 'dot1dBasePort' }],
);

const TP_FDB_TABLE = defineTable(
  'dot1dTpFdbTable',
  '1.3.6.1.2.1.17.4.3.1',
  [
    { n: 1, name: 'dot1dTpFdbAddress', type: T.OctetString },
    { n: 2, name: 'dot1dTpFdbPort', type: T.Integer },
    { n: 3, name: 'dot1dTpFdbStatus', type: T.Integer },
  ],
  [{ columnName: 'dot1dTpFdbAddress', length: 6 }],
);

const Q_FDB_TABLE = defineTable(
  'dot1qFdbTable',
  '1.3.6.1.2.1.17.7.1.2.1.1',
  [
    { n: 1, name: 'dot1qFdbId', type: T.Gauge32, index: true },
    { n: 2, name: 'dot1qFdbDynamicCount', type: T.Counter32 },
  ],
  [{ columnName: 'dot1qFdbId' }],
);

const Q_TP_FDB_TABLE = defineTable(
  'dot1qTpFdbTable',
  '1.3.6.1.2.1.17.7.1.2.2.1',
  [
    { n: 1, name: 'dot1qTpFdbAddress', type: T.OctetString, index: true },
    { n: 2, name: 'dot1qTpFdbPort', type: T.Integer },
    { n: 3, name: 'dot1qTpFdbStatus', type: T.Integer },
  ],
  [
    { columnName: 'dot1qFdbId', foreign: 'dot1qFdbTable' },
    { columnName: 'dot1qTpFdbAddress', length: 6 },
  ],
);

const Q_VLAN_CURRENT_TABLE = defineTable(
  'dot1qVlanCurrentTable',
  '1.3.6.1.2.1.17.7.1.4.2.1',
  [
    { n: 1, name: 'dot1qVlanTimeMark', type: T.TimeTicks, index: true },
    { n: 2, name: 'dot1qVlanIndex', type: T.Gauge32, index: true },
    { n: 3, name: 'dot1qVlanFdbId', type: T.Gauge32 },
    { n: 6, name: 'dot1qVlanStatus', type: T.Integer },
    { n: 7, name: 'dot1qVlanCreationTime', type: T.TimeTicks },
  ],
  [{ columnName: 'dot1qVlanTimeMark' }, { columnName: 'dot1qVlanIndex' }],
);

const Q_VLAN_STATIC_TABLE = defineTable(
  'dot1qVlanStaticTable',
  '1.3.6.1.2.1.17.7.1.4.3.1',
  [
    { n: 1, name: 'dot1qVlanStaticName', type: T.OctetString },
    { n: 5, name: 'dot1qVlanStaticRowStatus', type: T.Integer },
  ],
  [{ columnName: 'dot1qVlanIndex', foreign: 'dot1qVlanCurrentTable' }],
);

const Q_PORT_VLAN_TABLE = defineTable(
  'dot1qPortVlanTable',
  '1.3.6.1.2.1.17.7.1.4.5.1',
  [{ n: 1, name: 'dot1qPvid', type: T.Gauge32 }],
  [{ columnName: 'dot1dBasePort', foreign: 'dot1dBasePortTable' }],
);

/** dot1dTpFdbStatus / dot1qTpFdbStatus */
const LEARNED = 3;
/** dot1qVlanStatus */
const PERMANENT = 2;
const ACTIVE = 1;

export function addBridge(ctx: MibContext): void {
  const { b, model } = ctx;
  const ports = [...model.ports.entries()].sort((x, y) => x[0] - y[0]);
  b.scalar(
    'dot1dBaseBridgeAddress',
    '1.3.6.1.2.1.17.1.1',
    T.OctetString,
    Buffer.from(model.mac.replace(/:/g, ''), 'hex'),
  );
  b.scalar('dot1dBaseNumPorts', '1.3.6.1.2.1.17.1.2', T.Integer, ports.length);
  b.scalar('dot1dBaseType', '1.3.6.1.2.1.17.1.3', T.Integer, 2); // transparent-only
  b.table(
    BASE_PORT_TABLE,
    ports.map(([port, ifIndex]) => [port, ifIndex, ZERO_DOT_ZERO, 0, 0]),
  );
  b.scalar('dot1dTpAgingTime', '1.3.6.1.2.1.17.4.2', T.Integer, 300);

  // one BRIDGE-MIB row per MAC (its index has no VLAN): the lowest VLAN's entry wins
  const byMac = new Map<string, (typeof model.fdb)[number]>();
  for (const f of model.fdb)
    if (!byMac.has(f.mac.toString('hex'))) byMac.set(f.mac.toString('hex'), f);
  b.table(
    TP_FDB_TABLE,
    [...byMac.values()].map((f) => [f.mac, f.port, LEARNED]),
  );

  const vlans = [...new Set([1, ...model.fdb.map((f) => f.vlan)])].sort((x, y) => x - y);
  b.scalar('dot1qNumVlans', '1.3.6.1.2.1.17.7.1.1.4', T.Gauge32, vlans.length);
  b.table(
    Q_FDB_TABLE,
    vlans.map((v) => [v, model.fdb.filter((f) => f.vlan === v).length]),
  );
  b.table(
    Q_TP_FDB_TABLE,
    model.fdb.map((f) => [f.vlan, f.mac, f.port, LEARNED]),
  );
  b.table(
    Q_VLAN_CURRENT_TABLE,
    vlans.map((v) => [0, v, v, PERMANENT, 0]),
  );
  b.table(
    Q_VLAN_STATIC_TABLE,
    vlans.map((v) => [v, v === 1 ? 'default' : `VLAN${String(v).padStart(4, '0')}`, ACTIVE]),
  );
  b.table(
    Q_PORT_VLAN_TABLE,
    ports.map(([port]) => [port, model.fdb.find((f) => f.port === port)?.vlan ?? 1]),
  );
}
