import { z } from 'zod';
import type { Operation } from '../types.js';
import { json, list, noContent, one, record, nextCursor } from '../responses.js';
import {
  assignSchema,
  incidentQuerySchema,
  noteSchema,
  resolveSchema,
  statsQuerySchema,
} from '../../../incidents/incident-service.js';
import { maintenanceWindowSchema, timeZoneSchema } from '../../../incidents/maintenance-schema.js';
import { backupJobIds } from '../../../incidents/maintenance-service.js';
import {
  channelInputSchema,
  deliveriesQuerySchema,
} from '../../../incidents/notification-schema.js';

/**
 * The maintenance service validates a window with a schema built for the site's time zone and
 * takes `backupJobIds` off first; this is that body as a whole, made of the same pieces.
 */
export const maintenanceWindowBody = z.strictObject({
  // The zone given here only fills in a missing timeZone, which is documented below instead.
  ...maintenanceWindowSchema('UTC').shape,
  timeZone: timeZoneSchema.optional().describe('IANA time zone; default: the site’s.'),
  backupJobIds: backupJobIds
    .optional()
    .describe('Backup jobs that do not run during the window; left out on update: kept.'),
});

const incidentId = { id: 'The incident’s id.' };
const windowId = { id: 'The maintenance window’s id.' };
const channelId = { id: 'The channel’s id.' };
const incident = one('incident', 'The incident with its response times.');

