/**
 * The monitoring poller's adapter: the only file in monitor/ that talks SNMP. It sends what a
 * PollPlan asks through an SnmpClient, one request at a time (a small device's agent answers one
 * request at a time anyway), and hands back what came back, untouched.
 */
import { AppError, isAppError } from '../core/errors.js';
import type { SnmpClient } from '../snmp/session.js';
import { SnmpRefusedError } from '../snmp/snmp-errors.js';
import { ENT_PHYSICAL_DESCR } from './poll-oids.js';
import { PollAnswers } from './poll-answers.js';
import { celsiusSensorIndexes } from './poll-decode-tables.js';
import type { PollPlan, RawPoll } from './poll-types.js';

export interface PollOptions {
  /** Varbinds per GET PDU. About 40 keeps a response within what small agents can send. */
  maxVarbinds: number;
  /**
   * The per-device time budget, cancel or shutdown: the poll closes the client and rejects (see
   * pollSnmp).
   */
  signal: AbortSignal;
}

/** Two requests in a row without an answer: the device went away; the rest would only wait. */
const MAX_SILENT_IN_A_ROW = 2;

/** The abort's own reason when it says why (a time budget's AppError), else SNMP_STOPPED. */
const stopped = (signal: AbortSignal) =>
  signal.reason instanceof AppError
    ? signal.reason
    : new AppError('SNMP_STOPPED', 'The SNMP poll was stopped (cancelled, or its time ran out).', {
        kind: 'transient',
      });

/**
 * The agent answered with an error status: it is there, but refused this PDU (SNMPv1
 * noSuchName for one missing object, tooBig, genErr). Access errors are not a refusal of the OIDs.
 */
function refused(err: unknown): boolean {
  return isAppError(err) && err.code === 'SNMP_REFUSED' && err.kind !== 'auth';
}

/** The answer would not fit the agent's buffer: fewer OIDs at a time will do. */
const tooBig = (err: unknown) => err instanceof SnmpRefusedError && err.errorStatus === 'tooBig';

/**
 * Polls one device. A partial answer (a walk failing, a GET chunk timing out) keeps what was read
 * and says what was lost in `notes`; if the very first request gets no answer the device is
 * unreachable and the poll rejects with that AppError (SNMP_TIMEOUT, SNMP_AUTH, ...). An aborted
 * signal rejects with its reason if that is an AppError, else with SNMP_STOPPED.
 */
export async function pollSnmp(
  client: SnmpClient,
  plan: PollPlan,
  opts: PollOptions,
): Promise<RawPoll> {
  const started = performance.now();
  const { signal } = opts;
  const max = Math.max(1, Math.floor(opts.maxVarbinds));
  const values = new PollAnswers(plan.oids);
  const raw: RawPoll = {
    plan,
    values,
    walks: {},
    sensorNames: [],
    notes: [],
    requests: 0,
    durationMs: 0,
  };
  let answered = 0;
  let silent = 0;
  let gaveUp = false;

  if (signal.aborted) throw stopped(signal);
  // An abort closes the client, which settles what is in flight (see SnmpClient). Not a race
  // against the signal per request: that kept a reaction on a never-settled promise for every
  // request until the poll ended.
  const onAbort = () => client.close();
  signal.addEventListener('abort', onAbort, { once: true });
  const request = async <T>(run: () => Promise<T>): Promise<T> => {
    if (signal.aborted) throw stopped(signal);
    raw.requests++;
    try {
      const r = await run();
      answered++;
      silent = 0;
      return r;
    } catch (err) {
      if (signal.aborted) throw stopped(signal);
      if (refused(err)) {
        answered++;
        silent = 0;
      } else if (
        isAppError(err) &&
        err.code === 'SNMP_TIMEOUT' &&
        answered > 0 &&
        ++silent >= MAX_SILENT_IN_A_ROW
      ) {
        gaveUp = true;
      }
      throw err;
    }
  };
  const note = (what: string, err: unknown) =>
    raw.notes.push(`${what}: ${isAppError(err) ? err.message : 'failed'}`);

  /** GETs oids[start, end); splits a refused PDU until the refusing OID alone reads as missing. */
  const getRange = async (
    oids: readonly string[],
    start: number,
    end: number,
    optional?: string,
  ) => {
    if (gaveUp) return;
    try {
      const vbs = await request(() => client.get(oids.slice(start, end)));
      // never past the chunk asked, whatever a client hands back
      for (let k = 0; k < Math.min(vbs.length, end - start); k++) values.set(start + k, vbs[k]!);
    } catch (err) {
      if (!refused(err)) {
        if (signal.aborted || answered === 0) throw err;
        note(`GET of ${end - start} values from ${oids[start]}`, err);
        return;
      }
      if ((optional && !tooBig(err)) || end - start === 1) {
        // answered, and missing: what caps learn from (an SNMPv1 agent without this MIB group)
        for (let k = start; k < end; k++) values.set(k, { oid: oids[k]!, type: 'null' });
        return;
      }
      const mid = start + ((end - start) >> 1);
      await getRange(oids, start, mid, optional);
      await getRange(oids, mid, end, optional);
    }
  };

  try {
    for (const seg of plan.segments) {
      for (let s = seg.start; s < seg.end; s += max) {
        await getRange(plan.oids, s, Math.min(seg.end, s + max), seg.optional);
      }
    }
    for (const w of plan.walks) {
      if (gaveUp) break;
      try {
        const r = await request(() => client.walk(w.oid, w.maxVarbinds));
        raw.walks[w.name] = r.varbinds;
        if (r.truncated) raw.notes.push(`${w.name}: more than ${w.maxVarbinds} values, cut there`);
      } catch (err) {
        if (signal.aborted || answered === 0) throw err;
        // SNMPv1 says noSuchName when a walk runs off the end of the agent's MIB: nothing there
        if (refused(err) && !tooBig(err)) raw.walks[w.name] = [];
        else note(w.name, err);
      }
    }
    // Sensors the plan did not know yet (the first poll, or new hardware) get their names now.
    const sensors = raw.walks.sensors;
    if (sensors && !gaveUp) {
      const known = new Set(plan.sensorNames.indexes);
      const names = celsiusSensorIndexes(sensors)
        .filter((i) => !known.has(i))
        .map((i) => `${ENT_PHYSICAL_DESCR}.${i}`);
      for (let s = 0; s < names.length && !gaveUp; s += max) {
        try {
          raw.sensorNames.push(...(await request(() => client.get(names.slice(s, s + max)))));
        } catch (err) {
          if (signal.aborted) throw err;
          note('sensor names', err);
        }
      }
    }
    if (gaveUp)
      raw.notes.push('the device stopped answering during the poll; the rest was not read');
  } finally {
    signal.removeEventListener('abort', onAbort);
    raw.durationMs = performance.now() - started;
  }
  return raw;
}
