/**
 * A printer: HOST-RESOURCES-MIB hrDeviceTable/hrPrinterTable (1.3.6.1.2.1.25.3) and Printer-MIB
 * (RFC 3805, 1.3.6.1.2.1.43): general (serial), marker (page counter), supplies, colorants.
 *
 * Index layouts: every Printer-MIB table is indexed by hrDeviceIndex (1, the printer) first:
 *   prtMarkerSuppliesEntry 1.3.6.1.2.1.43.11.1.1.C.<hrDeviceIndex>.<prtMarkerSuppliesIndex>
 */
import { counter32 } from '../counters.js';
import { defineTable } from '../mib-builder.js';
import { uptimeTicks } from '../model.js';
import { lifeCount, lowToner, supplyLevel } from '../model-printer.js';
import { T } from '../net-snmp-types.js';
import { elapsedS, ZERO_DOT_ZERO, type MibContext } from './context.js';

export const HR_DEVICE_TABLE = defineTable(
  'hrDeviceTable',
  '1.3.6.1.2.1.25.3.2.1',
  [
    { n: 1, name: 'hrDeviceIndex', type: T.Integer },
    { n: 2, name: 'hrDeviceType', type: T.OID },
    { n: 3, name: 'hrDeviceDescr', type: T.OctetString },
    { n: 4, name: 'hrDeviceID', type: T.OID },
    { n: 5, name: 'hrDeviceStatus', type: T.Integer },
    { n: 6, name: 'hrDeviceErrors', type: T.Counter32 },
  ],
  [{ columnName: 'hrDeviceIndex' }],
);

const HR_PRINTER_TABLE = defineTable(
  'hrPrinterTable',
  '1.3.6.1.2.1.25.3.5.1',
  [
    { n: 1, name: 'hrPrinterStatus', type: T.Integer },
    { n: 2, name: 'hrPrinterDetectedErrorState', type: T.OctetString },
  ],
  [{ columnName: 'hrDeviceIndex', foreign: 'hrDeviceTable' }],
);

const PRT_GENERAL_TABLE = defineTable(
  'prtGeneralTable',
  '1.3.6.1.2.1.43.5.1.1',
  [
    { n: 1, name: 'prtGeneralConfigChanges', type: T.Counter32 },
    { n: 16, name: 'prtGeneralPrinterName', type: T.OctetString },
    { n: 17, name: 'prtGeneralSerialNumber', type: T.OctetString },
  ],
  [{ columnName: 'hrDeviceIndex', foreign: 'hrDeviceTable' }],
);

const PRT_MARKER_TABLE = defineTable(
  'prtMarkerTable',
  '1.3.6.1.2.1.43.10.2.1',
  [
    { n: 1, name: 'prtMarkerIndex', type: T.Integer, index: true },
    { n: 2, name: 'prtMarkerMarkTech', type: T.Integer },
    { n: 3, name: 'prtMarkerCounterUnit', type: T.Integer },
    { n: 4, name: 'prtMarkerLifeCount', type: T.Counter32 },
    { n: 5, name: 'prtMarkerPowerOnCount', type: T.Counter32 },
    { n: 6, name: 'prtMarkerProcessColorants', type: T.Integer },
    { n: 7, name: 'prtMarkerSpotColorants', type: T.Integer },
    { n: 8, name: 'prtMarkerAddressabilityUnit', type: T.Integer },
    { n: 9, name: 'prtMarkerAddressabilityFeedDir', type: T.Integer },
    { n: 10, name: 'prtMarkerAddressabilityXFeedDir', type: T.Integer },
    { n: 15, name: 'prtMarkerStatus', type: T.Integer },
  ],
  [{ columnName: 'hrDeviceIndex', foreign: 'hrDeviceTable' }, { columnName: 'prtMarkerIndex' }],
);

