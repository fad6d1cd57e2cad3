import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import type { MaintenanceWindowSpec } from '../incidents/maintenance-schema.js';

/** A maintenance window as stored: the validated spec plus who made it and its last state. */
export interface MaintenanceWindow extends MaintenanceWindowSpec {
  id: string;
  /** Backup jobs that run only inside this window (the backup feature reads it). */
  backupJobIds: string[];
  createdAt: string;
  createdBy: string;
  updatedAt: string;
  /** The occurrence in progress when the service last looked (for start/end events). */
  activeOccurrence?: { start: string; end: string };
}

export class MaintenanceStore {
  readonly sub: Sub<MaintenanceWindow>;
  constructor(db: Db) {
    this.sub = sub<MaintenanceWindow>(db, 'maintenance');
  }
  get(id: string): Promise<MaintenanceWindow | undefined> {
    return this.sub.get(id);
  }
  async list(): Promise<MaintenanceWindow[]> {
    return (await readAll(this.sub, {})).map(([, v]) => v);
  }
  putOp(w: MaintenanceWindow): BatchOp {
    return { type: 'put', sublevel: this.sub, key: w.id, value: w };
  }
  delOp(id: string): BatchOp {
    return { type: 'del', sublevel: this.sub, key: id };
  }
}
