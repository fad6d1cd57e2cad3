/**
 * Who a simulated device claims to be: vendor, model, sysDescr/sysObjectID as the real product
 * answers them, serial number and firmware formats, and the vendor's OUI and enterprise number
 * (for the default MAC and snmpEngineID). Strings follow what these devices really send, CRLFs
 * and odd spacing included, because decoders must cope with them.
 */
import { PROFILE_VENDORS, type AgentConfig, type Vendor } from './config.js';
import { hash32, pick, randInt } from './random.js';

export interface Identity {
  vendor: Vendor;
  mfgName: string;
  model: string;
  /** entPhysicalDescr of the chassis. */
  chassisDescr: string;
  hardwareRev: string;
  /** Boot ROM / firmware (entPhysicalFirmwareRev). */
  firmwareRev: string;
  /** The version the operator sees and updates: config `firmware` (entPhysicalSoftwareRev). */
  firmware: string;
  serial: string;
  sysDescr: string;
  sysObjectID: string;
  sysServices: number;
  sysContact: string;
  sysLocation: string;
  /** IANA private enterprise number, for the snmpEngineID. */
  enterprise: number;
  oui: string;
}

/** OUIs that select a vendor when the config gives a MAC but no vendor. */
const OUI_VENDORS: Record<string, Vendor> = {
  '00:1b:54': 'cisco',
  '00:1e:bd': 'cisco',
  '00:26:0b': 'cisco',
  '70:ca:9b': 'cisco',
  '3c:d9:2b': 'hp',
  '00:17:a4': 'hp',
  '4c:5e:0c': 'mikrotik',
  '48:8f:5a': 'mikrotik',
  '64:d1:54': 'mikrotik',
  '00:80:77': 'brother',
  '30:05:5c': 'brother',
  '00:c0:b7': 'apc',
  '28:29:86': 'apc',
  '18:66:da': 'dell',
  '14:18:77': 'dell',
};

const VENDOR_OUI: Record<Vendor, string> = {
  cisco: '00:1b:54',
  hp: '3c:d9:2b',
  mikrotik: '4c:5e:0c',
  brother: '00:80:77',
  apc: '00:c0:b7',
  dell: '18:66:da',
};

const ENTERPRISE: Record<Vendor, number> = {
  cisco: 9,
  hp: 11,
  mikrotik: 14988,
  brother: 2435,
  apc: 318,
  dell: 8072, // a Linux server answers with Net-SNMP's enterprise, not Dell's
};

/** layer numbers (1..7) → sysServices (RFC 3418: sum of 2^(L-1)). */
export function sysServicesFor(layers: readonly number[]): number {
  return [...new Set(layers)].reduce((sum, l) => sum + 2 ** (l - 1), 0);
}

export function vendorFor(cfg: AgentConfig): Vendor {
  const supported = PROFILE_VENDORS[cfg.profile];
  if (cfg.vendor) return cfg.vendor;
  const byOui = cfg.mac ? OUI_VENDORS[cfg.mac.slice(0, 8)] : undefined;
  return byOui && supported.includes(byOui) ? byOui : supported[0]!;
}

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
function chars(seed: number, n: number, key: string, alphabet = ALNUM): string {
  let s = '';
  for (let i = 0; i < n; i++) s += pick(seed, [...alphabet], key, i);
  return s;
}
function digits(seed: number, n: number, key: string): string {
  return chars(seed, n, key, '0123456789');
}

/** The device's base MAC: the configured one, or the vendor's OUI and three seeded bytes. */
export function defaultMac(vendor: Vendor, seed: number): string {
  const h = hash32(`mac/${seed}`);
  const tail = [h >>> 16, h >>> 8, h].map((b) => (b & 0xff).toString(16).padStart(2, '0'));
  return `${VENDOR_OUI[vendor]}:${tail.join(':')}`;
}

