/**
 * ENTITY-MIB entPhysicalTable (1.3.6.1.2.1.47.1.1.1): the chassis, with model, serial number and
 * firmware, which is where inventory and the update checks read them; and the temperature
 * sensors inside it, whose readings are in ENTITY-SENSOR-MIB (sensors.ts).
 */
import { defineTable } from '../mib-builder.js';
import { T } from '../net-snmp-types.js';
import { ZERO_DOT_ZERO, type MibContext } from './context.js';

const ENT_PHYSICAL_TABLE = defineTable(
  'entPhysicalTable',
  '1.3.6.1.2.1.47.1.1.1.1',
  [
    { n: 1, name: 'entPhysicalIndex', type: T.Integer, index: true },
    { n: 2, name: 'entPhysicalDescr', type: T.OctetString },
    { n: 3, name: 'entPhysicalVendorType', type: T.OID },
    { n: 4, name: 'entPhysicalContainedIn', type: T.Integer },
    { n: 5, name: 'entPhysicalClass', type: T.Integer },
    { n: 6, name: 'entPhysicalParentRelPos', type: T.Integer },
    { n: 7, name: 'entPhysicalName', type: T.OctetString },
    { n: 8, name: 'entPhysicalHardwareRev', type: T.OctetString },
    { n: 9, name: 'entPhysicalFirmwareRev', type: T.OctetString },
    { n: 10, name: 'entPhysicalSoftwareRev', type: T.OctetString },
    { n: 11, name: 'entPhysicalSerialNum', type: T.OctetString },
    { n: 12, name: 'entPhysicalMfgName', type: T.OctetString },
    { n: 13, name: 'entPhysicalModelName', type: T.OctetString },
    { n: 14, name: 'entPhysicalAlias', type: T.OctetString },
    { n: 15, name: 'entPhysicalAssetID', type: T.OctetString },
    { n: 16, name: 'entPhysicalIsFRU', type: T.Integer },
  ],
  [{ columnName: 'entPhysicalIndex' }],
);

/** PhysicalClass */
const CHASSIS = 3;
const SENSOR = 8;
const TRUE = 1;
const FALSE = 2;

export function addEntity(ctx: MibContext): void {
  const id = ctx.model.identity;
  const cisco = id.vendor === 'cisco';
  ctx.b.table(ENT_PHYSICAL_TABLE, [
    [
      1,
      id.chassisDescr,
      ZERO_DOT_ZERO,
      0,
      CHASSIS,
      -1,
      cisco && ctx.model.profile !== 'router' ? '1' : 'Chassis',
      id.hardwareRev,
      id.firmwareRev,
      id.firmware,
      id.serial,
      id.mfgName,
      id.model,
      '',
      '',
      TRUE,
    ],
    ...ctx.model.sensors.map((s, i) => [
      s.index,
      s.descr,
      ZERO_DOT_ZERO,
      1,
      SENSOR,
      i + 1,
      s.name,
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      '',
      FALSE,
    ]),
  ]);
}
