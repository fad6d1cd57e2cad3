import { z } from 'zod';
import { ROLES, TOKEN_SCOPES } from '../core/roles.js';

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^[a-z0-9][a-z0-9._-]{1,31}$/,
    'Use 2–32 letters, digits, dots, dashes or underscores, starting with a letter or digit.',
  );

export function passwordSchema(minLength: number) {
  return z
    .string()
    .min(minLength, `Use at least ${minLength} characters.`)
    .max(256, 'Use at most 256 characters.');
}

export const roleSchema = z.enum(ROLES);
export const scopeSchema = z.enum(TOKEN_SCOPES);
export const displayNameSchema = z.string().trim().max(80, 'Use at most 80 characters.');
export const tokenNameSchema = z
  .string()
  .trim()
  .min(1, 'Give the token a name.')
  .max(64, 'Use at most 64 characters.');
