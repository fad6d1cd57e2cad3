/**
 * IF-MIB ifTable (1.3.6.1.2.1.2.2) and ifXTable (1.3.6.1.2.1.31.1.1), IP-MIB ipAddrTable
 * (1.3.6.1.2.1.4.20) and ipNetToMediaTable (1.3.6.1.2.1.4.22, the ARP cache).
 */
import { counter32, counter64, gauge32 } from '../counters.js';
import { defineTable } from '../mib-builder.js';
import { ifTotals, lastChangeS, type Iface, type IfTotals } from '../model.js';
import { T, type MibValue } from '../net-snmp-types.js';
import { ZERO_DOT_ZERO, type MibContext } from './context.js';

const IF_TABLE = defineTable(
  'ifTable',
  '1.3.6.1.2.1.2.2.1',
  [
    { n: 1, name: 'ifIndex', type: T.Integer },
    { n: 2, name: 'ifDescr', type: T.OctetString },
    { n: 3, name: 'ifType', type: T.Integer },
    { n: 4, name: 'ifMtu', type: T.Integer },
    { n: 5, name: 'ifSpeed', type: T.Gauge32 },
    { n: 6, name: 'ifPhysAddress', type: T.OctetString },
    { n: 7, name: 'ifAdminStatus', type: T.Integer },
    { n: 8, name: 'ifOperStatus', type: T.Integer },
    { n: 9, name: 'ifLastChange', type: T.TimeTicks },
    { n: 10, name: 'ifInOctets', type: T.Counter32 },
    { n: 11, name: 'ifInUcastPkts', type: T.Counter32 },
    { n: 12, name: 'ifInNUcastPkts', type: T.Counter32 },
    { n: 13, name: 'ifInDiscards', type: T.Counter32 },
    { n: 14, name: 'ifInErrors', type: T.Counter32 },
    { n: 15, name: 'ifInUnknownProtos', type: T.Counter32 },
    { n: 16, name: 'ifOutOctets', type: T.Counter32 },
    { n: 17, name: 'ifOutUcastPkts', type: T.Counter32 },
    { n: 18, name: 'ifOutNUcastPkts', type: T.Counter32 },
    { n: 19, name: 'ifOutDiscards', type: T.Counter32 },
    { n: 20, name: 'ifOutErrors', type: T.Counter32 },
    { n: 21, name: 'ifOutQLen', type: T.Gauge32 },
    { n: 22, name: 'ifSpecific', type: T.OID },
  ],
  [{ columnName: 'ifIndex' }],
);

// AUGMENTS ifEntry: the index is ifTable's ifIndex
const IF_X_TABLE = defineTable(
  'ifXTable',
  '1.3.6.1.2.1.31.1.1.1',
  [
    { n: 1, name: 'ifName', type: T.OctetString },
    { n: 2, name: 'ifInMulticastPkts', type: T.Counter32 },
    { n: 3, name: 'ifInBroadcastPkts', type: T.Counter32 },
    { n: 4, name: 'ifOutMulticastPkts', type: T.Counter32 },
    { n: 5, name: 'ifOutBroadcastPkts', type: T.Counter32 },
    { n: 6, name: 'ifHCInOctets', type: T.Counter64 },
    { n: 7, name: 'ifHCInUcastPkts', type: T.Counter64 },
    { n: 8, name: 'ifHCInMulticastPkts', type: T.Counter64 },
    { n: 9, name: 'ifHCInBroadcastPkts', type: T.Counter64 },
    { n: 10, name: 'ifHCOutOctets', type: T.Counter64 },
    { n: 11, name: 'ifHCOutUcastPkts', type: T.Counter64 },
    { n: 12, name: 'ifHCOutMulticastPkts', type: T.Counter64 },
    { n: 13, name: 'ifHCOutBroadcastPkts', type: T.Counter64 },
    { n: 14, name: 'ifLinkUpDownTrapEnable', type: T.Integer },
    { n: 15, name: 'ifHighSpeed', type: T.Gauge32 },
    { n: 16, name: 'ifPromiscuousMode', type: T.Integer },
    { n: 17, name: 'ifConnectorPresent', type: T.Integer },
    { n: 18, name: 'ifAlias', type: T.OctetString },
    { n: 19, name: 'ifCounterDiscontinuityTime', type: T.TimeTicks },
  ],
  [{ columnName: 'ifIndex', foreign: 'ifTable' }],
);

const IP_ADDR_TABLE = defineTable(
  'ipAddrTable',
  '1.3.6.1.2.1.4.20.1',
  [
    { n: 1, name: 'ipAdEntAddr', type: T.IpAddress },
    { n: 2, name: 'ipAdEntIfIndex', type: T.Integer },
    { n: 3, name: 'ipAdEntNetMask', type: T.IpAddress },
    { n: 4, name: 'ipAdEntBcastAddr', type: T.Integer },
    { n: 5, name: 'ipAdEntReasmMaxSize', type: T.Integer },
  ],
  [{ columnName: 'ipAdEntAddr' }],
);

