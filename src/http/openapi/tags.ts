/** The API's areas, in the order the document and the reference page show them. */
export const TAGS: ReadonlyArray<{ name: string; description: string }> = [
  { name: 'Health', description: 'Liveness, and this description of the API.' },
  {
    name: 'Setup and session',
    description: 'First-boot setup, browser-style login and the caller’s own account.',
  },
  { name: 'Users and tokens', description: 'Local users, API tokens and the audit log (admins).' },
  {
    name: 'HQ',
    description:
      'What HQ polls across many boxes: the site summary, the change feed and Prometheus metrics.',
  },
  { name: 'Devices', description: 'The inventory: devices, interfaces, neighbours and parents.' },
  { name: 'Discovery', description: 'Network scans with nmap and SNMP.' },
  {
    name: 'Monitoring',
    description: 'Metric series, events, active alerts, received traps and the metrics store.',
  },
  { name: 'Rules', description: 'Thresholds that raise alerts, and their overrides.' },
  { name: 'Checks', description: 'TCP, HTTP(S) and DNS service checks.' },
  { name: 'Inspections', description: 'Recurring inspections with checklists.' },
  { name: 'Incidents', description: 'Failures with an owner and a timeline.' },
  {
    name: 'Maintenance windows',
    description: 'Planned work during which notifications are held back.',
  },
  { name: 'Notifications', description: 'E-mail, webhook and syslog channels, and deliveries.' },
  { name: 'Backups', description: 'Targets, jobs, runs, snapshots, browsing and restores.' },
  { name: 'Jobs', description: 'The box’s background jobs.' },
  { name: 'Settings', description: 'Site identity, discovery settings and SNMP credentials.' },
];