export function buildIdentity(cfg: AgentConfig, seed: number): Identity {
  const vendor = vendorFor(cfg);
  const contact = cfg.sysContact ?? 'IT branch desk <it-branch@example.org>';
  const location = cfg.sysLocation ?? 'Caretaker lab branch';
  const base = {
    vendor,
    sysContact: contact,
    sysLocation: location,
    enterprise: ENTERPRISE[vendor],
    oui: VENDOR_OUI[vendor],
  };
  const year = randInt(seed, 19, 24, 'serial-year');
  const week = String(randInt(seed, 1, 52, 'serial-week')).padStart(2, '0');
  let id: Omit<Identity, keyof typeof base>;

  switch (cfg.profile) {
    case 'switch24':
    case 'switch48': {
      const ports = cfg.profile === 'switch48' ? 48 : 24;
      const model = ports === 48 ? 'WS-C2960X-48FPD-L' : 'WS-C2960X-24PD-L';
      const firmware = cfg.firmware ?? '15.2(7)E4';
      id = {
        mfgName: 'Cisco Systems, Inc.',
        model,
        chassisDescr: `WS-C2960X-${ports === 48 ? '48FPD' : '24PD'}-L`,
        hardwareRev: pick(seed, ['V03', 'V05', 'V07'], 'hw'),
        firmwareRev: '15.2(3r)E1',
        firmware,
        serial: cfg.serial ?? `FOC${year}${week}${chars(seed, 4, 'serial')}`,
        sysDescr:
          `Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version ${firmware}, ` +
          'RELEASE SOFTWARE (fc2)\r\nTechnical Support: http://www.cisco.com/techsupport\r\n' +
          'Copyright (c) 1986-2021 by Cisco Systems, Inc.\r\n' +
          'Compiled Mon 08-Mar-21 04:47 by prod_rel_team',
        // cat29xxStack: what a 2960-X answers, stacked or not (LibreNMS ios_2960x recording)
        sysObjectID: '1.3.6.1.4.1.9.1.1208',
        sysServices: sysServicesFor([2]),
      };
      break;
    }
    case 'router':
      if (vendor === 'cisco') {
        const firmware = cfg.firmware ?? '17.9.4a';
        id = {
          mfgName: 'Cisco Systems, Inc.',
          model: 'ISR4331/K9',
          chassisDescr: 'Cisco ISR4331 Chassis',
          hardwareRev: 'V04',
          firmwareRev: '16.12(2r)',
          firmware,
          serial: cfg.serial ?? `FDO${year}${week}${chars(seed, 4, 'serial')}`,
          sysDescr:
            'Cisco IOS Software [Cupertino], ISR Software (X86_64_LINUX_IOSD-UNIVERSALK9-M), ' +
            `Version ${firmware}, RELEASE SOFTWARE (fc3)\r\n` +
            'Technical Support: http://www.cisco.com/techsupport\r\n' +
            'Copyright (c) 1986-2023 by Cisco Systems, Inc.\r\n' +
            'Compiled Fri 20-Oct-23 10:44 by mcpre',
          sysObjectID: '1.3.6.1.4.1.9.1.2068', // ciscoISR4331
          sysServices: sysServicesFor([2, 3, 4, 7]),
        };
      } else {
        const firmware = cfg.firmware ?? '7.14.3';
        id = {
          mfgName: 'MikroTik',
          model: 'RB4011iGS+',
          chassisDescr: 'RB4011iGS+',
          hardwareRev: 'r2',
          firmwareRev: firmware,
          firmware,
          serial: cfg.serial ?? chars(seed, 12, 'serial', '0123456789ABCDEF'),
          sysDescr: 'RouterOS RB4011iGS+',
          sysObjectID: '1.3.6.1.4.1.14988.1',
          sysServices: sysServicesFor([2, 3, 4, 7]),
        };
      }
      break;
    case 'printer':
      if (vendor === 'hp') {
        const firmware = cfg.firmware ?? '002_2306A';
        id = {
          mfgName: 'HP',
          model: 'HP Color LaserJet Pro M454dn',
          chassisDescr: 'HP Color LaserJet Pro M454dn',
          hardwareRev: '',
          firmwareRev: firmware,
          firmware,
          serial: cfg.serial ?? `VNB${chars(seed, 7, 'serial')}`,
          sysDescr:
            'HP ETHERNET MULTI-ENVIRONMENT,ROM none,JETDIRECT,JD153,' +
            `EEPROM ${firmware},CIDATE 06/19/2023`,
          sysObjectID: '1.3.6.1.4.1.11.2.3.9.1',
          sysServices: sysServicesFor([4, 7]),
        };
      } else {
        const firmware = cfg.firmware ?? '1.21';
        id = {
          mfgName: 'Brother Industries, Ltd.',
          model: 'Brother HL-L8360CDW series',
          chassisDescr: 'Brother HL-L8360CDW series',
          hardwareRev: '',
          firmwareRev: firmware,
          firmware,
          serial:
            cfg.serial ??
            `E${digits(seed, 5, 'serial-a')}K${chars(seed, 1, 's')}${digits(seed, 6, 'serial-b')}`,
          sysDescr: `Brother NC-8700h, Firmware Ver.${firmware}  (20.06.10),MID 8CE-K03,FID 2`,
          sysObjectID: '1.3.6.1.4.1.2435.2.3.9.1',
          sysServices: sysServicesFor([4, 7]),
        };
      }
      break;
    case 'ups': {
      const firmware = cfg.firmware ?? 'v6.9.6';
      const serial = cfg.serial ?? `AS${year}${week}${digits(seed, 6, 'serial')}`;
      id = {
        mfgName: 'American Power Conversion Corp.',
        model: 'Smart-UPS 1500',
        chassisDescr: 'Smart-UPS 1500 (SMT1500I) with AP9631 Network Management Card',
        hardwareRev: '05',
        firmwareRev: 'UPS 09.3 (ID18)',
        firmware,
        serial,
        sysDescr:
          `APC Web/SNMP Management Card (MB:v4.1.0 PF:${firmware} PN:apc_hw05_aos_696.bin ` +
          `AF1:${firmware} AN1:apc_hw05_sumx_696.bin MN:AP9631 HR:05 SN: ZA${year}${week}` +
          `${digits(seed, 6, 'nmc')} MD:01/15/2019) (Embedded PowerNet SNMP Agent SW v2.2 compatible)`,
        sysObjectID: '1.3.6.1.4.1.318.1.3.27',
        sysServices: sysServicesFor([4, 7]),
      };
      break;
    }
    case 'server': {
      const firmware = cfg.firmware ?? '6.1.0-18-amd64';
      id = {
        mfgName: 'Dell Inc.',
        model: 'PowerEdge R250',
        chassisDescr: 'PowerEdge R250',
        hardwareRev: 'A02',
        firmwareRev: '1.9.2',
        firmware,
        serial: cfg.serial ?? chars(seed, 7, 'serial'),
        sysDescr: `Linux ${cfg.sysName} ${firmware} #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64`,
        sysObjectID: '1.3.6.1.4.1.8072.3.2.10',
        sysServices: sysServicesFor([4, 7]),
      };
      break;
    }
  }
  return {
    ...base,
    ...id,
    sysDescr: cfg.sysDescr ?? id.sysDescr,
    sysObjectID: cfg.sysObjectID ?? id.sysObjectID,
  };
}

/**
 * snmpEngineID per RFC 3411: 0x80 | enterprise, format 3 (MAC address), the MAC. Real agents
 * derive it like this, and it is unique when the MACs are.
 */
export function defaultEngineId(enterprise: number, mac: string): string {
  const head = ((0x80000000 | enterprise) >>> 0).toString(16).padStart(8, '0');
  return `${head}03${mac.replace(/:/g, '')}`;
}
