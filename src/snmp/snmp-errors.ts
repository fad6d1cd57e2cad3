/**
 * The errors an SNMP request ends with, whichever client made it (net-snmp for SNMPv3, ours for
 * v1/v2c). Fixed sentences only: nothing the agent sent and never the community string, since
 * these messages end up on device pages that viewers and read-only tokens can see.
 */
import { AppError } from '../core/errors.js';

/** RFC 3416 error-status names, by value. */
const STATUS = [
  'noError',
  'tooBig',
  'noSuchName',
  'badValue',
  'readOnly',
  'genErr',
  'noAccess',
  'wrongType',
  'wrongLength',
  'wrongEncoding',
  'wrongValue',
  'noCreation',
  'inconsistentValue',
  'resourceUnavailable',
  'commitFailed',
  'undoFailed',
  'authorizationError',
  'notWritable',
  'inconsistentName',
];

/** error-status noSuchName: an SNMPv1 agent's "no such object", and the end of a v1 walk. */
export const NO_SUCH_NAME = 2;

export const snmpTimeout = (at: string) =>
  new AppError('SNMP_TIMEOUT', `${at} did not answer SNMP (wrong credentials, or no agent).`, {
    kind: 'transient',
  });

export const snmpBadResponse = (at: string) =>
  new AppError('SNMP_BAD_RESPONSE', `${at} sent an SNMP answer that could not be understood.`, {
    kind: 'permanent',
  });

export const snmpCommunityMismatch = (at: string) =>
  new AppError(
    'SNMP_BAD_RESPONSE',
    `${at} answered with a different community than it was asked with.`,
    { kind: 'permanent' },
  );

/**
 * The agent answered with a non-zero error-status. `errorStatus` names it (RFC 3416: tooBig,
 * noSuchName, genErr, ...; `error <n>` for a number outside the RFC) for callers that act on it.
 */
export class SnmpRefusedError extends AppError {
  constructor(
    at: string,
    readonly errorStatus: string,
  ) {
    super('SNMP_REFUSED', `${at} refused the request (${errorStatus}).`, {
      kind:
        errorStatus === 'authorizationError' || errorStatus === 'noAccess' ? 'auth' : 'permanent',
    });
  }
}

/** The agent answered with a non-zero error-status (the number only: it is the agent's). */
export function snmpRefused(at: string, status: number | undefined): SnmpRefusedError {
  return new SnmpRefusedError(at, STATUS[status ?? -1] ?? `error ${status}`);
}

export const snmpStopped = (at: string) =>
  new AppError(
    'SNMP_STOPPED',
    `SNMP with ${at} was stopped (the scan was cancelled or its time ran out).`,
    { kind: 'transient' },
  );

export const snmpFailed = (at: string, cause?: unknown) =>
  new AppError('SNMP_ERROR', `SNMP with ${at} failed.`, { kind: 'transient', cause });
