/**
 * An APC Smart-UPS on mains power: the load wanders around its mean, the runtime estimate follows
 * the load, the battery is full and slightly warm.
 */
import { rand, randInt } from './random.js';

export interface UpsModel {
  capacityVA: number;
  capacityW: number;
  /** mean output load, percent */
  meanLoad: number;
  loadPeriodS: number;
  loadPhase: number;
  temperatureC: number;
  inputVoltage: number;
  /** upsInputLineBads at start (power events in the device's life) */
  lineBads: number;
  /** Runtime in minutes at 1 % load; the estimate is this divided by the load. */
  runtimeLoadMinutes: number;
}

export function buildUps(seed: number): UpsModel {
  return {
    capacityVA: 1500,
    capacityW: 1000,
    meanLoad: randInt(seed, 18, 55, 'load'),
    loadPeriodS: 600 + 1800 * rand(seed, 'load-period'),
    loadPhase: 2 * Math.PI * rand(seed, 'load-phase'),
    temperatureC: randInt(seed, 23, 31, 'temp'),
    inputVoltage: randInt(seed, 226, 238, 'vin'),
    lineBads: randInt(seed, 0, 6, 'line-bads'),
    runtimeLoadMinutes: randInt(seed, 1400, 1700, 'runtime'),
  };
}

export interface UpsState {
  /** upsBatteryStatus: batteryNormal(2) */
  batteryStatus: number;
  secondsOnBattery: number;
  minutesRemaining: number;
  chargePercent: number;
  /** 0.1 V DC */
  batteryVoltageDV: number;
  /** 0.1 A DC */
  batteryCurrentDA: number;
  temperatureC: number;
  /** upsOutputSource: normal(3) */
  outputSource: number;
  /** 0.1 Hz */
  frequencyDHz: number;
  inputVoltage: number;
  outputVoltage: number;
  /** 0.1 A */
  outputCurrentDA: number;
  outputPowerW: number;
  loadPercent: number;
}

export function upsState(u: UpsModel, elapsedS: number): UpsState {
  const load = Math.max(
    5,
    Math.round(
      u.meanLoad * (1 + 0.15 * Math.sin((2 * Math.PI * elapsedS) / u.loadPeriodS + u.loadPhase)),
    ),
  );
  const outputPowerW = Math.round((u.capacityW * load) / 100);
  const outputVoltage = 230;
  return {
    batteryStatus: 2,
    secondsOnBattery: 0,
    minutesRemaining: Math.round(u.runtimeLoadMinutes / load),
    chargePercent: 100,
    batteryVoltageDV: 273,
    batteryCurrentDA: 0,
    temperatureC: u.temperatureC + (Math.sin(elapsedS / 1800) > 0.6 ? 1 : 0),
    outputSource: 3,
    frequencyDHz: 500,
    inputVoltage: u.inputVoltage,
    outputVoltage,
    outputCurrentDA: Math.round((outputPowerW / 0.9 / outputVoltage) * 10),
    outputPowerW,
    loadPercent: load,
  };
}
