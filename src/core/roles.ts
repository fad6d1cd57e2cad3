export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const TOKEN_SCOPES = ['read', 'operate', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };

/** A token's scope grants the same rights as the role of the same rank. */
export function scopeToRole(scope: TokenScope): Role {
  return scope === 'read' ? 'viewer' : scope === 'operate' ? 'operator' : 'admin';
}

export function roleAtLeast(role: Role, needed: Role): boolean {
  return RANK[role] >= RANK[needed];
}

/** Who did something: a person, an API token, the box's console or the service itself. */
export type Actor =
  | { type: 'user'; id: string; name: string; role: Role }
  | { type: 'token'; id: string; name: string; role: Role }
  | { type: 'console'; name: string }
  | { type: 'system'; name: string };

export function actorLabel(actor: Actor): string {
  switch (actor.type) {
    case 'user':
      return actor.name;
    case 'token':
      return `token:${actor.name}`;
    case 'console':
      return `console:${actor.name}`;
    case 'system':
      return `system:${actor.name}`;
  }
}
