import type { Db, BatchOp, Sub } from './db.js';
import { sub } from './db.js';
import type { DiscoverySettings, SetupState, SiteSettings } from './types.js';

/** Small singleton records: settings of the site and of each feature, and the store's meta data. */
export class SettingsStore {
  readonly sub: Sub<unknown>;
  readonly meta: Sub<unknown>;
  constructor(db: Db) {
    this.sub = sub<unknown>(db, 'settings');
    this.meta = sub<unknown>(db, 'meta');
  }

  async site(): Promise<SiteSettings | undefined> {
    return (await this.sub.get('site')) as SiteSettings | undefined;
  }
  siteOp(site: SiteSettings): BatchOp {
    return { type: 'put', sublevel: this.sub, key: 'site', value: site };
  }

  async discovery(): Promise<DiscoverySettings | undefined> {
    return (await this.sub.get('discovery')) as DiscoverySettings | undefined;
  }
  discoveryOp(d: DiscoverySettings): BatchOp {
    return { type: 'put', sublevel: this.sub, key: 'discovery', value: d };
  }

  async schemaVersion(): Promise<number | undefined> {
    return (await this.meta.get('schemaVersion')) as number | undefined;
  }
  async boxId(): Promise<string | undefined> {
    return (await this.meta.get('boxId')) as string | undefined;
  }
  boxIdOp(id: string): BatchOp {
    return { type: 'put', sublevel: this.meta, key: 'boxId', value: id };
  }

  async setup(): Promise<SetupState | undefined> {
    return (await this.meta.get('setup')) as SetupState | undefined;
  }
  setupOp(state: SetupState | undefined): BatchOp {
    return state
      ? { type: 'put', sublevel: this.meta, key: 'setup', value: state }
      : { type: 'del', sublevel: this.meta, key: 'setup' };
  }
}
