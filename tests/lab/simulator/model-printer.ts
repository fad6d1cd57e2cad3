/**
 * A colour laser printer: a page counter that moves, and supplies that are used up by those
 * pages (toner drifts down slowly; the drum, belt and fuser count down impressions).
 */
import type { Identity } from './identity.js';
import { rand, randInt } from './random.js';

/** PrtMarkerSuppliesTypeTC */
export const SUPPLY_TYPE = {
  toner: 3,
  wasteToner: 4,
  opc: 9,
  fuser: 15,
  transferUnit: 20,
} as const;
/** PrtMarkerSuppliesSupplyUnitTC */
export const SUPPLY_UNIT = { impressions: 7, percent: 19 } as const;
/** PrtMarkerSuppliesClassTC */
export const SUPPLY_CLASS = { consumed: 3, receptacle: 4 } as const;

export interface Supply {
  index: number;
  colorantIndex: number;
  class: number;
  type: number;
  descr: string;
  unit: number;
  max: number;
  /** Level when the simulator started. */
  startLevel: number;
  /** Units used per printed page (0 for a level that does not move). */
  perPage: number;
  /** A fixed level: -3 is "some remaining" (RFC 3805), what Brother reports for its waste box. */
  fixed?: number;
}

export interface PrinterModel {
  hrDeviceIndex: number;
  deviceDescr: string;
  lifeCountAtStart: number;
  pagesPerHour: number;
  colorants: string[];
  supplies: Supply[];
}

const COLOURS = ['black', 'cyan', 'magenta', 'yellow'] as const;

export function buildPrinter(identity: Identity, seed: number): PrinterModel {
  const hp = identity.vendor === 'hp';
  const lifeCount = randInt(seed, 2500, 60000, 'pages');
  const supplies: Supply[] = COLOURS.map((colour, i) => {
    // black prints every page, colours about a third of them
    const yieldPages = colour === 'black' ? 3000 : 1800;
    const share = colour === 'black' ? 1 : 0.35;
    const name = colour[0]!.toUpperCase() + colour.slice(1);
    const hpPart = ['W2030A', 'W2031A', 'W2033A', 'W2032A'][i];
    return {
      index: i + 1,
      colorantIndex: i + 1,
      class: SUPPLY_CLASS.consumed,
      type: SUPPLY_TYPE.toner,
      descr: hp ? `${name} Cartridge HP 415A ${hpPart}` : `${name} Toner Cartridge`,
      unit: SUPPLY_UNIT.percent,
      max: 100,
      startLevel: randInt(seed, i === 0 ? 20 : 6, 95, 'toner', colour),
      perPage: (100 / yieldPages) * share,
    };
  });
  if (!hp) {
    const used = (key: string, max: number) => Math.floor(max * (0.1 + 0.8 * rand(seed, key)));
    supplies.push(
      {
        index: 5,
        colorantIndex: 0,
        class: SUPPLY_CLASS.consumed,
        type: SUPPLY_TYPE.opc,
        descr: 'Drum Unit',
        unit: SUPPLY_UNIT.impressions,
        max: 30000,
        startLevel: 30000 - used('drum', 30000),
        perPage: 1,
      },
      {
        index: 6,
        colorantIndex: 0,
        class: SUPPLY_CLASS.consumed,
        type: SUPPLY_TYPE.transferUnit,
        descr: 'Belt Unit',
        unit: SUPPLY_UNIT.impressions,
        max: 50000,
        startLevel: 50000 - used('belt', 50000),
        perPage: 1,
      },
      {
        index: 7,
        colorantIndex: 0,
        class: SUPPLY_CLASS.receptacle,
        type: SUPPLY_TYPE.wasteToner,
        descr: 'Waste Toner Box',
        unit: SUPPLY_UNIT.impressions,
        max: 50000,
        startLevel: -3,
        perPage: 0,
        fixed: -3,
      },
      {
        index: 8,
        colorantIndex: 0,
        class: SUPPLY_CLASS.consumed,
        type: SUPPLY_TYPE.fuser,
        descr: 'Fuser Unit',
        unit: SUPPLY_UNIT.impressions,
        max: 100000,
        startLevel: 100000 - used('fuser', 100000),
        perPage: 1,
      },
    );
  }
  return {
    hrDeviceIndex: 1,
    deviceDescr: identity.model,
    lifeCountAtStart: lifeCount,
    pagesPerHour: randInt(seed, 8, 40, 'pages-per-hour'),
    colorants: [...COLOURS],
    supplies,
  };
}

/** Pages printed since the simulator started, after `elapsedS` seconds. */
export function pagesSinceStart(p: PrinterModel, elapsedS: number): number {
  return Math.floor((Math.max(0, elapsedS) * p.pagesPerHour) / 3600);
}

export function lifeCount(p: PrinterModel, elapsedS: number): number {
  return p.lifeCountAtStart + pagesSinceStart(p, elapsedS);
}

/** prtMarkerSuppliesLevel: never below 0, never moving for a fixed (-3) level. */
export function supplyLevel(p: PrinterModel, s: Supply, elapsedS: number): number {
  if (s.fixed !== undefined) return s.fixed;
  return Math.max(0, Math.floor(s.startLevel - pagesSinceStart(p, elapsedS) * s.perPage));
}

/** Toner at or below 10 %: the printer warns (hrDeviceStatus warning, hrPrinter lowToner). */
export function lowToner(p: PrinterModel, elapsedS: number): boolean {
  return p.supplies.some((s) => s.type === SUPPLY_TYPE.toner && supplyLevel(p, s, elapsedS) <= 10);
}
