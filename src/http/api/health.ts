import { Hono } from 'hono';
import type { AppDeps } from '../deps.js';
import type { AppEnv } from '../env.js';

/** The one unauthenticated API: enough for a load balancer or systemd watchdog, nothing more. */
export function healthApi(deps: AppDeps) {
  return new Hono<AppEnv>().get('/', (c) => {
    const ok = deps.store.isOpen;
    return c.json({ status: ok ? 'ok' : 'unavailable', version: deps.version }, ok ? 200 : 503);
  });
}
