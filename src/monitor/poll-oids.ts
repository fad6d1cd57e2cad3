/**
 * Numeric OIDs the monitoring poller reads (Debian ships no MIB files). Scalars are full instance
 * OIDs (`.0`); tables are given as entry or column OIDs and the row index is appended.
 */

// SNMPv2-MIB, HOST-RESOURCES-MIB, SNMP-FRAMEWORK-MIB: three clocks. sysUpTime restarts with the
// agent, hrSystemUptime with the host; snmpEngineBoots counts restarts and snmpEngineTime does
// not wrap after 497 days as the TimeTicks do.
export const SYS_UPTIME = '1.3.6.1.2.1.1.3.0';
export const HR_SYSTEM_UPTIME = '1.3.6.1.2.1.25.1.1.0';
export const SNMP_ENGINE_BOOTS = '1.3.6.1.6.3.10.2.1.2.0';
export const SNMP_ENGINE_TIME = '1.3.6.1.6.3.10.2.1.3.0';

/** IF-MIB ifEntry and its columns. */
export const IF_ENTRY = '1.3.6.1.2.1.2.2.1';
export const IF_COLUMN = {
  speed: 5,
  adminStatus: 7,
  operStatus: 8,
  inOctets: 10,
  inUcastPkts: 11,
  inNUcastPkts: 12,
  inDiscards: 13,
  inErrors: 14,
  outOctets: 16,
  outUcastPkts: 17,
  outNUcastPkts: 18,
  outDiscards: 19,
  outErrors: 20,
} as const;

/** IF-MIB ifXEntry (AUGMENTS ifEntry) and its columns; ifHC* are Counter64. */
export const IFX_ENTRY = '1.3.6.1.2.1.31.1.1.1';
export const IFX_COLUMN = {
  inMulticastPkts: 2,
  inBroadcastPkts: 3,
  outMulticastPkts: 4,
  outBroadcastPkts: 5,
  hcInOctets: 6,
  hcInUcastPkts: 7,
  hcInMulticastPkts: 8,
  hcInBroadcastPkts: 9,
  hcOutOctets: 10,
  hcOutUcastPkts: 11,
  hcOutMulticastPkts: 12,
  hcOutBroadcastPkts: 13,
  highSpeed: 15,
} as const;

/** HOST-RESOURCES-MIB hrProcessorLoad (a column of hrProcessorTable, index hrDeviceIndex). */
export const HR_PROCESSOR_LOAD = '1.3.6.1.2.1.25.3.3.1.2';
/** HOST-RESOURCES-MIB hrStorageEntry. */
export const HR_STORAGE_ENTRY = '1.3.6.1.2.1.25.2.3.1';
export const HR_STORAGE_COLUMN = {
  type: 2,
  descr: 3,
  allocationUnits: 4,
  size: 5,
  used: 6,
} as const;
/** hrStorageTypes: the last sub-identifier below 1.3.6.1.2.1.25.2.1. */
export const HR_STORAGE_TYPES = '1.3.6.1.2.1.25.2.1';
export const HR_STORAGE_TYPE = {
  other: 1,
  ram: 2,
  virtualMemory: 3,
  fixedDisk: 4,
  removableDisk: 5,
  floppyDisk: 6,
  compactDisc: 7,
  ramDisk: 8,
  flashMemory: 9,
  networkDisk: 10,
} as const;

/** UCD-SNMP-MIB (Net-SNMP's own), the fallback for CPU and memory. Memory values are in KB. */
export const UCD = {
  ssCpuIdle: '1.3.6.1.4.1.2021.11.11.0',
  /**
   * ssCpuRaw* tick counters (user, nice, system, idle, wait, interrupt, softIRQ): busy time from
   * their difference between two polls. ssCpuIdle itself is 0 until snmpd has run for a minute,
   * which would read as a CPU at 100 %.
   */
  ssCpuRawUser: '1.3.6.1.4.1.2021.11.50.0',
  ssCpuRawNice: '1.3.6.1.4.1.2021.11.51.0',
  ssCpuRawSystem: '1.3.6.1.4.1.2021.11.52.0',
  ssCpuRawIdle: '1.3.6.1.4.1.2021.11.53.0',
  ssCpuRawWait: '1.3.6.1.4.1.2021.11.54.0',
  ssCpuRawInterrupt: '1.3.6.1.4.1.2021.11.56.0',
  ssCpuRawSoftIRQ: '1.3.6.1.4.1.2021.11.61.0',
  /** laLoad.1: the 1-minute load average as a DisplayString ("0.15"). */
  laLoad1: '1.3.6.1.4.1.2021.10.1.3.1',
  memTotalReal: '1.3.6.1.4.1.2021.4.5.0',
  memAvailReal: '1.3.6.1.4.1.2021.4.6.0',
  memBuffer: '1.3.6.1.4.1.2021.4.14.0',
  memCached: '1.3.6.1.4.1.2021.4.15.0',
} as const;

/** Printer-MIB prtMarkerSuppliesEntry (index hrDeviceIndex.prtMarkerSuppliesIndex). */
export const PRT_SUPPLIES_ENTRY = '1.3.6.1.2.1.43.11.1.1';
export const PRT_SUPPLIES_COLUMN = { descr: 6, maxCapacity: 8, level: 9 } as const;

/** UPS-MIB (RFC 1628). */
export const UPS = {
  batteryStatus: '1.3.6.1.2.1.33.1.2.1.0',
  secondsOnBattery: '1.3.6.1.2.1.33.1.2.2.0',
  estimatedMinutesRemaining: '1.3.6.1.2.1.33.1.2.3.0',
  estimatedChargeRemaining: '1.3.6.1.2.1.33.1.2.4.0',
  batteryTemperature: '1.3.6.1.2.1.33.1.2.7.0',
  outputSource: '1.3.6.1.2.1.33.1.4.1.0',
} as const;
/** upsOutputPercentLoad, a column of upsOutputTable (one row per output line). */
export const UPS_OUTPUT_PERCENT_LOAD = '1.3.6.1.2.1.33.1.4.4.1.5';
/** upsOutputSource battery(5). */
export const UPS_SOURCE_BATTERY = 5;

/** ENTITY-SENSOR-MIB entPhySensorEntry (index entPhysicalIndex). */
export const ENT_PHY_SENSOR_ENTRY = '1.3.6.1.2.1.99.1.1.1';
export const ENT_PHY_SENSOR_COLUMN = {
  type: 1,
  scale: 2,
  precision: 3,
  value: 4,
  operStatus: 5,
} as const;
/** EntitySensorDataType celsius(8); EntitySensorDataScale units(9); EntitySensorStatus ok(1). */
export const SENSOR_CELSIUS = 8;
export const SENSOR_SCALE_UNITS = 9;
export const SENSOR_OK = 1;
/** ENTITY-MIB entPhysicalDescr: the sensor's name. */
export const ENT_PHYSICAL_DESCR = '1.3.6.1.2.1.47.1.1.1.1.2';
