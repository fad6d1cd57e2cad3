import { describe, expect, it } from 'vitest';
import {
  decodeTrap,
  MAX_TRAP_VARBINDS,
  MAX_VALUE_CHARS,
  peekSnmpVersion,
  trapSummary,
  v1TrapOid,
  type ReceivedPdu,
  type TrapOrigin,
  type TrapRecord,
} from '../../src/incidents/trap-decode.js';
import type { Varbind } from '../../src/snmp/types.js';

// Fixtures are shaped like net-snmp's decoded notifications after fromNetSnmp, with the values
// Net-SNMP's snmptrap sends (see tests/integration/trap-receiver.test.ts for the real thing).

const origin = (version: TrapOrigin['version'], extra: Partial<TrapOrigin> = {}): TrapOrigin => ({
  receivedAt: 1_700_000_000_000,
  address: '127.0.0.1',
  port: 40000,
  version,
  credentialId: 'cred01',
  credentialName: 'site community',
  ...extra,
});

const int = (oid: string, value: number): Varbind => ({ oid, type: 'int', value });
const str = (oid: string, value: string | Buffer): Varbind => ({
  oid,
  type: 'str',
  value: Buffer.isBuffer(value) ? value : Buffer.from(value),
});
const oidVb = (oid: string, value: string): Varbind => ({ oid, type: 'oid', value });
const ticks = (value: number): Varbind => ({ oid: '1.3.6.1.2.1.1.3.0', type: 'ticks', value });
const trapOid = (value: string) => oidVb('1.3.6.1.6.3.1.1.4.1.0', value);

function decoded(pdu: ReceivedPdu, o: TrapOrigin): TrapRecord {
  const r = decodeTrap(pdu, o);
  if (!r.ok) throw new Error(`expected a record, got ${r.reason}`);
  return r.record;
}

describe('decodeTrap: v1 (RFC 3584 §3.1)', () => {
  it('maps a generic linkDown (2) to snmpTraps.3 with the interface varbinds', () => {
    const r = decoded(
      {
        form: 'v1',
        enterprise: '1.3.6.1.4.1.8072.3.2.10',
        agentAddr: '192.0.2.7',
        generic: 2,
        specific: 0,
        upTime: 123456,
        varbinds: [
          int('1.3.6.1.2.1.2.2.1.1.3', 3),
          int('1.3.6.1.2.1.2.2.1.7.3', 1),
          int('1.3.6.1.2.1.2.2.1.8.3', 2),
        ],
      },
      origin('v1'),
    );
    expect(r).toMatchObject({
      version: 'v1',
      notification: 'trap',
      trapOid: '1.3.6.1.6.3.1.1.5.3',
      kind: 'linkDown',
      enterprise: '1.3.6.1.4.1.8072.3.2.10',
      ifIndex: 3,
      adminStatus: 'up',
      operStatus: 'down',
      agentAddress: '192.0.2.7',
      sysUpTime: 123456,
      credentialId: 'cred01',
      credentialName: 'site community',
      omittedVarbinds: 0,
    });
    expect(r.varbinds).toEqual([
      { oid: '1.3.6.1.2.1.2.2.1.1.3', type: 'int', value: '3' },
      { oid: '1.3.6.1.2.1.2.2.1.7.3', type: 'int', value: '1' },
      { oid: '1.3.6.1.2.1.2.2.1.8.3', type: 'int', value: '2' },
    ]);
    expect(trapSummary(r)).toBe(
      'Link down from 192.0.2.7 (via 127.0.0.1): ifIndex 3, admin up, oper down',
    );
  });

  it('maps an enterprise-specific trap to enterprise.0.specific', () => {
    const r = decoded(
      {
        form: 'v1',
        enterprise: '1.3.6.1.4.1.8072.2.3',
        agentAddr: '0.0.0.0',
        generic: 6,
        specific: 17,
        upTime: 5,
        varbinds: [int('1.3.6.1.4.1.8072.2.3.2.1', 42)],
      },
      origin('v1'),
    );
    expect(r.trapOid).toBe('1.3.6.1.4.1.8072.2.3.0.17');
    expect(r.kind).toBe('vendor');
    // 0.0.0.0 says nothing about the agent.
    expect(r.agentAddress).toBeUndefined();
    expect(trapSummary(r)).toBe(
      'Trap 1.3.6.1.4.1.8072.2.3.0.17 from 127.0.0.1: 1.3.6.1.4.1.8072.2.3.2.1 = 42',
    );
  });

  it('maps every generic trap number', () => {
    expect([0, 1, 2, 3, 4, 5].map((g) => v1TrapOid('1.3.6.1.4.1.9', g, 0))).toEqual([
      '1.3.6.1.6.3.1.1.5.1',
      '1.3.6.1.6.3.1.1.5.2',
      '1.3.6.1.6.3.1.1.5.3',
      '1.3.6.1.6.3.1.1.5.4',
      '1.3.6.1.6.3.1.1.5.5',
      '1.3.6.1.6.3.1.1.5.6',
    ]);
  });

  it('rejects a generic trap number outside 0-6 and a v1 PDU in a v2c message', () => {
    const pdu: ReceivedPdu = {
      form: 'v1',
      enterprise: '1.3.6.1.4.1.9',
      agentAddr: '10.0.0.1',
      generic: 9,
      specific: 0,
      upTime: 0,
      varbinds: [],
    };
    expect(decodeTrap(pdu, origin('v1'))).toEqual({ ok: false, reason: 'bad_generic_trap' });
    expect(decodeTrap({ ...pdu, generic: 0 }, origin('v2c'))).toEqual({
      ok: false,
      reason: 'pdu_version_mismatch',
    });
    expect(decodeTrap({ ...pdu, generic: Number.NaN }, origin('v1')).ok).toBe(false);
  });
});

