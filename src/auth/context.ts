import type { Actor } from '../core/roles.js';

/** Who is asking and from where: passed to every service method that changes something. */
export interface RequestContext {
  actor: Actor;
  ip?: string;
}
