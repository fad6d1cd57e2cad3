import type { Store } from '../store/store.js';
import type { Clock } from '../core/time.js';
import type { RequestContext } from '../auth/context.js';
import { notFound, validationFailed } from '../core/errors.js';
import { zodToAppError } from '../core/zod-errors.js';
import { actorLabel } from '../core/roles.js';
import { Mutex } from '../lib/mutex.js';
import { DEVICE_TYPES } from '../discovery/types.js';
import {
  DEFAULT_RULES,
  OverrideIndex,
  conditionText,
  overrideProblems,
  patchRule,
  ruleSchema,
  type OverrideInput,
  type OverrideScope,
  type Rule,
  type RuleOverride,
  type RulePatch,
} from './rules.js';
import { compareText } from '../lib/collate.js';

/** A rule as the API and the rules page show it. */
export interface RuleView extends Rule {
  /** The condition in words: "CPU load above 90 % for 15 min". */
  condition: string;
  /** An admin changed it from the built-in default. */
  edited: boolean;
  overrides: RuleOverride[];
}

/** What the engine needs, read once and kept until a rule or override changes. */
export interface RuleSnapshot {
  rules: readonly Rule[];
  overrides: readonly RuleOverride[];
  index: OverrideIndex;
}

const DEFAULTS = new Map(DEFAULT_RULES.map((r) => [r.id, r]));

function sameRule(a: Rule, b: Rule): boolean {
  const norm = (r: Rule) => JSON.stringify(Object.entries(r).sort(([x], [y]) => compareText(x, y)));
  return norm(a) === norm(b);
}

/** Differences between two rules as audit details: field → {from, to}. */
function changes(before: Rule, after: Rule): Record<string, { from: unknown; to: unknown }> {
  const out: Record<string, { from: unknown; to: unknown }> = {};
  for (const k of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = (before as Record<string, unknown>)[k];
    const b = (after as Record<string, unknown>)[k];
    if (JSON.stringify(a) !== JSON.stringify(b)) out[k] = { from: a ?? null, to: b ?? null };
  }
  return out;
}

/**
 * Monitoring rules: the built-in defaults as edited by admins, and overrides per device type and
 * per device. Every change is validated as a whole (an edit must leave a consistent rule) and
 * audited in the same batch.
 */
export class RuleService {
  private readonly lock = new Mutex();
  private cache: Promise<RuleSnapshot> | undefined;

  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  /** The rules in their built-in order with their overrides, for the engine. */
  snapshot(): Promise<RuleSnapshot> {
    this.cache ??= (async () => {
      const { store } = this.deps;
      const edited = new Map((await store.rules.listEdited()).map((r) => [r.id, r]));
      // A stored rule whose default is gone (a later version dropped it) is not evaluated.
      const rules = DEFAULT_RULES.map((d) => edited.get(d.id) ?? d);
      const overrides = (await store.rules.listOverrides()).filter((o) => DEFAULTS.has(o.ruleId));
      return { rules, overrides, index: new OverrideIndex(overrides) };
    })().catch((err: unknown) => {
      this.cache = undefined;
      throw err;
    });
    return this.cache;
  }

  private view(rule: Rule, overrides: readonly RuleOverride[]): RuleView {
    const d = DEFAULTS.get(rule.id);
    return {
      ...rule,
      condition: conditionText(rule),
      edited: d ? !sameRule(d, rule) : true,
      overrides: overrides
        .filter((o) => o.ruleId === rule.id)
        .sort((a, b) => compareText(a.scope, b.scope) || compareText(a.key, b.key)),
    };
  }

  /** Whether incidents of a rule resolve themselves when its alert clears (unknown rules: yes). */
  async autoResolves(ruleId: string | undefined): Promise<boolean> {
    if (!ruleId) return true;
    const rule = (await this.snapshot()).rules.find((r) => r.id === ruleId);
    return rule?.autoResolve ?? true;
  }

  async list(): Promise<RuleView[]> {
    const s = await this.snapshot();
    return s.rules.map((r) => this.view(r, s.overrides));
  }

  async get(id: string): Promise<RuleView> {
    const s = await this.snapshot();
    const rule = s.rules.find((r) => r.id === id);
    if (!rule) throw notFound('The rule');
    return this.view(rule, s.overrides);
  }

