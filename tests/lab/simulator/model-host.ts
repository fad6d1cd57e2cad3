/**
 * A Linux server's HOST-RESOURCES-MIB view: processors whose load wanders, memory in use, and
 * file systems that fill slowly. Enough for CPU, memory and storage checks at scale.
 */
import { rand, randInt } from './random.js';

export interface HostStorage {
  index: number;
  /** hrStorageType OID */
  type: string;
  descr: string;
  unitBytes: number;
  sizeUnits: number;
  usedAtStart: number;
  /** units per hour (0 for RAM, which wanders instead) */
  growthPerHour: number;
  ram?: boolean;
}

export interface HostModel {
  cpus: number;
  meanCpuLoad: number;
  memoryKB: number;
  processes: number;
  storage: HostStorage[];
  cpuDescr: string;
}

const HR_STORAGE = '1.3.6.1.2.1.25.2.1';

export function buildHost(seed: number): HostModel {
  const memoryKB = 16 * 1024 * 1024 - randInt(seed, 300_000, 420_000, 'mem-reserved');
  const rootBlocks = 25_000_000;
  const srvBlocks = 480_000_000;
  return {
    cpus: 4,
    meanCpuLoad: randInt(seed, 4, 45, 'cpu'),
    memoryKB,
    processes: randInt(seed, 140, 260, 'procs'),
    cpuDescr: 'GenuineIntel: Intel(R) Xeon(R) E-2314 CPU @ 2.80GHz',
    storage: [
      {
        index: 1,
        type: `${HR_STORAGE}.2`,
        descr: 'Physical memory',
        unitBytes: 1024,
        sizeUnits: memoryKB,
        usedAtStart: Math.floor(memoryKB * (0.3 + 0.5 * rand(seed, 'mem-used'))),
        growthPerHour: 0,
        ram: true,
      },
      {
        index: 3,
        type: `${HR_STORAGE}.3`,
        descr: 'Virtual memory',
        unitBytes: 1024,
        sizeUnits: memoryKB + 4_194_300,
        usedAtStart: Math.floor(memoryKB * (0.3 + 0.5 * rand(seed, 'mem-used'))),
        growthPerHour: 0,
        ram: true,
      },
      {
        index: 10,
        type: `${HR_STORAGE}.3`,
        descr: 'Swap space',
        unitBytes: 1024,
        sizeUnits: 4_194_300,
        usedAtStart: randInt(seed, 0, 200_000, 'swap'),
        growthPerHour: 0,
      },
      {
        index: 31,
        type: `${HR_STORAGE}.4`,
        descr: '/',
        unitBytes: 4096,
        sizeUnits: rootBlocks,
        usedAtStart: Math.floor(rootBlocks * (0.2 + 0.5 * rand(seed, 'root'))),
        growthPerHour: randInt(seed, 10, 400, 'root-growth'),
      },
      {
        index: 36,
        type: `${HR_STORAGE}.4`,
        descr: '/srv',
        unitBytes: 4096,
        sizeUnits: srvBlocks,
        usedAtStart: Math.floor(srvBlocks * (0.4 + 0.5 * rand(seed, 'srv'))),
        growthPerHour: randInt(seed, 2_000, 40_000, 'srv-growth'),
      },
    ],
  };
}

export function storageUsed(h: HostModel, s: HostStorage, elapsedS: number): number {
  if (s.ram) {
    const wave = 0.05 * s.sizeUnits * Math.sin(elapsedS / 900 + s.index);
    return Math.max(0, Math.min(s.sizeUnits, Math.floor(s.usedAtStart + wave)));
  }
  return Math.min(s.sizeUnits, Math.floor(s.usedAtStart + (elapsedS / 3600) * s.growthPerHour));
}

/** hrProcessorLoad: the average over the last minute, per CPU (0..100). */
export function cpuLoad(h: HostModel, cpu: number, elapsedS: number): number {
  const minute = Math.floor(elapsedS / 60);
  const noise = (Math.sin(minute * 12.9898 + cpu * 78.233) * 43758.5453) % 1;
  const wave = Math.sin(elapsedS / 1200 + cpu);
  return Math.max(0, Math.min(100, Math.round(h.meanCpuLoad * (1 + 0.4 * wave) + 8 * noise)));
}
