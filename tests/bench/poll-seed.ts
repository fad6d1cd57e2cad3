/**
 * The poll benchmark's inventory, written into a fresh data directory before the appliance starts
 * (a discovery scan of 1,000 agents would take about a minute and is measured by
 * discovery.bench.ts). Each device is merged the way a scan merges it (identify, mergeDevice,
 * putOps, interfaceOps, detailsOp) from an observation built out of the simulator's own device
 * model, which is what the agent answers: the same ifIndexes, names, admin states and speeds a
 * scan would have read. The SNMP credential is sealed with the data directory's secret.key, as
 * the credential service does.
 */
import { readFile } from 'node:fs/promises';
import { openStore } from '../../src/store/store.js';
import { SecretBox } from '../../src/lib/secret-box.js';
import { identify } from '../../src/discovery/identify.js';
import { mergeDevice } from '../../src/discovery/merge.js';
import { randomId } from '../../src/core/ids.js';
import type { InterfaceInfo, Observation } from '../../src/discovery/types.js';
import type { CredentialRecord } from '../../src/store/types.js';
import type { BatchOp } from '../../src/store/db.js';
import { parseSimulatorConfig, type AgentConfig } from '../lab/simulator/config.js';
import { buildModel, uptimeTicks, type DeviceModel } from '../lab/simulator/model.js';

export interface SeededDevice {
  id: string;
  ip: string;
  name: string;
  interfaces: InterfaceInfo[];
}

const OPER = ['', 'up', 'down'];

/** What a scan's decodeInterfaces makes of the agent's ifTable and ifXTable. */
function interfacesOf(model: DeviceModel): InterfaceInfo[] {
  return model.ifaces
    .map((i) => {
      const info: InterfaceInfo = {
        index: i.ifIndex,
        name: i.name || i.descr || `if${i.ifIndex}`,
        descr: i.descr,
        alias: i.alias,
        type: i.type,
        mtu: i.mtu,
        speedBps: i.speed,
        adminUp: i.admin === 1,
        operStatus: OPER[i.oper] ?? 'unknown',
      };
      if (i.mac.length === 6)
        info.mac = [...i.mac].map((b) => b.toString(16).padStart(2, '0')).join(':');
      return info;
    })
    .sort((a, b) => a.index - b.index);
}

function observation(cfg: AgentConfig, model: DeviceModel, credentialId: string): Observation {
  const id = model.identity;
  return {
    ip: cfg.address,
    mac: model.mac,
    snmp: {
      credentialId,
      version: '2c',
      system: {
        sysDescr: id.sysDescr,
        sysObjectID: id.sysObjectID,
        sysUpTimeTicks: uptimeTicks(model, Date.now()),
        sysContact: id.sysContact,
        sysName: cfg.sysName,
        sysLocation: id.sysLocation,
        sysServices: id.sysServices,
        engineId: model.engineId,
      },
      entity: {
        model: id.model,
        serial: id.serial,
        firmware: id.firmware,
        manufacturer: id.mfgName,
        descr: id.chassisDescr,
      },
      interfaces: interfacesOf(model),
      ipAddrs: model.ipAddrs,
      neighbours: [],
      arp: [],
      fdb: [],
      notes: [],
      hasPrinterMib: Boolean(model.printer),
      hasUpsMib: Boolean(model.ups),
    },
  };
}

/**
 * Seeds `dataDir` with every agent of the simulator config file `simulatorJson` (the file the
 * lab wrote for its scale simulator) and one SNMPv2c credential with their community.
 */
export async function seedInventory(
  dataDir: string,
  simulatorJson: string,
): Promise<SeededDevice[]> {
  const config = parseSimulatorConfig(JSON.parse(await readFile(simulatorJson, 'utf8')));
  const communities = new Set(config.agents.map((a) => a.community));
  if (communities.size !== 1 || !config.agents[0]!.community) {
    throw new Error('the poll benchmark expects one SNMPv2c community for every agent');
  }
  const secrets = await SecretBox.open(dataDir);
  const store = await openStore(dataDir);
  try {
    const now = new Date().toISOString();
    const credential: CredentialRecord = {
      id: randomId(6),
      name: 'lab',
      version: '2c',
      order: 1,
      sealedCommunity: secrets.seal(config.agents[0]!.community),
      createdAt: now,
      updatedAt: now,
    };
    await store.write([store.credentials.putOp(credential)]);
    const seeded: SeededDevice[] = [];
    let ops: BatchOp[] = [];
    for (const cfg of config.agents) {
      const model = buildModel(cfg, { nowMs: Date.now() });
      const obs = observation(cfg, model, credential.id);
      const snmp = obs.snmp!;
      const ident = identify({
        sysDescr: snmp.system.sysDescr,
        sysObjectID: snmp.system.sysObjectID,
        sysServices: snmp.system.sysServices,
        entity: snmp.entity,
        interfaces: snmp.interfaces,
        mac: obs.mac,
        hasPrinterMib: snmp.hasPrinterMib,
        hasUpsMib: snmp.hasUpsMib,
      });
      const { device } = mergeDevice(undefined, obs, ident, {
        id: randomId(8),
        nowIso: now,
        scanId: 'poll-bench-seed',
        servicesScanned: false,
      });
      ops.push(
        ...store.devices.putOps(device),
        ...store.devices.interfaceOps(device.id, snmp.interfaces, []),
        store.devices.detailsOp(device.id, {
          neighbours: [],
          arp: [],
          fdb: [],
          ipAddrs: snmp.ipAddrs,
          collectNotes: [],
        }),
      );
      seeded.push({ id: device.id, ip: device.ip, name: device.name, interfaces: snmp.interfaces });
      if (ops.length >= 2000) {
        await store.write(ops);
        ops = [];
      }
    }
    if (ops.length) await store.write(ops);
    return seeded;
  } finally {
    await store.close();
  }
}
