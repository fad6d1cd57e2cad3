/**
 * Builds the whole net-snmp MIB of one device from its model: the groups every profile serves,
 * then the profile's own.
 */
import { MibBuilder } from '../mib-builder.js';
import type { DeviceModel } from '../model.js';
import type { Mib } from '../net-snmp-types.js';
import { addBridge } from './bridge.js';
import { addEntity } from './entity.js';
import { addHost } from './host.js';
import { addInterfaces, addIp } from './interfaces.js';
import { addLldp } from './lldp.js';
import { addPrinter } from './printer.js';
import { addSensors } from './sensors.js';
import { addSystem } from './system.js';
import { addUps } from './ups.js';

export function buildMib(
  model: DeviceModel,
  now: () => number,
  onError: (error: unknown) => void,
): Mib {
  const b = new MibBuilder(onError);
  const ctx = { model, b, now };
  addSystem(ctx);
  addInterfaces(ctx);
  addIp(ctx);
  addEntity(ctx);
  addSensors(ctx);
  if (model.servesBridge) addBridge(ctx);
  if (model.servesLldp) addLldp(ctx);
  if (model.printer) addPrinter(ctx);
  if (model.ups) addUps(ctx);
  if (model.host) addHost(ctx);
  return b.mib;
}
