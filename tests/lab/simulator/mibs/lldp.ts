/**
 * LLDP-MIB (IEEE 802.1AB-2005, 1.0.8802.1.1.2): the local system and ports, and the neighbours.
 *
 * Index layouts (instance OID = column OID . index):
 *   lldpLocPortEntry     1.0.8802.1.1.2.1.3.7.1.C.<lldpLocPortNum>
 *   lldpLocManAddrEntry  1.0.8802.1.1.2.1.3.8.1.C.<subtype=1>.<len=4>.<a>.<b>.<c>.<d>
 *   lldpRemEntry         1.0.8802.1.1.2.1.4.1.1.C.<timeMark>.<localPortNum>.<remIndex>
 *   lldpRemManAddrEntry  1.0.8802.1.1.2.1.4.2.1.C.<timeMark>.<localPortNum>.<remIndex>
 *                                                    .<subtype=1>.<len=4>.<a>.<b>.<c>.<d>
 * lldpLocPortNum / lldpRemLocalPortNum is the dot1dBasePort of the port (LLDP-MIB: "the same
 * value as dot1dBasePort" on a bridge), which is not the ifIndex: join via dot1dBasePortTable.
 * The management address is an OCTET STRING (SIZE 1..31) without IMPLIED: length-prefixed.
 */
import { defineTable } from '../mib-builder.js';
import { capabilityBits } from '../model.js';
import { T } from '../net-snmp-types.js';
import { ZERO_DOT_ZERO, type MibContext } from './context.js';

const LLDP = '1.0.8802.1.1.2.1';

const LOC_PORT_TABLE = defineTable(
  'lldpLocPortTable',
  `${LLDP}.3.7.1`,
  [
    { n: 1, name: 'lldpLocPortNum', type: T.Integer, index: true },
    { n: 2, name: 'lldpLocPortIdSubtype', type: T.Integer },
    { n: 3, name: 'lldpLocPortId', type: T.OctetString },
    { n: 4, name: 'lldpLocPortDesc', type: T.OctetString },
  ],
  [{ columnName: 'lldpLocPortNum' }],
);

const LOC_MAN_ADDR_TABLE = defineTable(
  'lldpLocManAddrTable',
  `${LLDP}.3.8.1`,
  [
    { n: 1, name: 'lldpLocManAddrSubtype', type: T.Integer, index: true },
    { n: 2, name: 'lldpLocManAddr', type: T.OctetString, index: true },
    { n: 3, name: 'lldpLocManAddrLen', type: T.Integer },
    { n: 4, name: 'lldpLocManAddrIfSubtype', type: T.Integer },
    { n: 5, name: 'lldpLocManAddrIfId', type: T.Integer },
    { n: 6, name: 'lldpLocManAddrOID', type: T.OID },
  ],
  [{ columnName: 'lldpLocManAddrSubtype' }, { columnName: 'lldpLocManAddr' }],
);

const REM_TABLE = defineTable(
  'lldpRemTable',
  `${LLDP}.4.1.1`,
  [
    { n: 1, name: 'lldpRemTimeMark', type: T.TimeTicks, index: true },
    { n: 2, name: 'lldpRemLocalPortNum', type: T.Integer, index: true },
    { n: 3, name: 'lldpRemIndex', type: T.Integer, index: true },
    { n: 4, name: 'lldpRemChassisIdSubtype', type: T.Integer },
    { n: 5, name: 'lldpRemChassisId', type: T.OctetString },
    { n: 6, name: 'lldpRemPortIdSubtype', type: T.Integer },
    { n: 7, name: 'lldpRemPortId', type: T.OctetString },
    { n: 8, name: 'lldpRemPortDesc', type: T.OctetString },
    { n: 9, name: 'lldpRemSysName', type: T.OctetString },
    { n: 10, name: 'lldpRemSysDesc', type: T.OctetString },
    { n: 11, name: 'lldpRemSysCapSupported', type: T.OctetString },
    { n: 12, name: 'lldpRemSysCapEnabled', type: T.OctetString },
  ],
  [
    { columnName: 'lldpRemTimeMark' },
    { columnName: 'lldpRemLocalPortNum' },
    { columnName: 'lldpRemIndex' },
  ],
);

