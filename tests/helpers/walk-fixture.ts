import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Varbind } from '../../src/snmp/types.js';

/**
 * Reads a recorded `snmpwalk -On -Ob -Oe` output (tests/fixtures/snmp/*.walk) into the varbinds
 * the decoders take. Hex-STRING and quoted STRING values may continue on following lines.
 */
export function parseWalk(textIn: string): Varbind[] {
  const out: Varbind[] = [];
  const lines = textIn.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const m = /^\.?([\d.]+) = (?:([A-Za-z0-9-]+): )?([\s\S]*)$/.exec(line); // values may hold \r
    if (!m) continue;
    const oid = m[1]!;
    const type = m[2];
    let value = m[3]!;
    if (type === 'Hex-STRING') {
      while (
        i + 1 < lines.length &&
        /^[0-9A-F]{2}( [0-9A-F]{2})* ?$/i.test(lines[i + 1]!.trim()) &&
        !lines[i + 1]!.startsWith('.')
      )
        value += ` ${lines[++i]!.trim()}`;
      out.push({ oid, type: 'str', value: Buffer.from(value.replace(/\s+/g, ''), 'hex') });
      continue;
    }
    if (type === 'STRING' || (type === undefined && value.startsWith('"'))) {
      while (!/(^|[^\\])"$/.test(value.trim()) || value.trim() === '"') {
        if (i + 1 >= lines.length) break;
        value += `\n${lines[++i]!}`;
      }
      const s = value.trim().replace(/^"/, '').replace(/"$/, '').replace(/\\"/g, '"');
      out.push({ oid, type: 'str', value: Buffer.from(s, 'utf8') });
      continue;
    }
    switch (type) {
      case 'INTEGER':
        out.push({ oid, type: 'int', value: Number.parseInt(value, 10) });
        break;
      case 'OID':
        out.push({ oid, type: 'oid', value: value.replace(/^\./, '') });
        break;
      case 'Timeticks':
        out.push({ oid, type: 'ticks', value: Number(/\((\d+)\)/.exec(value)?.[1] ?? 0) });
        break;
      case 'Counter32':
        out.push({ oid, type: 'counter32', value: Number(value) });
        break;
      case 'Gauge32':
        out.push({ oid, type: 'gauge32', value: Number(value) });
        break;
      case 'Counter64':
        out.push({ oid, type: 'counter64', value: BigInt(value) });
        break;
      case 'IpAddress':
        out.push({ oid, type: 'ip', value });
        break;
      default:
        out.push({ oid, type: 'null' });
    }
  }
  return out;
}

export function loadWalk(name: string): Varbind[] {
  return parseWalk(readFileSync(path.resolve('tests/fixtures/snmp', name), 'utf8'));
}
