import { z } from 'zod';
import type { Operation } from '../types.js';
import { json, list, noContent, one, paging, record, nextCursor } from '../responses.js';
import { devicePatchSchema, deviceQuerySchema } from '../../../discovery/device-service.js';
import { interfaceMarkSchema } from '../../../monitor/interface-mark-service.js';
import { parentSchema } from '../../api/incidents.js';
import { scansQuery } from '../../api/discovery.js';

const deviceId = { id: 'The device’s id.' };
const scanId = { id: 'The scan’s id.' };

export const deviceOperations: Operation[] = [
  {
    method: 'get',
    path: '/api/v1/devices',
    tag: 'Devices',
    summary: 'List and search devices',
    description: 'The inventory, filtered, sorted and paged, with facet counts for the filters.',
    role: 'viewer',
    query: deviceQuerySchema,
    queryDocs: {
      q: 'Search name, address, MAC, vendor and model.',
      status: '`missing`: not seen in recent scans.',
    },
    responses: {
      200: json(
        'A page of devices.',
        z.object({ items: z.array(record), ...paging, facets: record }),
      ),
    },
  },
  {
    method: 'get',
    path: '/api/v1/devices/{id}',
    tag: 'Devices',
    summary: 'Get a device',
    role: 'viewer',
    params: deviceId,
    responses: { 200: one('device', 'The device.') },
  },
  {
    method: 'patch',
    path: '/api/v1/devices/{id}',
    tag: 'Devices',
    summary: 'Rename, retype, annotate a device or pin its SNMP credential',
    role: 'operator',
    params: deviceId,
    body: devicePatchSchema,
    bodyDocs: {
      name: 'A name of your choosing; empty: back to the discovered name.',
      type: '`auto`: back to the identified type.',
      credentialId: 'Pin an SNMP credential; null: back to automatic.',
    },
    responses: { 200: one('device', 'The changed device.') },
  },
  {
    method: 'delete',
    path: '/api/v1/devices/{id}',
    tag: 'Devices',
    summary: 'Delete a device',
    description: 'With its interfaces, metrics, checks and alerts. A later scan may find it again.',
    role: 'admin',
    params: deviceId,
    responses: { 204: noContent('The device was deleted.') },
  },
  {
    method: 'get',
    path: '/api/v1/devices/{id}/interfaces',
    tag: 'Devices',
    summary: 'A device’s interfaces',
    role: 'viewer',
    params: deviceId,
    responses: { 200: list('The interfaces as last polled.') },
  },
  {
    method: 'get',
    path: '/api/v1/devices/{id}/interfaces/{ifIndex}',
    tag: 'Devices',
    summary: 'Whether an interface is important',
    description: 'Important interfaces raise an alert when they go down (uplinks are by default).',
    role: 'viewer',
    params: { ...deviceId, ifIndex: 'The interface’s SNMP ifIndex.' },
    responses: { 200: one('interface', 'The interface with its importance and the reason.') },
  },
  {
    method: 'put',
    path: '/api/v1/devices/{id}/interfaces/{ifIndex}',
    tag: 'Devices',
    summary: 'Mark an interface important or not',
    role: 'operator',
    params: { ...deviceId, ifIndex: 'The interface’s SNMP ifIndex.' },
    body: interfaceMarkSchema,
    bodyDocs: { important: 'true: important; false: never; null: decide automatically.' },
    responses: { 200: one('interface', 'The interface with its importance.') },
  },
  {
    method: 'get',
    path: '/api/v1/devices/{id}/neighbours',
    tag: 'Devices',
    summary: 'A device’s neighbours and tables',
    description: 'LLDP/CDP neighbours, ARP, forwarding database and IP addresses from SNMP.',
    role: 'viewer',
    params: deviceId,
    responses: {
      200: json(
        'The tables as last collected.',
        z.object({
          neighbours: z.array(record),
          arp: z.array(record),
          fdb: z.array(record),
          ipAddrs: z.array(record),
        }),
      ),
    },
  },
  {
    method: 'get',
    path: '/api/v1/devices/{id}/history',
    tag: 'Devices',
    summary: 'A device’s change history',
    description: 'What discovery saw change (address, name, firmware, …), newest first, up to 200.',
    role: 'viewer',
    params: deviceId,
    responses: { 200: list('The changes.') },
  },
  {
    method: 'get',
    path: '/api/v1/devices/{id}/metrics',
    tag: 'Devices',
    summary: 'A device’s metric series',
    description: 'Ids and labels of the series kept for the device; read points with /series/{id}.',
    role: 'viewer',
    params: deviceId,
    responses: { 200: list('The series.') },
  },
  {
    method: 'get',
    path: '/api/v1/devices/{id}/status',
    tag: 'Devices',
    summary: 'A device’s live monitoring state',
    role: 'viewer',
    params: deviceId,
    responses: {
      200: json(
        'Reachability and the alerts raised now.',
        z.object({ status: record, alerts: z.array(record) }),
      ),
    },
  },
  {
    method: 'get',
    path: '/api/v1/devices/{id}/parent',
    tag: 'Devices',
    summary: 'A device’s upstream parent',
    description:
      'The device behind which this one sits; incidents of a device whose parent is down are suppressed.',
    role: 'viewer',
    params: deviceId,
    responses: {
      200: json(
        'The parent and how it was found.',
        z.object({
          deviceId: z.string(),
          parentId: z.string().nullable(),
          via: z.string().describe('manual, lldp, fdb, gateway … or none.'),
          ancestors: z.array(z.string()),
        }),
      ),
    },
  },
  {
    method: 'put',
    path: '/api/v1/devices/{id}/parent',
    tag: 'Devices',
    summary: 'Set or clear a device’s parent',
    role: 'operator',
    params: deviceId,
    body: parentSchema,
    bodyName: 'DeviceParent',
    bodyDocs: {
      parentId:
        'A device id; null: this device has no parent; left out: derive it from the topology.',
    },
    responses: {
      200: json(
        'The parent now in effect.',
        z.object({ deviceId: z.string(), parentId: z.string().nullable(), via: z.string() }),
      ),
      400: { description: 'The parent is the device itself or does not exist.' },
    },
  },
  {
    method: 'get',
    path: '/api/v1/discovery/scans',
    tag: 'Discovery',
    summary: 'Recent scans',
    description: 'Newest first; a running scan shows its live progress.',
    role: 'viewer',
    query: scansQuery,
    queryDocs: { before: 'The `next` value of the previous page.' },
    responses: { 200: list('A page of scans.', { next: nextCursor }) },
  },
  {
    method: 'post',
    path: '/api/v1/discovery/scans',
    tag: 'Discovery',
    summary: 'Start a scan now',
    description: 'Scans the configured subnets. Follow it with GET on the Location.',
    role: 'operator',
    responses: {
      202: {
        ...one('scan', 'The scan started.'),
        headers: { Location: 'The URL of the scan.' },
      },
      409: {
        description:
          'A scan is running (SCAN_RUNNING) or no subnets are configured (DISCOVERY_NOT_CONFIGURED).',
      },
    },
  },
  {
    method: 'get',
    path: '/api/v1/discovery/scans/{id}',
    tag: 'Discovery',
    summary: 'Get a scan',
    role: 'viewer',
    params: scanId,
    responses: { 200: one('scan', 'The scan with its progress or result.') },
  },
  {
    method: 'delete',
    path: '/api/v1/discovery/scans/{id}',
    tag: 'Discovery',
    summary: 'Cancel a running scan',
    role: 'operator',
    params: scanId,
    responses: {
      200: one('scan', 'The scan, being cancelled.'),
      409: { description: 'The scan is not running (SCAN_NOT_RUNNING).' },
    },
  },
];
