import type { Operation } from '../types.js';
import { list, noContent, one } from '../responses.js';
import { runsQuery } from '../../api/jobs.js';
import { orderBody } from '../../api/credentials.js';
import { siteSettingsSchema } from '../../../settings/site-service.js';
import { discoverySettingsSchema } from '../../../discovery/settings-service.js';
import { credentialInputSchema } from '../../../snmp/credential-service.js';

const jobName = { name: 'The job’s name, as listed by GET /api/v1/jobs.' };
const credentialId = { id: 'The credential’s id.' };

export const settingsOperations: Operation[] = [
  {
    method: 'get',
    path: '/api/v1/jobs',
    tag: 'Jobs',
    summary: 'List background jobs',
    description: 'Every scheduled job with its schedule, next run and last run.',
    role: 'viewer',
    responses: { 200: list('Every job.') },
  },
  {
    method: 'get',
    path: '/api/v1/jobs/{name}/runs',
    tag: 'Jobs',
    summary: 'Recent runs of a job',
    description: 'Newest first: start, duration, result and error code of each run.',
    role: 'viewer',
    params: jobName,
    query: runsQuery,
    queryDocs: { limit: 'How many runs.' },
    responses: { 200: list('The runs.') },
  },
  {
    method: 'post',
    path: '/api/v1/jobs/{name}/run',
    tag: 'Jobs',
    summary: 'Run a job now',
    role: 'operator',
    params: jobName,
    responses: {
      202: one('run', 'The run started.'),
      409: { description: 'The job is already running (JOB_RUNNING).' },
    },
  },
  {
    method: 'get',
    path: '/api/v1/settings/site',
    tag: 'Settings',
    summary: 'Site identity',
    description: 'Name, location, time zone and contact of the site this box looks after.',
    role: 'viewer',
    responses: { 200: one('site', 'The site settings.', siteSettingsSchema) },
  },
  {
    method: 'put',
    path: '/api/v1/settings/site',
    tag: 'Settings',
    summary: 'Change the site identity',
    role: 'admin',
    body: siteSettingsSchema,
    bodyDocs: { timezone: 'IANA time zone, e.g. Europe/Berlin. Schedules and reports use it.' },
    responses: { 200: one('site', 'The saved settings.', siteSettingsSchema) },
  },
  {
    method: 'get',
    path: '/api/v1/settings/discovery',
    tag: 'Settings',
    summary: 'Discovery settings',
    description: 'The subnets to scan, exclusions and the scan schedule.',
    role: 'viewer',
    responses: { 200: one('discovery', 'The discovery settings.') },
  },
  {
    method: 'put',
    path: '/api/v1/settings/discovery',
    tag: 'Settings',
    summary: 'Change discovery settings',
    description:
      'A fresh box scans nothing until subnets are set here. Each subnet is a CIDR of at most a /16.',
    role: 'admin',
    body: discoverySettingsSchema,
    bodyDocs: {
      subnets: 'Networks to scan, as CIDR (e.g. 192.168.10.0/24).',
      exclude: 'Addresses or networks never to scan.',
      schedule: 'Cron expression for scheduled scans; empty: only by hand.',
      serviceScan: 'Also detect service versions (slower).',
    },
    responses: { 200: one('discovery', 'The saved settings.') },
  },
  {
    method: 'get',
    path: '/api/v1/credentials',
    tag: 'Settings',
    summary: 'List SNMP credentials',
    description: 'In the order they are tried. Communities and keys are never shown.',
    role: 'admin',
    responses: { 200: list('Every credential (without secrets).') },
  },
  {
    method: 'post',
    path: '/api/v1/credentials',
    tag: 'Settings',
    summary: 'Add an SNMP credential',
    description: 'Secrets are encrypted at rest and never returned.',
    role: 'admin',
    body: credentialInputSchema,
    responses: {
      201: one('credential', 'The credential (without secrets).'),
      409: { description: 'At most 50 credentials are kept (TOO_MANY_CREDENTIALS).' },
    },
  },
  {
    method: 'put',
    path: '/api/v1/credentials/order',
    tag: 'Settings',
    summary: 'Set the order credentials are tried in',
    role: 'admin',
    body: orderBody,
    bodyName: 'CredentialOrder',
    bodyDocs: { ids: 'Every credential id, first tried first.' },
    responses: { 200: list('The credentials in their new order.') },
  },
  {
    method: 'get',
    path: '/api/v1/credentials/{id}',
    tag: 'Settings',
    summary: 'Get an SNMP credential',
    role: 'admin',
    params: credentialId,
    responses: { 200: one('credential', 'The credential (without secrets).') },
  },
  {
    method: 'put',
    path: '/api/v1/credentials/{id}',
    tag: 'Settings',
    summary: 'Replace an SNMP credential',
    role: 'admin',
    params: credentialId,
    body: credentialInputSchema,
    responses: { 200: one('credential', 'The credential (without secrets).') },
  },
  {
    method: 'delete',
    path: '/api/v1/credentials/{id}',
    tag: 'Settings',
    summary: 'Delete an SNMP credential',
    role: 'admin',
    params: credentialId,
    responses: {
      204: noContent('The credential was deleted.'),
      409: { description: 'Devices are pinned to this credential (CREDENTIAL_IN_USE).' },
    },
  },
];
