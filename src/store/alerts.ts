import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import type { DeviceAlertState } from '../monitor/rule-engine.js';

/**
 * The rule engine's memory, one record per device: the alerts raised on it and the conditions
 * still pending. One record per device keeps an evaluation to one read and one write, in the
 * same batch as the events it produces.
 */
export class AlertsStore {
  readonly state: Sub<DeviceAlertState>;
  constructor(db: Db) {
    this.state = sub<DeviceAlertState>(db, 'alert-state');
  }
  get(deviceId: string): Promise<DeviceAlertState | undefined> {
    return this.state.get(deviceId) as Promise<DeviceAlertState | undefined>;
  }
  async list(): Promise<DeviceAlertState[]> {
    return (await readAll(this.state)).map(([, s]) => s);
  }
  /** Writes the state, or deletes it once nothing is raised or pending. */
  putOp(s: DeviceAlertState): BatchOp {
    return s.entries.length
      ? { type: 'put', sublevel: this.state, key: s.deviceId, value: s }
      : { type: 'del', sublevel: this.state, key: s.deviceId };
  }
  delOp(deviceId: string): BatchOp {
    return { type: 'del', sublevel: this.state, key: deviceId };
  }
}
