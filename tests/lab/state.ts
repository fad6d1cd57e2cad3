/**
 * A lab's record of what it created (`lab.json` in its temp directory), written before anything is
 * created. When the process that owned a lab died without stopping it (a killed test worker), the
 * next lab finds the record and removes exactly what it lists: namespaces named ctl-<id>-*, the
 * root-side veth, the processes inside those namespaces and the temp directory. Labs whose owner
 * is alive are never touched, so concurrent labs (parallel test files) are safe.
 */
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { namespacePids, nsPrefix, removeNetwork } from './network.js';
import { sleep } from './proc.js';

export const TEMP_PREFIX = 'caretaker-lab-';

export interface LabRecord {
  id: string;
  ownerPid: number;
  createdAt: string;
  namespaces: string[];
  rootInterfaces: string[];
}

export async function writeRecord(dir: string, record: LabRecord): Promise<void> {
  await writeFile(path.join(dir, 'lab.json'), `${JSON.stringify(record, null, 2)}\n`);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes labs whose owner process is gone. Returns the ids removed. Never throws. */
export async function cleanupStaleLabs(log?: (line: string) => void): Promise<string[]> {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = (await readdir(os.tmpdir())).filter((e) => e.startsWith(TEMP_PREFIX));
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const dir = path.join(os.tmpdir(), entry);
    let record: LabRecord;
    try {
      record = JSON.parse(await readFile(path.join(dir, 'lab.json'), 'utf8')) as LabRecord;
    } catch {
      continue; // not written yet by a lab that is starting, or not ours
    }
    if (!/^[a-z0-9]{5}$/.test(record.id) || alive(record.ownerPid)) continue;
    const namespaces = record.namespaces.filter((n) => n.startsWith(nsPrefix(record.id)));
    const rootIfs = record.rootInterfaces.filter((n) => n.startsWith(`ctl-${record.id}-`));
    for (const ns of namespaces) {
      for (const pid of await namespacePids(ns)) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
    }
    await sleep(100);
    await removeNetwork(namespaces, rootIfs);
    await rm(dir, { recursive: true, force: true }).catch(() => undefined);
    removed.push(record.id);
    log?.(`removed stale lab ${record.id} (owner pid ${record.ownerPid} is gone)`);
  }
  return removed;
}