const REM_MAN_ADDR_TABLE = defineTable(
  'lldpRemManAddrTable',
  `${LLDP}.4.2.1`,
  [
    { n: 1, name: 'lldpRemManAddrSubtype', type: T.Integer, index: true },
    { n: 2, name: 'lldpRemManAddr', type: T.OctetString, index: true },
    { n: 3, name: 'lldpRemManAddrIfSubtype', type: T.Integer },
    { n: 4, name: 'lldpRemManAddrIfId', type: T.Integer },
    { n: 5, name: 'lldpRemManAddrOID', type: T.OID },
  ],
  [
    { columnName: 'lldpRemTimeMark', foreign: 'lldpRemTable' },
    { columnName: 'lldpRemLocalPortNum', foreign: 'lldpRemTable' },
    { columnName: 'lldpRemIndex', foreign: 'lldpRemTable' },
    { columnName: 'lldpRemManAddrSubtype' },
    { columnName: 'lldpRemManAddr' },
  ],
);

/** LldpChassisIdSubtype macAddress(4); LldpPortIdSubtype interfaceName(5) */
const CHASSIS_MAC = 4;
const PORT_IF_NAME = 5;
/** AddressFamilyNumbers ipV4(1); lldpManAddrIfSubtype unknown(1), ifIndex(2) */
const IPV4 = 1;
const IF_UNKNOWN = 1;
const IF_INDEX = 2;

function ipBytes(ip: string): Buffer {
  return Buffer.from(ip.split('.').map(Number));
}

export function addLldp(ctx: MibContext): void {
  const { b, model } = ctx;
  const router = model.profile === 'router';
  b.scalar('lldpMessageTxInterval', `${LLDP}.1.1`, T.Integer, 30);
  const lastChange = Math.max(0, ...model.neighbours.map((n) => n.timeMark));
  b.scalar('lldpStatsRemTablesLastChangeTime', `${LLDP}.2.1`, T.TimeTicks, lastChange);
  b.scalar('lldpStatsRemTablesInserts', `${LLDP}.2.2`, T.Gauge32, model.neighbours.length);
  b.scalar('lldpStatsRemTablesDeletes', `${LLDP}.2.3`, T.Gauge32, 0);
  b.scalar('lldpStatsRemTablesDrops', `${LLDP}.2.4`, T.Gauge32, 0);
  b.scalar('lldpStatsRemTablesAgeouts', `${LLDP}.2.5`, T.Gauge32, 0);

  b.scalar('lldpLocChassisIdSubtype', `${LLDP}.3.1`, T.Integer, CHASSIS_MAC);
  b.scalar(
    'lldpLocChassisId',
    `${LLDP}.3.2`,
    T.OctetString,
    Buffer.from(model.mac.replace(/:/g, ''), 'hex'),
  );
  b.scalar('lldpLocSysName', `${LLDP}.3.3`, T.OctetString, model.config.sysName);
  b.scalar('lldpLocSysDesc', `${LLDP}.3.4`, T.OctetString, model.identity.sysDescr);
  b.scalar(
    'lldpLocSysCapSupported',
    `${LLDP}.3.5`,
    T.OctetString,
    capabilityBits(['bridge', 'router']),
  );
  b.scalar(
    'lldpLocSysCapEnabled',
    `${LLDP}.3.6`,
    T.OctetString,
    capabilityBits(router ? ['bridge', 'router'] : ['bridge']),
  );

  const ports = [...model.ports.entries()].sort((x, y) => x[0] - y[0]);
  b.table(
    LOC_PORT_TABLE,
    ports.map(([port, ifIndex]) => {
      const i = model.byIfIndex.get(ifIndex)!;
      return [port, PORT_IF_NAME, i.name, i.descr];
    }),
  );
  b.table(LOC_MAN_ADDR_TABLE, [
    [IPV4, ipBytes(model.config.address), 5, IF_INDEX, model.mgmtIfIndex, ZERO_DOT_ZERO],
  ]);

  b.table(
    REM_TABLE,
    model.neighbours.map((n) => [
      n.timeMark,
      n.localPort,
      n.remIndex,
      CHASSIS_MAC,
      n.chassisId,
      n.portIdSubtype,
      n.portId,
      n.config.portDescr ?? (n.portIdSubtype === PORT_IF_NAME ? n.config.portId : ''),
      n.config.sysName,
      n.config.sysDescr ?? '',
      n.capabilities,
      n.capabilities,
    ]),
  );
  b.table(
    REM_MAN_ADDR_TABLE,
    model.neighbours
      .filter((n) => n.config.mgmtIp)
      .map((n) => [
        n.timeMark,
        n.localPort,
        n.remIndex,
        IPV4,
        ipBytes(n.config.mgmtIp!),
        IF_UNKNOWN,
        0,
        ZERO_DOT_ZERO,
      ]),
  );
}
