import type { Operation } from '../types.js';
import { siteSummarySchema } from '../../../hq/site-summary-schema.js';
import { changePageSchema, changesQuerySchema } from '../../../hq/change-feed-schema.js';

/** What HQ polls: the site summary, the change feed and the Prometheus endpoint. */
export const hqOperations: Operation[] = [
  {
    method: 'get',
    path: '/api/v1/site',
    tag: 'HQ',
    summary: 'Site summary',
    description:
      'The state of the site in one answer: the box, devices by status and type, open incidents by severity, backup freshness and the box’s own health. It carries an ETag; send it back in If-None-Match and an unchanged site answers 304 with no body.',
    role: 'viewer',
    headers: { 'If-None-Match': 'The ETag of the summary you have.' },
    responses: {
      200: {
        description: 'The summary.',
        schema: siteSummarySchema,
        headers: { ETag: 'Entity tag of this summary.' },
      },
      304: {
        description: 'Unchanged since the ETag sent in If-None-Match.',
        headers: { ETag: 'Entity tag of the summary.' },
      },
    },
  },
  {
    method: 'get',
    path: '/api/v1/changes',
    tag: 'HQ',
    summary: 'Change feed',
    description:
      'Changes to devices, incidents and backup runs in the order they happened, to catch up after a link outage without a full sync. Start without `since` (everything kept), or take a cursor with `since=now` before a full sync and continue from it; pass the `next` cursor each time; while `hasMore` is true, ask again at once.',
    role: 'viewer',
    query: changesQuerySchema,
    responses: {
      200: { description: 'A page of changes.', schema: changePageSchema },
      400: { description: 'The cursor is not one this box issued (BAD_CURSOR).' },
      410: {
        description:
          'The cursor cannot be continued (CURSOR_EXPIRED): changes after it were pruned by retention, or the store was restored. Resync: take a cursor with `since=now` first, reload the lists (or the site summary), then continue from that cursor; changes made during the reload may come again and are applied by id.',
      },
    },
  },
  {
    method: 'get',
    path: '/metrics',
    tag: 'HQ',
    summary: 'Prometheus metrics',
    description:
      'The text exposition format, for a Prometheus server at HQ: device reachability, incidents, backups, jobs and the box itself. Authenticate with an API token of any scope, a browser session, or HTTP basic auth with a local user’s name and password (for scrapers that cannot send a token; throttled like a login). Gzipped when the scraper accepts it. Can be turned off (hq.metricsEnabled).',
    role: 'viewer',
    auth: 'metrics',
    responses: {
      200: {
        description: 'Metrics in the Prometheus text format.',
        mediaType: 'text/plain; version=0.0.4; charset=utf-8',
      },
      401: {
        description:
          'No credentials, or a wrong token, user name or password (INVALID_TOKEN, INVALID_CREDENTIALS).',
      },
      404: { description: 'The endpoint is turned off (hq.metricsEnabled = false).' },
      429: {
        description: 'Too many bad credentials from this address; see Retry-After.',
        headers: { 'Retry-After': 'Seconds to wait.' },
      },
    },
  },
];
