/**
 * MAC address prefixes (OUI) of common branch-office vendors, for MACs that nmap did not resolve
 * (addresses learned from ARP and forwarding tables, or off-link hosts). nmap's own, much larger
 * table is used when it reports a vendor.
 */
const OUI: Readonly<Record<string, string>> = {
  '00:1b:54': 'Cisco',
  '00:1a:a1': 'Cisco',
  '00:0c:29': 'VMware',
  '00:50:56': 'VMware',
  '3c:d9:2b': 'HP',
  '00:17:a4': 'HP',
  '00:c0:b7': 'APC',
  '00:11:32': 'Synology',
  '24:5e:be': 'QNAP',
  '18:66:da': 'Dell',
  '14:18:77': 'Dell',
  '24:a4:3c': 'Ubiquiti',
  'fc:ec:da': 'Ubiquiti',
  '00:80:77': 'Brother',
  '00:00:85': 'Canon',
  '00:00:aa': 'Xerox',
  '00:09:0f': 'Fortinet',
  '00:1b:17': 'Palo Alto Networks',
  '4c:5e:0c': 'MikroTik',
  'b8:69:f4': 'MikroTik',
  '00:15:65': 'Yealink',
  '00:04:f2': 'Polycom',
  '00:40:8c': 'Axis',
  'ac:cc:8e': 'Axis',
  '44:19:b6': 'Hikvision',
  '00:1f:45': 'Enterasys',
  '00:0b:82': 'Grandstream',
  '50:c7:bf': 'TP-Link',
  'a0:40:a0': 'Netgear',
  '00:1c:7f': 'Check Point',
  '00:20:85': 'Eaton',
  'b8:27:eb': 'Raspberry Pi',
  'dc:a6:32': 'Raspberry Pi',
};

export function ouiVendor(mac: string | undefined): string | undefined {
  if (!mac) return undefined;
  return OUI[mac.toLowerCase().slice(0, 8)];
}

/** nmap's long vendor names → the short names used everywhere else in Caretaker. */
const ALIASES: Array<[RegExp, string]> = [
  [/^cisco/i, 'Cisco'],
  [/^(hewlett|hp\b|hpe\b)/i, 'HP'],
  [/^american power conversion|^apc\b|schneider/i, 'APC'],
  [/^synology/i, 'Synology'],
  [/^qnap/i, 'QNAP'],
  [/^dell/i, 'Dell'],
  [/^ubiquiti/i, 'Ubiquiti'],
  [/^brother/i, 'Brother'],
  [/^axis/i, 'Axis'],
  [/^fortinet/i, 'Fortinet'],
  [/^palo alto/i, 'Palo Alto Networks'],
  [/^mikrotik|^routerboard/i, 'MikroTik'],
  [/^yealink/i, 'Yealink'],
  [/^polycom/i, 'Polycom'],
  [/^hikvision|^hangzhou hikvision/i, 'Hikvision'],
  [/^dahua|^zhejiang dahua/i, 'Dahua'],
  [/^grandstream/i, 'Grandstream'],
  [/^canon/i, 'Canon'],
  [/^xerox/i, 'Xerox'],
  [/^ricoh/i, 'Ricoh'],
  [/^lexmark/i, 'Lexmark'],
  [/^eaton/i, 'Eaton'],
  [/^tp-?link/i, 'TP-Link'],
  [/^netgear/i, 'Netgear'],
  [/^vmware/i, 'VMware'],
  [/^raspberry pi/i, 'Raspberry Pi'],
];

export function normalizeVendor(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const hit = ALIASES.find(([re]) => re.test(name.trim()));
  return hit ? hit[1] : name.trim();
}
