/**
 * SNMPv2-MIB system group (1.3.6.1.2.1.1) and SNMP-FRAMEWORK-MIB snmpEngine (1.3.6.1.6.3.10.2.1).
 */
import { T } from '../net-snmp-types.js';
import { uptimeSeconds, uptimeTicks } from '../model.js';
import type { MibContext } from './context.js';

export function addSystem(ctx: MibContext): void {
  const { b, model } = ctx;
  const id = model.identity;
  b.scalar('sysDescr', '1.3.6.1.2.1.1.1', T.OctetString, id.sysDescr);
  b.scalar('sysObjectID', '1.3.6.1.2.1.1.2', T.OID, id.sysObjectID);
  b.scalar('sysUpTime', '1.3.6.1.2.1.1.3', T.TimeTicks, () => uptimeTicks(model, ctx.now()));
  b.scalar('sysContact', '1.3.6.1.2.1.1.4', T.OctetString, id.sysContact);
  b.scalar('sysName', '1.3.6.1.2.1.1.5', T.OctetString, model.config.sysName);
  b.scalar('sysLocation', '1.3.6.1.2.1.1.6', T.OctetString, id.sysLocation);
  b.scalar('sysServices', '1.3.6.1.2.1.1.7', T.Integer, id.sysServices);
  b.scalar('sysORLastChange', '1.3.6.1.2.1.1.8', T.TimeTicks, 0);

  b.scalar(
    'snmpEngineID',
    '1.3.6.1.6.3.10.2.1.1',
    T.OctetString,
    Buffer.from(model.engineId, 'hex'),
  );
  b.scalar('snmpEngineBoots', '1.3.6.1.6.3.10.2.1.2', T.Integer, model.engineBoots);
  b.scalar('snmpEngineTime', '1.3.6.1.6.3.10.2.1.3', T.Integer, () =>
    Math.floor(uptimeSeconds(model, ctx.now())),
  );
  // what net-snmp's agent puts in msgMaxSize
  b.scalar('snmpEngineMaxMessageSize', '1.3.6.1.6.3.10.2.1.4', T.Integer, 65507);
}
