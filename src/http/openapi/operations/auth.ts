import { z } from 'zod';
import type { Operation } from '../types.js';
import { json, list, noContent, one } from '../responses.js';
import { roleSchema, scopeSchema } from '../../../auth/schemas.js';
import { setupBody } from '../../api/setup.js';
import { loginBody } from '../../api/session.js';
import { passwordBody as ownPasswordBody } from '../../api/me.js';
import {
  createBody as userCreateBody,
  patchBody as userPatchBody,
  passwordBody as userPasswordBody,
} from '../../api/users.js';
import { createBody as tokenCreateBody } from '../../api/tokens.js';
import { auditQuery } from '../../api/audit.js';

/** A user as the API shows it (never the password hash). */
const publicUser = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: roleSchema,
  disabled: z.boolean(),
  createdAt: z.string(),
  lastLoginAt: z.string().optional(),
});

/** A token as the API shows it (never the secret or its hash). */
const publicToken = z.object({
  id: z.string(),
  name: z.string(),
  scope: scopeSchema,
  createdAt: z.string(),
  createdBy: z.string(),
  lastUsedAt: z.string().optional(),
  revokedAt: z.string().optional(),
  revokedBy: z.string().optional(),
});

const userId = { id: "The user's id." };

export const authOperations: Operation[] = [
  {
    method: 'get',
    path: '/api/v1/health',
    tag: 'Health',
    summary: 'Is the service up',
    description:
      'The one API that answers without authentication: enough for a load balancer or a watchdog.',
    role: 'public',
    responses: {
      200: json('The store is open.', z.object({ status: z.literal('ok'), version: z.string() })),
      503: json(
        'The store is not open (starting or shutting down).',
        z.object({ status: z.literal('unavailable'), version: z.string() }),
      ),
    },
  },
  {
    method: 'get',
    path: '/api/v1/setup',
    tag: 'Setup and session',
    summary: 'Is first-boot setup still open',
    role: 'public',
    responses: {
      200: json('Whether the first admin can still be created.', z.object({ open: z.boolean() })),
    },
  },
  {
    method: 'post',
    path: '/api/v1/setup',
    tag: 'Setup and session',
    summary: 'Create the first admin',
    description:
      'Needs the one-time setup code the box prints on its console and writes to its data directory. Closes setup.',
    role: 'public',
    body: setupBody,
    bodyName: 'SetupRequest',
    responses: {
      201: one('user', 'The first admin was created.', publicUser),
      403: { description: 'The setup code is wrong (SETUP_CODE_INVALID).' },
      409: { description: 'The box is already set up (SETUP_DONE).' },
      429: { description: 'Too many wrong setup codes; see Retry-After.' },
    },
  },
  {
    method: 'post',
    path: '/api/v1/session',
    tag: 'Setup and session',
    summary: 'Log in (browser-style session)',
    description:
      'Sets the session cookie and returns the CSRF token that every later change must carry in the X-CSRF-Token header. Scripts and HQ should use API tokens instead.',
    role: 'public',
    body: loginBody,
    bodyName: 'LoginRequest',
    responses: {
      201: json(
        'Logged in.',
        z.object({ user: publicUser, csrfToken: z.string(), expiresAt: z.string() }),
      ),
      401: { description: 'Wrong user name or password (INVALID_CREDENTIALS).' },
      429: {
        description: 'Too many failed logins (RATE_LIMITED, ACCOUNT_LOCKED); see Retry-After.',
      },
    },
  },
  {
    method: 'delete',
    path: '/api/v1/session',
    tag: 'Setup and session',
    summary: 'Log out',
    description: 'Ends the session of the cookie sent with the request.',
    role: 'viewer',
    responses: { 204: noContent('The session was ended and the cookie cleared.') },
  },
  {
    method: 'get',
    path: '/api/v1/me',
    tag: 'Setup and session',
    summary: 'Who am I',
    description: 'The signed-in user (with the session’s CSRF token) or the API token in use.',
    role: 'viewer',
    responses: {
      200: json(
        'The caller.',
        z.union([
          z.object({
            kind: z.literal('user'),
            role: roleSchema,
            user: publicUser,
            csrfToken: z.string(),
          }),
          z.object({ kind: z.literal('token'), role: roleSchema, token: publicToken }),
        ]),
      ),
    },
  },
  {
    method: 'put',
    path: '/api/v1/me/password',
    tag: 'Setup and session',
    summary: 'Change my password',
    description: 'Ends every other session of the user. Not available to API tokens.',
    role: 'viewer',
    body: ownPasswordBody,
    bodyName: 'OwnPasswordChange',
    responses: { 204: noContent('The password was changed.') },
  },
  {
    method: 'get',
    path: '/api/v1/users',
    tag: 'Users and tokens',
    summary: 'List users',
    role: 'admin',
    responses: { 200: list('Every user.', {}, publicUser) },
  },
  {
    method: 'post',
    path: '/api/v1/users',
    tag: 'Users and tokens',
    summary: 'Add a user',
    role: 'admin',
    body: userCreateBody,
    bodyName: 'UserCreate',
    responses: {
      201: one('user', 'The user was added.', publicUser),
      409: { description: 'The user name is taken (USERNAME_TAKEN).' },
    },
  },
  {
    method: 'get',
    path: '/api/v1/users/{id}',
    tag: 'Users and tokens',
    summary: 'Get a user',
    role: 'admin',
    params: userId,
    responses: { 200: one('user', 'The user.', publicUser) },
  },
  {
    method: 'patch',
    path: '/api/v1/users/{id}',
    tag: 'Users and tokens',
    summary: 'Change a user’s role, name or disable them',
    description: 'The last enabled admin cannot be demoted or disabled.',
    role: 'admin',
    params: userId,
    body: userPatchBody,
    bodyName: 'UserPatch',
    responses: {
      200: one('user', 'The changed user.', publicUser),
      409: { description: 'This would leave the box without an enabled admin.' },
    },
  },
  {
    method: 'put',
    path: '/api/v1/users/{id}/password',
    tag: 'Users and tokens',
    summary: 'Set a user’s password',
    description: 'Ends all of the user’s sessions and clears a login lockout.',
    role: 'admin',
    params: userId,
    body: userPasswordBody,
    bodyName: 'PasswordSet',
    responses: { 204: noContent('The password was set.') },
  },
  {
    method: 'delete',
    path: '/api/v1/users/{id}',
    tag: 'Users and tokens',
    summary: 'Delete a user',
    role: 'admin',
    params: userId,
    responses: {
      204: noContent('The user was deleted.'),
      409: { description: 'The last enabled admin cannot be deleted.' },
    },
  },
  {
    method: 'get',
    path: '/api/v1/tokens',
    tag: 'Users and tokens',
    summary: 'List API tokens',
    description: 'Revoked tokens are listed too. Secrets are never shown again.',
    role: 'admin',
    responses: { 200: list('Every token.', {}, publicToken) },
  },
  {
    method: 'post',
    path: '/api/v1/tokens',
    tag: 'Users and tokens',
    summary: 'Create an API token',
    description:
      'The secret is in this response only; the box keeps a hash. Use it as `Authorization: Bearer <token>`. Scopes: `read` (HQ monitoring, reports, Prometheus), `operate` (also run jobs, handle incidents), `admin` (everything).',
    role: 'admin',
    body: tokenCreateBody,
    bodyName: 'TokenCreate',
    responses: {
      201: json('The token, with its secret.', publicToken.extend({ token: z.string() })),
    },
  },
  {
    method: 'delete',
    path: '/api/v1/tokens/{id}',
    tag: 'Users and tokens',
    summary: 'Revoke an API token',
    role: 'admin',
    params: { id: 'The token’s id (the part after `ct_` and before the dot).' },
    responses: { 200: one('token', 'The revoked token.', publicToken) },
  },
  {
    method: 'get',
    path: '/api/v1/audit',
    tag: 'Users and tokens',
    summary: 'Read the audit log',
    description: 'Every change made on the box, newest first.',
    role: 'admin',
    query: auditQuery,
    queryDocs: {
      limit: 'Entries per page.',
      before: 'The `next` value of the previous page.',
    },
    responses: {
      200: list('A page of audit entries.', {
        next: z.string().nullable().describe('Pass as `before` for the next page.'),
      }),
    },
  },
  {
    method: 'get',
    path: '/api/v1/openapi.json',
    tag: 'Health',
    summary: 'This API description',
    description: 'The OpenAPI 3.1 document, generated from the schemas that validate the requests.',
    role: 'viewer',
    responses: { 200: json('The OpenAPI document.') },
  },
];
