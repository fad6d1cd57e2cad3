import type { Role, Actor } from '../core/roles.js';
import type { ActiveSession } from '../auth/session-service.js';
import type { TokenRecord } from '../store/types.js';

/** The authenticated caller of a request: a browser session or an API token. */
export interface Auth {
  actor: Actor & { type: 'user' | 'token' };
  role: Role;
  session?: ActiveSession;
  token?: TokenRecord;
}

export interface AppEnv {
  Variables: {
    auth: Auth | undefined;
    ip: string;
  };
}
