/**
 * UPS-MIB (RFC 1628, 1.3.6.1.2.1.33) and the handful of APC PowerNet-MIB scalars
 * (1.3.6.1.4.1.318.1.1.1) that APC-aware pollers read first.
 */
import { defineTable } from '../mib-builder.js';
import { upsState, type UpsState } from '../model-ups.js';
import { T, type MibValue } from '../net-snmp-types.js';
import { elapsedS, type MibContext } from './context.js';

const UPS = '1.3.6.1.2.1.33.1';
const APC = '1.3.6.1.4.1.318.1.1.1';

const INPUT_TABLE = defineTable(
  'upsInputTable',
  `${UPS}.3.3.1`,
  [
    { n: 1, name: 'upsInputLineIndex', type: T.Integer, index: true },
    { n: 2, name: 'upsInputFrequency', type: T.Integer },
    { n: 3, name: 'upsInputVoltage', type: T.Integer },
    { n: 4, name: 'upsInputCurrent', type: T.Integer },
    { n: 5, name: 'upsInputTruePower', type: T.Integer },
  ],
  [{ columnName: 'upsInputLineIndex' }],
);

const OUTPUT_TABLE = defineTable(
  'upsOutputTable',
  `${UPS}.4.4.1`,
  [
    { n: 1, name: 'upsOutputLineIndex', type: T.Integer, index: true },
    { n: 2, name: 'upsOutputVoltage', type: T.Integer },
    { n: 3, name: 'upsOutputCurrent', type: T.Integer },
    { n: 4, name: 'upsOutputPower', type: T.Integer },
    { n: 5, name: 'upsOutputPercentLoad', type: T.Integer },
  ],
  [{ columnName: 'upsOutputLineIndex' }],
);

export function addUps(ctx: MibContext): void {
  const { b, model } = ctx;
  const u = model.ups!;
  const id = model.identity;
  const now = (): UpsState => upsState(u, elapsedS(ctx));
  const live = (type: number, name: string, oid: string, f: (s: UpsState) => MibValue) =>
    b.scalar(name, oid, type, () => f(now()));

  b.scalar('upsIdentManufacturer', `${UPS}.1.1`, T.OctetString, 'American Power Conversion Corp.');
  b.scalar('upsIdentModel', `${UPS}.1.2`, T.OctetString, id.model);
  b.scalar('upsIdentUPSSoftwareVersion', `${UPS}.1.3`, T.OctetString, id.firmwareRev);
  b.scalar('upsIdentAgentSoftwareVersion', `${UPS}.1.4`, T.OctetString, id.firmware);
  b.scalar('upsIdentName', `${UPS}.1.5`, T.OctetString, model.config.sysName);
  b.scalar('upsIdentAttachedDevices', `${UPS}.1.6`, T.OctetString, 'rack A');

  live(T.Integer, 'upsBatteryStatus', `${UPS}.2.1`, (s) => s.batteryStatus);
  live(T.Integer, 'upsSecondsOnBattery', `${UPS}.2.2`, (s) => s.secondsOnBattery);
  live(T.Integer, 'upsEstimatedMinutesRemaining', `${UPS}.2.3`, (s) => s.minutesRemaining);
  live(T.Integer, 'upsEstimatedChargeRemaining', `${UPS}.2.4`, (s) => s.chargePercent);
  live(T.Integer, 'upsBatteryVoltage', `${UPS}.2.5`, (s) => s.batteryVoltageDV);
  live(T.Integer, 'upsBatteryCurrent', `${UPS}.2.6`, (s) => s.batteryCurrentDA);
  live(T.Integer, 'upsBatteryTemperature', `${UPS}.2.7`, (s) => s.temperatureC);

  b.scalar('upsInputLineBads', `${UPS}.3.1`, T.Counter32, u.lineBads);
  b.scalar('upsInputNumLines', `${UPS}.3.2`, T.Integer, 1);
  const input = (s: UpsState) => [1, s.frequencyDHz, s.inputVoltage, 0, 0];
  b.table(INPUT_TABLE, [input(now())], (column) => input(now())[column - 1]);

  live(T.Integer, 'upsOutputSource', `${UPS}.4.1`, (s) => s.outputSource);
  live(T.Integer, 'upsOutputFrequency', `${UPS}.4.2`, (s) => s.frequencyDHz);
  b.scalar('upsOutputNumLines', `${UPS}.4.3`, T.Integer, 1);
  const output = (s: UpsState) => [
    1,
    s.outputVoltage,
    s.outputCurrentDA,
    s.outputPowerW,
    s.loadPercent,
  ];
  b.table(OUTPUT_TABLE, [output(now())], (column) => output(now())[column - 1]);

  b.scalar('upsAlarmsPresent', `${UPS}.6.1`, T.Gauge32, 0);
  b.scalar('upsConfigInputVoltage', `${UPS}.9.1`, T.Integer, 230);
  b.scalar('upsConfigInputFreq', `${UPS}.9.2`, T.Integer, 500);
  b.scalar('upsConfigOutputVoltage', `${UPS}.9.3`, T.Integer, 230);
  b.scalar('upsConfigOutputFreq', `${UPS}.9.4`, T.Integer, 500);
  b.scalar('upsConfigOutputVA', `${UPS}.9.5`, T.Integer, u.capacityVA);
  b.scalar('upsConfigOutputPower', `${UPS}.9.6`, T.Integer, u.capacityW);

  b.scalar('upsBasicIdentModel', `${APC}.1.1.1`, T.OctetString, id.model);
  b.scalar('upsBasicIdentName', `${APC}.1.1.2`, T.OctetString, model.config.sysName);
  b.scalar('upsAdvIdentFirmwareRevision', `${APC}.1.2.1`, T.OctetString, id.firmwareRev);
  b.scalar('upsAdvIdentSerialNumber', `${APC}.1.2.3`, T.OctetString, id.serial);
  // upsBasicBatteryStatus batteryNormal(2); upsBasicOutputStatus onLine(2)
  live(T.Integer, 'upsBasicBatteryStatus', `${APC}.2.1.1`, (s) => s.batteryStatus);
  live(T.Gauge32, 'upsAdvBatteryCapacity', `${APC}.2.2.1`, (s) => s.chargePercent);
  live(T.Gauge32, 'upsAdvBatteryTemperature', `${APC}.2.2.2`, (s) => s.temperatureC);
  live(
    T.TimeTicks,
    'upsAdvBatteryRunTimeRemaining',
    `${APC}.2.2.3`,
    (s) => s.minutesRemaining * 6000,
  );
  b.scalar('upsBasicOutputStatus', `${APC}.4.1.1`, T.Integer, 2);
  live(T.Gauge32, 'upsAdvOutputLoad', `${APC}.4.2.3`, (s) => s.loadPercent);
}
