import type { z } from 'zod';
import { validationFailed, type AppError } from './errors.js';

/** Turns every zod issue into a `path: message` entry so that all problems are reported at once. */
export function issuesToFields(error: z.ZodError): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const issue of error.issues) {
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    fields[path] ??= issue.message;
  }
  return fields;
}

export function zodToAppError(error: z.ZodError, what = 'The request'): AppError {
  const fields = issuesToFields(error);
  const list = Object.entries(fields)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ');
  return validationFailed(`${what} is not valid: ${list}`, fields);
}
