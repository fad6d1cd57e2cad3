/**
 * Temperature sensors (ENTITY-SENSOR-MIB, RFC 3433) of switches and servers: an inlet that
 * follows the room and a CPU that runs warmer and moves faster. Like every moving value, a
 * reading is a pure function of the model and the clock.
 */
import type { Profile } from './config.js';
import { rand } from './random.js';

export interface TempSensor {
  /** entPhysicalIndex of the sensor's row in entPhysicalTable (contained in the chassis, 1). */
  index: number;
  /** entPhysicalDescr and entPhysicalName. */
  descr: string;
  name: string;
  /** entPhySensorPrecision: decimal places of the reported integer (1: tenths of a degree). */
  precision: number;
  meanC: number;
  swingC: number;
  periodS: number;
  phase: number;
}

function sensor(
  seed: number,
  index: number,
  descr: string,
  name: string,
  precision: number,
  [lo, hi]: [number, number],
  swingC: number,
  [pLo, pHi]: [number, number],
): TempSensor {
  return {
    index,
    descr,
    name,
    precision,
    meanC: lo + (hi - lo) * rand(seed, 'temp', index, 'mean'),
    swingC,
    periodS: pLo + (pHi - pLo) * rand(seed, 'temp', index, 'period'),
    phase: 2 * Math.PI * rand(seed, 'temp', index, 'phase'),
  };
}

/** Switches report whole degrees (as Catalysts do), servers tenths (as iDRAC does). */
export function buildSensors(profile: Profile, seed: number): TempSensor[] {
  if (profile === 'switch24' || profile === 'switch48') {
    return [
      sensor(seed, 1006, 'Switch 1 - Inlet Temp Sensor', 'Inlet', 0, [23, 29], 2, [1800, 3600]),
      sensor(seed, 1007, 'Switch 1 - CPU Temp Sensor', 'CPU', 0, [42, 55], 5, [600, 1200]),
    ];
  }
  if (profile === 'server') {
    return [
      sensor(seed, 20, 'System Board Inlet Temp', 'Inlet', 1, [19, 26], 1.5, [1800, 3600]),
      sensor(seed, 21, 'CPU1 Temp', 'CPU1', 1, [38, 62], 8, [300, 900]),
    ];
  }
  return [];
}

/** entPhySensorValue: the temperature × 10^precision, rounded, at `elapsedS`. */
export function sensorValue(s: TempSensor, elapsedS: number): number {
  const c = s.meanC + s.swingC * Math.sin((2 * Math.PI * elapsedS) / s.periodS + s.phase);
  return Math.round(c * 10 ** s.precision);
}

/** What a manager should read: the reported value in degrees Celsius. */
export function sensorCelsius(s: TempSensor, elapsedS: number): number {
  return sensorValue(s, elapsedS) / 10 ** s.precision;
}