const PRT_SUPPLIES_TABLE = defineTable(
  'prtMarkerSuppliesTable',
  '1.3.6.1.2.1.43.11.1.1',
  [
    { n: 1, name: 'prtMarkerSuppliesIndex', type: T.Integer, index: true },
    { n: 2, name: 'prtMarkerSuppliesMarkerIndex', type: T.Integer },
    { n: 3, name: 'prtMarkerSuppliesColorantIndex', type: T.Integer },
    { n: 4, name: 'prtMarkerSuppliesClass', type: T.Integer },
    { n: 5, name: 'prtMarkerSuppliesType', type: T.Integer },
    { n: 6, name: 'prtMarkerSuppliesDescription', type: T.OctetString },
    { n: 7, name: 'prtMarkerSuppliesSupplyUnit', type: T.Integer },
    { n: 8, name: 'prtMarkerSuppliesMaxCapacity', type: T.Integer },
    { n: 9, name: 'prtMarkerSuppliesLevel', type: T.Integer },
  ],
  [
    { columnName: 'hrDeviceIndex', foreign: 'hrDeviceTable' },
    { columnName: 'prtMarkerSuppliesIndex' },
  ],
);

const PRT_COLORANT_TABLE = defineTable(
  'prtMarkerColorantTable',
  '1.3.6.1.2.1.43.12.1.1',
  [
    { n: 1, name: 'prtMarkerColorantIndex', type: T.Integer, index: true },
    { n: 2, name: 'prtMarkerColorantMarkerIndex', type: T.Integer },
    { n: 3, name: 'prtMarkerColorantRole', type: T.Integer },
    { n: 4, name: 'prtMarkerColorantValue', type: T.OctetString },
    { n: 5, name: 'prtMarkerColorantTonality', type: T.Integer },
  ],
  [
    { columnName: 'hrDeviceIndex', foreign: 'hrDeviceTable' },
    { columnName: 'prtMarkerColorantIndex' },
  ],
);

const HR_DEVICE_PRINTER = '1.3.6.1.2.1.25.3.1.5';
/** hrDeviceStatus running(2) warning(3); hrPrinterStatus idle(3) */
const RUNNING = 2;
const WARNING = 3;
const IDLE = 3;
/** hrPrinterDetectedErrorState BITS: lowToner(2) is 0x20 in the first octet */
const LOW_TONER = 0x20;

export function addPrinter(ctx: MibContext): void {
  const { b, model } = ctx;
  const p = model.printer!;
  const dev = p.hrDeviceIndex;
  const low = () => lowToner(p, elapsedS(ctx));

  b.scalar('hrSystemUptime', '1.3.6.1.2.1.25.1.1', T.TimeTicks, () =>
    uptimeTicks(model, ctx.now()),
  );
  b.table(
    HR_DEVICE_TABLE,
    [[dev, HR_DEVICE_PRINTER, p.deviceDescr, ZERO_DOT_ZERO, low() ? WARNING : RUNNING, 0]],
    (column) => (column === 5 ? (low() ? WARNING : RUNNING) : undefined),
  );
  b.table(HR_PRINTER_TABLE, [[dev, IDLE, Buffer.from([low() ? LOW_TONER : 0, 0])]], (column) =>
    column === 2 ? Buffer.from([low() ? LOW_TONER : 0, 0]) : undefined,
  );
  b.table(PRT_GENERAL_TABLE, [[dev, 1, model.config.sysName, model.identity.serial]]);

  const pages = () => counter32(lifeCount(p, elapsedS(ctx)));
  const powerOn = () => counter32(lifeCount(p, elapsedS(ctx)) - p.lifeCountAtStart);
  b.table(
    PRT_MARKER_TABLE,
    // electrophotographicLaser(4), impressions(7), tenThousandthsOfInches(3), 600 dpi
    [[dev, 1, 4, 7, pages(), powerOn(), 4, 0, 3, 600, 600, 0]],
    (column) => (column === 4 ? pages() : column === 5 ? powerOn() : undefined),
  );
  b.table(
    PRT_SUPPLIES_TABLE,
    p.supplies.map((s) => [
      dev,
      s.index,
      1,
      s.colorantIndex,
      s.class,
      s.type,
      s.descr,
      s.unit,
      s.max,
      supplyLevel(p, s, elapsedS(ctx)),
    ]),
    (column, index) => {
      if (column !== 9) return undefined;
      const s = p.supplies.find((x) => x.index === Number(index[1]));
      return s && supplyLevel(p, s, elapsedS(ctx));
    },
  );
  b.table(
    PRT_COLORANT_TABLE,
    // role process(3), tonality 256 levels
    p.colorants.map((c, i) => [dev, i + 1, 1, 3, c, 256]),
  );
}