  /** Changes what may be changed on a rule; the result must still be a consistent rule. */
  update(id: string, patch: RulePatch, ctx: RequestContext): Promise<RuleView> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const before = await this.get(id);
      const { condition: _c, edited: _e, overrides: _o, ...rule } = before;
      const parsed = ruleSchema.safeParse(patchRule(rule, patch));
      if (!parsed.success) throw zodToAppError(parsed.error, 'The rule');
      const after = parsed.data;
      const diff = changes(rule, after);
      if (!Object.keys(diff).length) return before;
      const d = DEFAULTS.get(id)!;
      await store.write([
        // Back at its default, the rule is no longer stored: later defaults then reach it.
        sameRule(d, after) ? store.rules.delOp(id) : store.rules.putOp(after),
        store.audit.recordOp(ctx, 'rule.updated', `rule:${id}`, clock.now(), diff),
      ]);
      this.cache = undefined;
      return this.get(id);
    });
  }

  /** Puts a rule back to its built-in default (its overrides stay). */
  reset(id: string, ctx: RequestContext): Promise<RuleView> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const before = await this.get(id);
      if (!before.edited) return before;
      const { condition: _c, edited: _e, overrides: _o, ...rule } = before;
      await store.write([
        store.rules.delOp(id),
        store.audit.recordOp(
          ctx,
          'rule.reset',
          `rule:${id}`,
          clock.now(),
          changes(rule, DEFAULTS.get(id)!),
        ),
      ]);
      this.cache = undefined;
      return this.get(id);
    });
  }

  private async checkScope(scope: OverrideScope, key: string): Promise<string> {
    if (scope === 'type') {
      if (!(DEVICE_TYPES as readonly string[]).includes(key))
        throw validationFailed(`"${key}" is not a device type.`, {
          key: `Use one of: ${DEVICE_TYPES.join(', ')}.`,
        });
      return key;
    }
    const device = await this.deps.store.devices.get(key);
    if (!device) throw notFound('The device');
    return device.name;
  }

  /** Sets (replaces) the override of a rule for a device type or one device. */
  setOverride(
    id: string,
    scope: OverrideScope,
    key: string,
    input: OverrideInput,
    ctx: RequestContext,
  ): Promise<RuleOverride> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      const rule = await this.get(id);
      const name = await this.checkScope(scope, key);
      const problems = overrideProblems(rule, input);
      if (Object.keys(problems).length)
        throw validationFailed(
          `The override is not valid: ${Object.entries(problems)
            .map(([k, v]) => `${k}: ${v}`)
            .join('; ')}`,
          problems,
        );
      const now = clock.now();
      const before = await store.rules.getOverride(id, scope, key);
      const o: RuleOverride = {
        ...input,
        ruleId: id,
        scope,
        key,
        updatedAt: new Date(now).toISOString(),
        updatedBy: actorLabel(ctx.actor),
      };
      const strip = (x: RuleOverride | undefined) => {
        if (!x) return null;
        const { ruleId: _r, scope: _s, key: _k, updatedAt: _u, updatedBy: _b, ...rest } = x;
        return rest;
      };
      await store.write([
        store.rules.putOverrideOp(o),
        store.audit.recordOp(ctx, 'rule.override.set', `rule:${id}`, now, {
          scope,
          key,
          ...(scope === 'device' ? { device: name } : {}),
          from: strip(before),
          to: strip(o),
        }),
      ]);
      this.cache = undefined;
      return o;
    });
  }

  clearOverride(id: string, scope: OverrideScope, key: string, ctx: RequestContext): Promise<void> {
    return this.lock.run(async () => {
      const { store, clock } = this.deps;
      await this.get(id);
      const before = await store.rules.getOverride(id, scope, key);
      if (!before) throw notFound('The override');
      const { ruleId: _r, scope: _s, key: _k, updatedAt: _u, updatedBy: _b, ...was } = before;
      await store.write([
        store.rules.delOverrideOp(id, scope, key),
        store.audit.recordOp(ctx, 'rule.override.cleared', `rule:${id}`, clock.now(), {
          scope,
          key,
          was,
        }),
      ]);
      this.cache = undefined;
    });
  }

  /** Called after the store changed underneath (a device's overrides deleted with it). */
  invalidate(): void {
    this.cache = undefined;
  }
}
