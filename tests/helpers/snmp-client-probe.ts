/**
 * Runs inside the lab's appliance namespace (tests/integration/snmp-client.test.ts starts it with
 * lab.exec): exercises openSnmp against the lab's real snmpd and prints one JSON line of what
 * happened, for the test to check. Argument: a JSON object (see Probe).
 */
import { openSnmp, type SnmpTarget } from '../../src/snmp/session.js';
import type { SnmpCredential, Varbind } from '../../src/snmp/types.js';

interface Probe {
  /** A v2c/v1 snmpd and its community. */
  agent: string;
  community: string;
  /** A lab address nobody has. */
  unused: string;
  /** An SNMPv3 snmpd (still net-snmp's job). */
  v3?: { address: string; cred: SnmpCredential };
}

const SYS_NAME = '1.3.6.1.2.1.1.5.0';
const SYS_OBJECT_ID = '1.3.6.1.2.1.1.2.0';
const MISSING_OBJECT = '1.3.6.1.2.1.1.99.0';
const MISSING_INSTANCE = '1.3.6.1.2.1.1.5.1';
const IF_ENTRY = '1.3.6.1.2.1.2.2.1';

/** A varbind as JSON: Buffers as hex, bigints as decimal strings. */
type Json = { oid: string; type: string; value?: string | number };
type Outcome<T> = { ok: T } | { err: { code: string; kind: string; message: string } };

const json = (vb: Varbind): Json =>
  vb.type === 'null'
    ? { oid: vb.oid, type: vb.type }
    : {
        oid: vb.oid,
        type: vb.type,
        value:
          vb.type === 'str'
            ? vb.value.toString('hex')
            : vb.type === 'counter64'
              ? vb.value.toString()
              : vb.value,
      };

async function outcome<T, J>(p: Promise<T>, map: (v: T) => J): Promise<Outcome<J>> {
  try {
    return { ok: map(await p) };
  } catch (e) {
    const err = e as { code?: string; kind?: string; message?: string };
    return {
      err: { code: String(err.code), kind: String(err.kind), message: String(err.message) },
    };
  }
}
const list = (vbs: Varbind[]) => vbs.map(json);
const walked = (r: { varbinds: Varbind[]; truncated: boolean }) => ({
  varbinds: r.varbinds.map(json),
  truncated: r.truncated,
});

async function main(p: Probe) {
  const target = (address: string, timeoutMs = 500, retries = 0): SnmpTarget => ({
    address,
    port: 161,
    timeoutMs,
    retries,
  });
  const v2: SnmpCredential = { version: '2c', community: p.community };
  const v1: SnmpCredential = { version: '1', community: p.community };
  const out: Record<string, unknown> = {};

  const c2 = openSnmp(target(p.agent), v2);
  try {
    out.get2c = await outcome(
      c2.get([SYS_NAME, SYS_OBJECT_ID, MISSING_OBJECT, MISSING_INSTANCE]),
      list,
    );
    out.walk2c = await outcome(c2.walk(IF_ENTRY, 10_000), walked);
    out.walk2cCut = await outcome(c2.walk(IF_ENTRY, 5), walked);
    const n =
      'ok' in (out.walk2c as Outcome<unknown>)
        ? (out.walk2c as { ok: { varbinds: unknown[] } }).ok.varbinds.length
        : 0;
    out.walk2cExact = await outcome(c2.walk(IF_ENTRY, n), walked);
    out.walk2cEnd = await outcome(c2.walk('2.1', 10), walked);
  } finally {
    c2.close();
  }

  const c1 = openSnmp(target(p.agent), v1);
  try {
    out.get1 = await outcome(c1.get([SYS_NAME]), list);
    out.get1Missing = await outcome(c1.get([SYS_NAME, MISSING_OBJECT]), list);
    out.walk1 = await outcome(c1.walk(IF_ENTRY, 10_000), walked);
    out.walk1End = await outcome(c1.walk('2.1', 10), walked);
  } finally {
    c1.close();
  }

  // Many clients at once share one socket; every answer must reach its own client.
  const many = Array.from({ length: 40 }, () => openSnmp(target(p.agent, 2000, 1), v2));
  try {
    const answers = await Promise.all(
      many.map((c) => outcome(c.get([SYS_NAME, SYS_OBJECT_ID]), list)),
    );
    out.concurrent = answers.map((a) => ('ok' in a ? a.ok.length : a.err.code));
  } finally {
    for (const c of many) c.close();
  }

  const wrong = openSnmp(target(p.agent, 300, 1), {
    version: '2c',
    community: 'Not-The-Community-77',
  });
  out.wrongCommunity = await outcome(wrong.get([SYS_NAME]), list);
  wrong.close();

  const nobody = openSnmp(target(p.unused, 300, 0), v2);
  out.unreachable = await outcome(nobody.get([SYS_NAME]), list);
  nobody.close();

  // Abort in the middle of a request (and of a walk): both settle at once, later calls too.
  const ctl = new AbortController();
  const aborted = openSnmp(target(p.unused, 5000, 2), v2, ctl.signal);
  setTimeout(() => ctl.abort(), 150);
  const [ag, aw] = await Promise.all([
    outcome(aborted.get([SYS_NAME]), list),
    outcome(aborted.walk(IF_ENTRY, 100), walked),
  ]);
  out.abortGet = ag;
  out.abortWalk = aw;
  out.afterAbort = await outcome(aborted.get([SYS_NAME]), list);
  aborted.close();

  // close() settles what is pending, is idempotent, and later calls fail the same way.
  const closing = openSnmp(target(p.unused, 5000, 2), v2);
  setTimeout(() => {
    closing.close();
    closing.close();
  }, 150);
  const [cg, cw] = await Promise.all([
    outcome(closing.get([SYS_NAME]), list),
    outcome(closing.walk(IF_ENTRY, 100), walked),
  ]);
  out.closeGet = cg;
  out.closeWalk = cw;
  out.afterClose = await outcome(closing.walk(IF_ENTRY, 100), walked);

  // A walk in progress against the real agent, aborted between its requests.
  const ctl2 = new AbortController();
  const walking = openSnmp(target(p.agent, 500, 0), v1, ctl2.signal);
  const w = outcome(walking.walk(IF_ENTRY, 10_000), walked);
  setImmediate(() => ctl2.abort());
  out.abortRealWalk = await w;
  walking.close();

  if (p.v3) {
    const c3 = openSnmp(target(p.v3.address, 2000, 1), p.v3.cred);
    out.v3 = await outcome(c3.get([SYS_NAME]), list);
    c3.close();
  }
  return out;
}

const arg = process.argv[2];
if (!arg) throw new Error('usage: snmp-client-probe.ts <json>');
process.stdout.write(`${JSON.stringify(await main(JSON.parse(arg) as Probe))}\n`);
