/**
 * Numeric OIDs (Debian ships no MIB files, and numeric OIDs are unambiguous). Table "entries"
 * are the `...1` entry OIDs; columns are appended as `${entry}.${column}`.
 */
export const OID = {
  // SNMPv2-MIB system group
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  sysUpTime: '1.3.6.1.2.1.1.3.0',
  sysContact: '1.3.6.1.2.1.1.4.0',
  sysName: '1.3.6.1.2.1.1.5.0',
  sysLocation: '1.3.6.1.2.1.1.6.0',
  sysServices: '1.3.6.1.2.1.1.7.0',
  // SNMP-FRAMEWORK-MIB
  snmpEngineID: '1.3.6.1.6.3.10.2.1.1.0',
  // IF-MIB
  ifEntry: '1.3.6.1.2.1.2.2.1',
  ifXEntry: '1.3.6.1.2.1.31.1.1.1',
  // IP-MIB
  ipAddrEntry: '1.3.6.1.2.1.4.20.1',
  ipNetToMediaEntry: '1.3.6.1.2.1.4.22.1',
  // ENTITY-MIB entPhysicalTable
  entPhysicalEntry: '1.3.6.1.2.1.47.1.1.1.1',
  // BRIDGE-MIB and Q-BRIDGE-MIB
  dot1dBasePortIfIndex: '1.3.6.1.2.1.17.1.4.1.2',
  dot1dTpFdbEntry: '1.3.6.1.2.1.17.4.3.1',
  dot1qTpFdbEntry: '1.3.6.1.2.1.17.7.1.2.2.1',
  // LLDP-MIB (IEEE 802.1AB-2005)
  lldpRemEntry: '1.0.8802.1.1.2.1.4.1.1',
  lldpRemManAddrEntry: '1.0.8802.1.1.2.1.4.2.1',
} as const;

export const IF_COL = {
  descr: 2,
  type: 3,
  mtu: 4,
  speed: 5,
  physAddress: 6,
  adminStatus: 7,
  operStatus: 8,
} as const;
export const IFX_COL = { name: 1, highSpeed: 15, alias: 18 } as const;
export const ENT_COL = {
  descr: 2,
  class: 5,
  name: 7,
  hardwareRev: 8,
  firmwareRev: 9,
  softwareRev: 10,
  serialNum: 11,
  mfgName: 12,
  modelName: 13,
} as const;
export const LLDP_COL = {
  chassisIdSubtype: 4,
  chassisId: 5,
  portIdSubtype: 6,
  portId: 7,
  portDesc: 8,
  sysName: 9,
  sysDesc: 10,
  capEnabled: 12,
} as const;