describe('decodeTrap: v2c / v3', () => {
  it('reads linkUp with ifIndex, ifDescr, ifName, ifAdminStatus and ifOperStatus', () => {
    const r = decoded(
      {
        form: 'v2',
        inform: false,
        varbinds: [
          ticks(99),
          trapOid('1.3.6.1.6.3.1.1.5.4'),
          int('1.3.6.1.2.1.2.2.1.1.7', 7),
          int('1.3.6.1.2.1.2.2.1.7.7', 1),
          int('1.3.6.1.2.1.2.2.1.8.7', 1),
          str('1.3.6.1.2.1.2.2.1.2.7', 'GigabitEthernet0/7\0'),
          str('1.3.6.1.2.1.31.1.1.1.1.7', 'Gi0/7'),
        ],
      },
      origin('v2c'),
    );
    expect(r).toMatchObject({
      version: 'v2c',
      trapOid: '1.3.6.1.6.3.1.1.5.4',
      kind: 'linkUp',
      ifIndex: 7,
      ifDescr: 'GigabitEthernet0/7',
      ifName: 'Gi0/7',
      adminStatus: 'up',
      operStatus: 'up',
      sysUpTime: 99,
    });
    // sysUpTime.0 and snmpTrapOID.0 are fields, not varbinds.
    expect(r.varbinds.map((v) => v.oid)).not.toContain('1.3.6.1.6.3.1.1.4.1.0');
    expect(r.varbinds).toHaveLength(5);
    expect(trapSummary(r)).toBe(
      'Link up from 127.0.0.1: interface Gi0/7 (ifIndex 7), admin up, oper up',
    );
  });

  it('takes the ifIndex from a column instance when the ifIndex varbind is missing', () => {
    const r = decoded(
      {
        form: 'v2',
        inform: false,
        varbinds: [
          ticks(1),
          trapOid('1.3.6.1.6.3.1.1.5.3'),
          int('1.3.6.1.2.1.2.2.1.8.12', 7),
          int('1.3.6.1.2.1.2.2.1.7.12', 2),
        ],
      },
      origin('v2c'),
    );
    expect(r).toMatchObject({
      ifIndex: 12,
      adminStatus: 'down',
      operStatus: 'lowerLayerDown',
    });
  });

  it('reads coldStart and an inform', () => {
    const r = decoded(
      { form: 'v2', inform: true, varbinds: [ticks(0), trapOid('1.3.6.1.6.3.1.1.5.1')] },
      origin('v3', { user: 'traps', credentialName: 'v3 traps' }),
    );
    expect(r).toMatchObject({
      kind: 'coldStart',
      notification: 'inform',
      version: 'v3',
      user: 'traps',
      varbinds: [],
    });
    expect(r.ifIndex).toBeUndefined();
    expect(trapSummary(r)).toBe('Cold start (restarted) from 127.0.0.1');
  });

  it('reads authenticationFailure and warmStart, and a proxied agent address', () => {
    const r = decoded(
      {
        form: 'v2',
        inform: false,
        varbinds: [
          ticks(10),
          trapOid('1.3.6.1.6.3.1.1.5.5'),
          { oid: '1.3.6.1.6.3.18.1.3.0', type: 'ip', value: '10.9.8.7' },
        ],
      },
      origin('v2c'),
    );
    expect(r.kind).toBe('authenticationFailure');
    expect(r.agentAddress).toBe('10.9.8.7');
    expect(trapSummary(r)).toBe(
      'SNMP authentication failure reported from 10.9.8.7 (via 127.0.0.1)',
    );
    const w = decoded(
      { form: 'v2', inform: false, varbinds: [ticks(1), trapOid('1.3.6.1.6.3.1.1.5.2')] },
      origin('v2c'),
    );
    expect(w.kind).toBe('warmStart');
  });

  it('keeps vendor varbinds bounded: at most 64, values cut at 512 characters', () => {
    const varbinds: Varbind[] = [ticks(5), trapOid('1.3.6.1.4.1.9.9.41.2.0.1')];
    varbinds.push(str('1.3.6.1.4.1.9.9.41.1.2.3.1.5.1', 'x'.repeat(5000)));
    varbinds.push(str('1.3.6.1.4.1.9.9.41.1.2.3.1.6.1', Buffer.from([0, 1, 2, 0xff, 0x10])));
    varbinds.push(str('1.3.6.1.4.1.9.9.41.1.2.3.1.7.1', Buffer.alloc(4000, 0x01)));
    varbinds.push(str('1.3.6.1.4.1.9.9.41.1.2.3.1.8.1', 'ü'.repeat(3000)));
    varbinds.push({ oid: '1.3.6.1.4.1.9.9.41.1.2.3.1.9.1', type: 'counter64', value: 2n ** 63n });
    for (let i = 0; i < 100; i++) varbinds.push(int(`1.3.6.1.4.1.9.9.41.1.2.3.1.10.${i}`, i));
    const r = decoded({ form: 'v2', inform: false, varbinds }, origin('v2c'));
    expect(r.kind).toBe('vendor');
    expect(r.varbinds).toHaveLength(MAX_TRAP_VARBINDS);
    expect(r.omittedVarbinds).toBe(105 - MAX_TRAP_VARBINDS);
    for (const vb of r.varbinds) expect(vb.value.length).toBeLessThanOrEqual(MAX_VALUE_CHARS);
    expect(r.varbinds[0]!.value).toMatch(/^x{511}…$/);
    expect(r.varbinds[1]).toEqual({
      oid: '1.3.6.1.4.1.9.9.41.1.2.3.1.6.1',
      type: 'str',
      value: '00 01 02 ff 10',
    });
    expect(r.varbinds[2]!.value.endsWith('…')).toBe(true);
    expect(r.varbinds[3]!.value).toMatch(/^ü{511}…$/);
    expect(r.varbinds[4]!.value).toBe('9223372036854775808');
    const summary = trapSummary(r);
    expect(summary.startsWith('Trap 1.3.6.1.4.1.9.9.41.2.0.1 from 127.0.0.1: ')).toBe(true);
    expect(summary.length).toBeLessThanOrEqual(240);
  });

  it('treats a v2c trap without snmpTrapOID.0 (or with a non-OID value) as malformed', () => {
    expect(
      decodeTrap(
        { form: 'v2', inform: false, varbinds: [ticks(1), int('1.3.6.1.2.1.2.2.1.1.1', 1)] },
        origin('v2c'),
      ),
    ).toEqual({ ok: false, reason: 'no_trap_oid' });
    expect(
      decodeTrap(
        {
          form: 'v2',
          inform: false,
          varbinds: [ticks(1), str('1.3.6.1.6.3.1.1.4.1.0', '1.3.6.1')],
        },
        origin('v2c'),
      ),
    ).toEqual({ ok: false, reason: 'no_trap_oid' });
    expect(decodeTrap({ form: 'v2', inform: false, varbinds: [] }, origin('v3')).ok).toBe(false);
    expect(
      decodeTrap(
        { form: 'v2', inform: false, varbinds: [trapOid('1.3.6.1.6.3.1.1.5.1')] },
        origin('v1'),
      ),
    ).toEqual({ ok: false, reason: 'pdu_version_mismatch' });
  });

  it('rejects trap OIDs longer than 128 sub-identifiers', () => {
    const long = `1.3${'.1'.repeat(200)}`;
    expect(
      decodeTrap({ form: 'v2', inform: false, varbinds: [trapOid(long)] }, origin('v2c')),
    ).toEqual({ ok: false, reason: 'bad_oid' });
  });

  it('keeps newlines out of the summary', () => {
    const r = decoded(
      {
        form: 'v2',
        inform: false,
        varbinds: [
          trapOid('1.3.6.1.6.3.1.1.5.3'),
          int('1.3.6.1.2.1.2.2.1.1.2', 2),
          str('1.3.6.1.2.1.31.1.1.1.1.2', 'eth1\nFAKE LOG LINE'),
        ],
      },
      origin('v2c'),
    );
    expect(trapSummary(r)).toBe(
      'Link down from 127.0.0.1: interface eth1 FAKE LOG LINE (ifIndex 2)',
    );
  });
});

describe('peekSnmpVersion', () => {
  it('reads the version of v1, v2c and v3 messages and refuses garbage', () => {
    const msg = (v: number) => Buffer.from([0x30, 0x0a, 0x02, 0x01, v, 0x04, 0x01, 0x61]);
    expect(peekSnmpVersion(msg(0))).toBe('v1');
    expect(peekSnmpVersion(msg(1))).toBe('v2c');
    expect(peekSnmpVersion(msg(3))).toBe('v3');
    expect(peekSnmpVersion(msg(2))).toBeUndefined();
    // Long-form length (0x81 0x90).
    expect(peekSnmpVersion(Buffer.from([0x30, 0x81, 0x90, 0x02, 0x01, 0x01, 0x04]))).toBe('v2c');
    expect(peekSnmpVersion(Buffer.from('garbage\n'))).toBeUndefined();
    expect(peekSnmpVersion(Buffer.alloc(0))).toBeUndefined();
    expect(peekSnmpVersion(Buffer.from([0x30, 0x85, 1, 2, 3, 4, 5, 0x02]))).toBeUndefined();
  });
});
