/**
 * ENTITY-SENSOR-MIB entPhySensorTable (RFC 3433, 1.3.6.1.2.1.99.1.1.1): one row per temperature
 * sensor, indexed by the sensor's entPhysicalIndex (its name is entPhysicalDescr, entity.ts).
 */
import { defineTable } from '../mib-builder.js';
import { uptimeTicks } from '../model.js';
import { sensorValue } from '../model-sensors.js';
import { T } from '../net-snmp-types.js';
import { elapsedS, type MibContext } from './context.js';

const SENSOR_TABLE = defineTable(
  'entPhySensorTable',
  '1.3.6.1.2.1.99.1.1.1',
  [
    { n: 1, name: 'entPhySensorType', type: T.Integer },
    { n: 2, name: 'entPhySensorScale', type: T.Integer },
    { n: 3, name: 'entPhySensorPrecision', type: T.Integer },
    { n: 4, name: 'entPhySensorValue', type: T.Integer },
    { n: 5, name: 'entPhySensorOperStatus', type: T.Integer },
    { n: 6, name: 'entPhySensorUnitsDisplay', type: T.OctetString },
    { n: 7, name: 'entPhySensorValueTimeStamp', type: T.TimeTicks },
    { n: 8, name: 'entPhySensorValueUpdateRate', type: T.Integer },
  ],
  [{ columnName: 'entPhysicalIndex', foreign: 'entPhysicalTable' }],
);

/** EntitySensorDataType celsius(8), EntitySensorDataScale units(9), EntitySensorStatus ok(1). */
const CELSIUS = 8;
const UNITS = 9;
const OK = 1;
/** Sensors are read every few seconds; the time stamp is the last such moment. */
const UPDATE_MS = 5000;

export function addSensors(ctx: MibContext): void {
  const { b, model } = ctx;
  if (model.sensors.length === 0) return;
  const stamp = () => {
    const now = ctx.now();
    return uptimeTicks(model, now - (now % UPDATE_MS));
  };
  b.table(
    SENSOR_TABLE,
    model.sensors.map((s) => [
      s.index,
      CELSIUS,
      UNITS,
      s.precision,
      sensorValue(s, elapsedS(ctx)),
      OK,
      'degrees C',
      stamp(),
      UPDATE_MS,
    ]),
    (column, index) => {
      if (column === 7) return stamp();
      if (column !== 4) return undefined;
      const s = model.sensors.find((x) => x.index === Number(index[0]));
      return s && sensorValue(s, elapsedS(ctx));
    },
  );
}