const IP_NET_TO_MEDIA_TABLE = defineTable(
  'ipNetToMediaTable',
  '1.3.6.1.2.1.4.22.1',
  [
    { n: 1, name: 'ipNetToMediaIfIndex', type: T.Integer },
    { n: 2, name: 'ipNetToMediaPhysAddress', type: T.OctetString },
    { n: 3, name: 'ipNetToMediaNetAddress', type: T.IpAddress },
    { n: 4, name: 'ipNetToMediaType', type: T.Integer },
  ],
  [{ columnName: 'ipNetToMediaIfIndex' }, { columnName: 'ipNetToMediaNetAddress' }],
);

const TRUE = 1;
const FALSE = 2;

/** The ifTable columns whose values move (10..20), from an interface's totals. */
function ifTableValue(t: IfTotals, column: number): MibValue | undefined {
  switch (column) {
    case 10:
      return counter32(t.inOctets);
    case 11:
      return counter32(t.inUcast);
    case 12:
      return counter32(t.inMulticast + t.inBroadcast);
    case 13:
      return counter32(t.inDiscards);
    case 14:
      return counter32(t.inErrors);
    case 15:
      return counter32(t.inUnknownProtos);
    case 16:
      return counter32(t.outOctets);
    case 17:
      return counter32(t.outUcast);
    case 18:
      return counter32(t.outMulticast + t.outBroadcast);
    case 19:
      return counter32(t.outDiscards);
    case 20:
      return counter32(t.outErrors);
  }
  return undefined;
}

/** The ifXTable columns whose values move (2..13), from an interface's totals. */
function ifXTableValue(t: IfTotals, column: number): MibValue | undefined {
  switch (column) {
    case 2:
      return counter32(t.inMulticast);
    case 3:
      return counter32(t.inBroadcast);
    case 4:
      return counter32(t.outMulticast);
    case 5:
      return counter32(t.outBroadcast);
    case 6:
      return counter64(t.inOctets);
    case 7:
      return counter64(t.inUcast);
    case 8:
      return counter64(t.inMulticast);
    case 9:
      return counter64(t.inBroadcast);
    case 10:
      return counter64(t.outOctets);
    case 11:
      return counter64(t.outUcast);
    case 12:
      return counter64(t.outMulticast);
    case 13:
      return counter64(t.outBroadcast);
  }
  return undefined;
}

/** The ifTable columns whose values move (10..20), for an interface at time nowMs. */
export function ifTableCell(ctx: MibContext, i: Iface, column: number): MibValue | undefined {
  if (column < 10 || column > 20) return undefined;
  return ifTableValue(ifTotals(ctx.model, i, ctx.now()), column);
}

export function ifXTableCell(ctx: MibContext, i: Iface, column: number): MibValue | undefined {
  if (column < 2 || column > 13) return undefined;
  return ifXTableValue(ifTotals(ctx.model, i, ctx.now()), column);
}

export function addInterfaces(ctx: MibContext): void {
  const { b, model } = ctx;
  b.scalar('ifNumber', '1.3.6.1.2.1.2.1', T.Integer, model.ifaces.length);
  const byIndex = (index: readonly string[]) => model.byIfIndex.get(Number(index[0]));

  // Rows are built with every counter at one instant (one ifTotals per interface); the handlers
  // recompute the cell asked for at each request.
  const totals = new Map(model.ifaces.map((i) => [i, ifTotals(model, i, ctx.now())]));
  b.table(
    IF_TABLE,
    model.ifaces.map((i) => [
      i.ifIndex,
      i.descr,
      i.type,
      i.mtu,
      gauge32(i.speed),
      i.mac,
      i.admin,
      i.oper,
      lastChangeS(model, i) * 100,
      ...Array.from({ length: 11 }, (_, c) => ifTableValue(totals.get(i)!, 10 + c)!),
      0,
      ZERO_DOT_ZERO,
    ]),
    (column, index) => {
      const i = byIndex(index);
      return i && ifTableCell(ctx, i, column);
    },
  );

  b.table(
    IF_X_TABLE,
    model.ifaces.map((i) => [
      i.ifIndex,
      i.name,
      ...Array.from({ length: 12 }, (_, c) => ifXTableValue(totals.get(i)!, 2 + c)!),
      i.connector ? 1 : 2,
      Math.round(i.speed / 1_000_000),
      FALSE,
      i.connector ? TRUE : FALSE,
      i.alias,
      0,
    ]),
    (column, index) => {
      const i = byIndex(index);
      return i && ifXTableCell(ctx, i, column);
    },
  );
}

export function addIp(ctx: MibContext): void {
  const { b, model } = ctx;
  b.scalar('ipForwarding', '1.3.6.1.2.1.4.1', T.Integer, model.ipForwarding);
  b.scalar(
    'ipDefaultTTL',
    '1.3.6.1.2.1.4.2',
    T.Integer,
    model.identity.vendor === 'cisco' ? 255 : 64,
  );
  b.table(
    IP_ADDR_TABLE,
    model.ipAddrs.map((a) => [a.ip, a.ifIndex, a.mask, 1, 18024]),
  );
  const seen = new Set<string>();
  b.table(
    IP_NET_TO_MEDIA_TABLE,
    model.arp
      .filter((e) => {
        const key = `${e.ifIndex}/${e.ip}`;
        return !seen.has(key) && seen.add(key);
      })
      .map((e) => [e.ifIndex, e.mac, e.ip, 3]),
  );
}