export const incidentOperations: Operation[] = [
  {
    method: 'get',
    path: '/api/v1/incidents',
    tag: 'Incidents',
    summary: 'List incidents',
    description: 'Newest first, with their response times (MTTA/MTTR inputs) and state counts.',
    role: 'viewer',
    query: incidentQuerySchema,
    queryDocs: {
      state: '`unresolved`: open or acknowledged.',
      device: 'Only this device’s incidents.',
      assignee: 'Only incidents assigned to this user id.',
    },
    responses: {
      200: list('A page of incidents.', {
        total: z.number().int().optional(),
        limit: z.number().int(),
        offset: z.number().int(),
        counts: record,
      }),
    },
  },
  {
    method: 'get',
    path: '/api/v1/incidents/stats',
    tag: 'Incidents',
    summary: 'Response statistics',
    description: 'Incidents, acknowledged, resolved, MTTA and MTTR per device, rule or period.',
    role: 'viewer',
    query: statsQuerySchema,
    responses: { 200: list('One row per group.', { groupBy: z.string() }) },
  },
  {
    method: 'get',
    path: '/api/v1/incidents/{id}',
    tag: 'Incidents',
    summary: 'Get an incident',
    description: 'With its timeline and the notifications it sent.',
    role: 'viewer',
    params: incidentId,
    responses: {
      200: json(
        'The incident.',
        z.object({ incident: record, timeline: z.array(record), deliveries: z.array(record) }),
      ),
    },
  },
  {
    method: 'post',
    path: '/api/v1/incidents/{id}/acknowledge',
    tag: 'Incidents',
    summary: 'Acknowledge an incident',
    role: 'operator',
    params: incidentId,
    responses: { 200: incident, 409: { description: 'The incident is resolved.' } },
  },
  {
    method: 'post',
    path: '/api/v1/incidents/{id}/resolve',
    tag: 'Incidents',
    summary: 'Resolve an incident',
    description: 'The body is optional: a POST without one resolves too.',
    role: 'operator',
    params: incidentId,
    body: resolveSchema,
    bodyName: 'IncidentResolve',
    bodyOptional: true,
    responses: { 200: incident, 409: { description: 'The incident is resolved already.' } },
  },
  {
    method: 'post',
    path: '/api/v1/incidents/{id}/notes',
    tag: 'Incidents',
    summary: 'Add a note to an incident’s timeline',
    role: 'operator',
    params: incidentId,
    body: noteSchema,
    bodyName: 'IncidentNote',
    responses: { 201: incident },
  },
  {
    method: 'post',
    path: '/api/v1/incidents/{id}/assign',
    tag: 'Incidents',
    summary: 'Assign an incident',
    role: 'operator',
    params: incidentId,
    body: assignSchema,
    bodyName: 'IncidentAssign',
    bodyDocs: { assigneeId: 'A user id; null: unassign.' },
    responses: { 200: incident, 422: { description: 'There is no such user (USER_NOT_FOUND).' } },
  },
  {
    method: 'get',
    path: '/api/v1/maintenance-windows',
    tag: 'Maintenance windows',
    summary: 'List maintenance windows',
    description: 'Active ones first, each with its next occurrence.',
    role: 'viewer',
    responses: { 200: list('Every window.') },
  },
  {
    method: 'post',
    path: '/api/v1/maintenance-windows',
    tag: 'Maintenance windows',
    summary: 'Add a maintenance window',
    description:
      'During a window, incidents of the devices in scope are held back from notifications. One-off times without an offset are read in the window’s time zone.',
    role: 'operator',
    body: maintenanceWindowBody,
    bodyName: 'MaintenanceWindowInput',
    responses: { 201: one('window', 'The window.') },
  },
  {
    method: 'get',
    path: '/api/v1/maintenance-windows/{id}',
    tag: 'Maintenance windows',
    summary: 'Get a maintenance window',
    role: 'viewer',
    params: windowId,
    responses: { 200: one('window', 'The window.') },
  },
  {
    method: 'put',
    path: '/api/v1/maintenance-windows/{id}',
    tag: 'Maintenance windows',
    summary: 'Replace a maintenance window',
    role: 'operator',
    params: windowId,
    body: maintenanceWindowBody,
    responses: { 200: one('window', 'The window.') },
  },
  {
    method: 'delete',
    path: '/api/v1/maintenance-windows/{id}',
    tag: 'Maintenance windows',
    summary: 'Delete a maintenance window',
    role: 'admin',
    params: windowId,
    responses: { 204: noContent('The window was deleted.') },
  },
  {
    method: 'get',
    path: '/api/v1/channels',
    tag: 'Notifications',
    summary: 'List notification channels',
    description:
      'E-mail, webhook and syslog channels; secrets show as set or not, never their value.',
    role: 'viewer',
    responses: { 200: list('Every channel.', { stats: record }) },
  },
  {
    method: 'post',
    path: '/api/v1/channels',
    tag: 'Notifications',
    summary: 'Add a notification channel',
    role: 'admin',
    body: channelInputSchema,
    responses: {
      201: one('channel', 'The channel.'),
      409: { description: 'The name is taken, or there are too many channels.' },
    },
  },
  {
    method: 'get',
    path: '/api/v1/channels/{id}',
    tag: 'Notifications',
    summary: 'Get a notification channel',
    role: 'viewer',
    params: channelId,
    responses: { 200: one('channel', 'The channel.') },
  },
  {
    method: 'put',
    path: '/api/v1/channels/{id}',
    tag: 'Notifications',
    summary: 'Replace a notification channel',
    description: 'A secret left out keeps the stored one.',
    role: 'admin',
    params: channelId,
    body: channelInputSchema,
    responses: {
      200: one('channel', 'The channel.'),
      409: { description: 'The name is taken.' },
    },
  },
  {
    method: 'delete',
    path: '/api/v1/channels/{id}',
    tag: 'Notifications',
    summary: 'Delete a notification channel',
    role: 'admin',
    params: channelId,
    responses: { 204: noContent('The channel was deleted.') },
  },
  {
    method: 'post',
    path: '/api/v1/channels/{id}/test',
    tag: 'Notifications',
    summary: 'Send a test notification',
    role: 'operator',
    params: channelId,
    responses: { 200: json('Whether the test was delivered, and the error if not.') },
  },
  {
    method: 'get',
    path: '/api/v1/channels/{id}/deliveries',
    tag: 'Notifications',
    summary: 'A channel’s deliveries',
    description: 'Sent, retrying and failed notifications, newest first.',
    role: 'viewer',
    params: channelId,
    query: deliveriesQuerySchema,
    queryDocs: { before: 'The id of the last delivery of the previous page.' },
    responses: { 200: list('A page of deliveries.', { next: nextCursor }) },
  },
];
