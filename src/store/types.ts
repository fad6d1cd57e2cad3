import type { Actor, Role, TokenScope } from '../core/roles.js';

export interface UserRecord {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  passwordHash: string;
  disabled: boolean;
  createdAt: string;
  updatedAt: string;
  passwordChangedAt: string;
  lastLoginAt?: string;
}

export interface SessionRecord {
  userId: string;
  csrfToken: string;
  createdAt: number;
  lastSeenAt: number;
  /** Absolute expiry in ms since the epoch; idle expiry is computed from lastSeenAt. */
  expiresAt: number;
  ip: string;
  userAgent: string;
}

export interface TokenRecord {
  id: string;
  name: string;
  scope: TokenScope;
  /** sha256 of the secret part; the secret itself is shown once and never stored. */
  secretHash: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt?: string;
  revokedAt?: string;
  revokedBy?: string;
}

export interface AuditEntry {
  key: string;
  at: string;
  actor: Actor;
  action: string;
  target?: string;
  ip?: string;
  details?: Record<string, unknown>;
}

export type JobRunStatus = 'running' | 'ok' | 'error' | 'aborted' | 'interrupted' | 'skipped';

export interface JobRunRecord {
  id: string;
  job: string;
  trigger: 'schedule' | 'manual' | 'startup';
  actor?: string;
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  status: JobRunStatus;
  summary?: string;
  error?: { code: string; message: string };
}

export interface SiteSettings {
  name: string;
  location: string;
  timezone: string;
  contact: string;
}

export interface SetupState {
  codeHash: string;
  issuedAt: string;
  issuedBy: string;
}
