import type { Db, BatchOp, Sub } from './db.js';
import { sub, readAll } from './db.js';
import { key, prefixRange } from './keys.js';
import type { Rule, RuleOverride, OverrideScope } from '../monitor/rules.js';

/**
 * Monitoring rules an admin edited (a rule never edited is its built-in default and is not
 * stored) and the overrides per device type and per device, keyed `ruleId!scope!key`.
 */
export class RulesStore {
  readonly rules: Sub<Rule>;
  readonly overrides: Sub<RuleOverride>;
  constructor(db: Db) {
    this.rules = sub<Rule>(db, 'rules');
    this.overrides = sub<RuleOverride>(db, 'rule-overrides');
  }
  async listEdited(): Promise<Rule[]> {
    return (await readAll(this.rules)).map(([, r]) => r);
  }
  putOp(r: Rule): BatchOp {
    return { type: 'put', sublevel: this.rules, key: r.id, value: r };
  }
  delOp(id: string): BatchOp {
    return { type: 'del', sublevel: this.rules, key: id };
  }

  async listOverrides(): Promise<RuleOverride[]> {
    return (await readAll(this.overrides)).map(([, o]) => o);
  }
  async overridesOf(ruleId: string): Promise<RuleOverride[]> {
    return (await readAll(this.overrides, prefixRange(ruleId))).map(([, o]) => o);
  }
  getOverride(ruleId: string, scope: OverrideScope, k: string): Promise<RuleOverride | undefined> {
    return this.overrides.get(key(ruleId, scope, k)) as Promise<RuleOverride | undefined>;
  }
  putOverrideOp(o: RuleOverride): BatchOp {
    return { type: 'put', sublevel: this.overrides, key: key(o.ruleId, o.scope, o.key), value: o };
  }
  delOverrideOp(ruleId: string, scope: OverrideScope, k: string): BatchOp {
    return { type: 'del', sublevel: this.overrides, key: key(ruleId, scope, k) };
  }
  /** Deletes of every override naming this device (for a device that is deleted). */
  async deviceOverrideDelOps(deviceId: string): Promise<BatchOp[]> {
    return (await this.listOverrides())
      .filter((o) => o.scope === 'device' && o.key === deviceId)
      .map((o) => this.delOverrideOp(o.ruleId, o.scope, o.key));
  }
}
