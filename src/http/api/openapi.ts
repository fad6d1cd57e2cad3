import { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import type { ApiDocumentation } from '../openapi/document.js';

/** GET /api/v1/openapi.json: the API description, for any signed-in role or token. */
export function openapiApi(docs: ApiDocumentation) {
  return new Hono<AppEnv>().get('/', (c) => {
    c.header('Content-Type', 'application/json; charset=utf-8');
    return c.body(docs.json(), 200);
  });
}
