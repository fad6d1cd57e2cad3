import type { AreaInfo } from '../../../views/pages/area.js';

/** The product's areas as the shell shows them; each later feature marks its area configured. */
export const AREAS: AreaInfo[] = [
  {
    href: '/devices',
    title: 'Devices',
    summary: 'Every device on the branch LAN, found with nmap and SNMP.',
    configured: false,
    features: [
      'scan the subnets an admin configures (nothing is scanned before that)',
      'identify vendor, model, firmware and type of each device, with the reason for each guess',
      'keep an inventory with interfaces, neighbours and history',
    ],
  },
  {
    href: '/monitoring',
    title: 'Monitoring',
    summary: 'Reachability, SNMP health, thresholds and trends.',
    // Every device found is watched without further setup.
    configured: true,
    features: [
      'check every device on a short cycle',
      'poll interfaces, CPU, memory, storage, toner and UPS batteries',
      'raise events when thresholds are crossed, and forecast when disks fill',
    ],
  },
  {
    href: '/incidents',
    title: 'Incidents',
    summary: 'Failures with an owner and a timeline, and the notifications they send.',
    // Events become incidents without further setup; channels only add notifications.
    configured: true,
    features: [
      'turn events into deduplicated incidents',
      'suppress noise behind a failed parent or a maintenance window',
      'notify by e-mail, webhook and syslog',
    ],
  },
  {
    href: '/updates',
    title: 'Updates',
    summary: 'Firmware and software versions, advisories and upgrade tasks.',
    configured: false,
    features: [
      'inventory firmware, OS and service versions',
      'match them against an offline advisory feed',
      'track upgrade tasks until the next poll verifies them',
    ],
  },
  {
    href: '/backups',
    title: 'Backups',
    summary: 'rsync snapshots to the disk attached to this box, with restore from here.',
    // A real area now (/backups): its page says what to set up first.
    configured: true,
    features: [
      'back up shares and servers on a schedule with hard-linked snapshots',
      'keep snapshots by a retention policy and verify them',
      'restore a file or a folder from this web UI',
    ],
  },
  {
    href: '/reports',
    title: 'Reports',
    summary: 'Availability, incidents, maintenance, backups and capacity.',
    configured: false,
    features: [
      'build reports as HTML, CSV and PDF',
      'send them on a schedule',
      'show trends and forecasts',
    ],
  },
];
