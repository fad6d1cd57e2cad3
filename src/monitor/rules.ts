import { z } from 'zod';
import { METRICS, isMetricName, type MetricName } from './types.js';
import { DEVICE_TYPES } from '../discovery/types.js';
import type { EventRecord } from '../store/types.js';

export type Severity = EventRecord['severity'];
export const SEVERITIES = ['info', 'warning', 'minor', 'major', 'critical'] as const;
const SEVERITY_RANK: Record<Severity, number> = {
  info: 0,
  warning: 1,
  minor: 2,
  major: 3,
  critical: 4,
};
export function severityRank(s: Severity): number {
  return SEVERITY_RANK[s];
}

/**
 * What a rule looks at:
 * - device-down / device-flapping: the reachability verdict of the observation;
 * - interface-down: important interfaces (uplinks, marked ones) that are enabled but not up;
 * - threshold: one value per instance (several metrics combined by max or sum) against a level;
 * - forecast: days until a storage is full, against a number of days;
 * - reboot: the uptime went back; clears by itself after clearAfterS.
 */
export const RULE_KINDS = [
  'device-down',
  'device-flapping',
  'interface-down',
  'threshold',
  'forecast',
  'reboot',
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];
export const RULE_OPS = ['>', '<', '='] as const;
export type RuleOp = (typeof RULE_OPS)[number];

const metricName = z.string().refine(isMetricName, 'Not a known metric.') as z.ZodType<MetricName>;
const severity = z.enum(SEVERITIES, 'Choose info, warning, minor, major or critical.');
const level = z.number('Enter a number.').finite('Enter a finite number.');
const forS = z
  .number('Enter a number of seconds.')
  .int('Use whole seconds.')
  .min(0, 'Cannot be negative.')
  .max(7 * 86_400, 'At most 7 days.');

const ruleObject = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,47}$/, 'Lower-case letters, digits and dashes.'),
    title: z.string().trim().min(1, 'Give the rule a title.').max(80, 'Use at most 80 characters.'),
    enabled: z.boolean(),
    kind: z.enum(RULE_KINDS),
    /** threshold: the metrics looked at, per instance; several are combined with `combine`. */
    metrics: z.array(metricName).min(1).max(4).optional(),
    combine: z.enum(['max', 'sum']).optional(),
    /** threshold and forecast: the comparison that raises the alert. */
    op: z.enum(RULE_OPS).optional(),
    threshold: level.optional(),
    /** Hysteresis: a raised alert clears only once the value is back past this level. */
    clearThreshold: level.optional(),
    /** The condition must hold this long before the alert is raised. */
    forS,
    /** …and for this many observations in a row (service checks: 2 failures, not one blip). */
    forCount: z.number().int().min(1, 'At least 1.').max(100, 'At most 100.').optional(),
    severity,
    /** A second level at which the same alert becomes worse (disk 95 %: critical). */
    escalate: z.object({ threshold: level, severity }).strict().optional(),
    /** Device types the rule applies to; every type when left out. */
    appliesTo: z.array(z.enum(DEVICE_TYPES)).max(DEVICE_TYPES.length).optional(),
    /** Interface metrics: every enabled interface, or only the important ones. */
    interfaces: z.enum(['all', 'important']).optional(),
    /** Whether the incident of this rule resolves by itself when the alert clears (default yes). */
    autoResolve: z.boolean().optional(),
    /** reboot: the alert clears by itself this long after the last restart. */
    clearAfterS: z
      .number()
      .int()
      .min(60, 'At least a minute.')
      .max(30 * 86_400)
      .optional(),
  })
  .strict();

type RuleShape = z.infer<typeof ruleObject>;

/** Consistency of a rule's fields with each other, reported against the field to fix. */
function checkRule(r: RuleShape, ctx: z.core.$RefinementCtx<RuleShape>): void {
  const issue = (path: string, message: string) =>
    ctx.addIssue({ code: 'custom', path: [path], message });
  if (r.kind === 'threshold' || r.kind === 'forecast') {
    if (r.op === undefined) issue('op', 'Choose a comparison.');
    if (r.threshold === undefined) issue('threshold', 'Enter a level.');
  }
  if (r.kind === 'threshold' && !r.metrics?.length) issue('metrics', 'Name the metric to watch.');
  if (r.kind === 'reboot' && r.clearAfterS === undefined)
    issue('clearAfterS', 'Say when the reboot alert clears by itself.');
  if (r.threshold === undefined || r.op === undefined) return;
  const unit = r.metrics?.[0] ? METRICS[r.metrics[0]].unit : r.kind === 'forecast' ? 'days' : '';
  if (unit === '%' && (r.threshold < 0 || r.threshold > 100))
    issue('threshold', 'A percentage is between 0 and 100.');
  if (r.kind === 'forecast' && r.threshold <= 0) issue('threshold', 'Enter a number of days.');
  if (r.clearThreshold !== undefined) {
    if (r.op === '>' && r.clearThreshold > r.threshold)
      issue('clearThreshold', `Must not be above the alert level (${r.threshold}).`);
    if (r.op === '<' && r.clearThreshold < r.threshold)
      issue('clearThreshold', `Must not be below the alert level (${r.threshold}).`);
  }
  if (r.escalate) {
    if (r.op === '>' && r.escalate.threshold < r.threshold)
      issue('escalate.threshold', `Must be at or above the alert level (${r.threshold}).`);
    if (r.op === '<' && r.escalate.threshold > r.threshold)
      issue('escalate.threshold', `Must be at or below the alert level (${r.threshold}).`);
    if (r.op === '=') issue('escalate', 'A yes/no condition has no second level.');
    if (severityRank(r.escalate.severity) <= severityRank(r.severity))
      issue('escalate.severity', `Must be worse than ${r.severity}.`);
  }
}

export const ruleSchema = ruleObject.superRefine(checkRule);
export type Rule = z.infer<typeof ruleSchema>;

/** What an admin may change on a rule (its kind, metrics and comparison stay what they are). */
export const rulePatchSchema = z
  .object({
    title: ruleObject.shape.title.optional(),
    enabled: z.boolean('Say true or false.').optional(),
    threshold: level.optional(),
    /** null: no hysteresis (clears as soon as the alert level is no longer passed). */
    clearThreshold: level.nullable().optional(),
    forS: forS.optional(),
    forCount: ruleObject.shape.forCount,
    severity: severity.optional(),
    /** null: no second level. */
    escalate: z.object({ threshold: level, severity }).strict().nullable().optional(),
    /** null: every device type. */
    appliesTo: z.array(z.enum(DEVICE_TYPES)).max(DEVICE_TYPES.length).nullable().optional(),
    interfaces: z.enum(['all', 'important']).optional(),
    clearAfterS: ruleObject.shape.clearAfterS,
    /** null: the default (incidents resolve by themselves). */
    autoResolve: z.boolean('Say true or false.').nullable().optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, 'Name at least one field to change.');
export type RulePatch = z.infer<typeof rulePatchSchema>;

/** Applies a patch; the result still has to pass ruleSchema. */
export function patchRule(rule: Rule, patch: RulePatch): Rule {
  const out: Record<string, unknown> = { ...rule };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (v !== undefined) out[k] = v;
  }
  return out as Rule;
}

export const OVERRIDE_SCOPES = ['type', 'device'] as const;
export type OverrideScope = (typeof OVERRIDE_SCOPES)[number];

/** What a device type or a single device may change on a rule. */
export const overrideInputSchema = z
  .object({
    enabled: z.boolean('Say true or false.').optional(),
    threshold: level.optional(),
    clearThreshold: level.optional(),
    forS: forS.optional(),
    severity: severity.optional(),
  })
  .strict()
  .refine(
    (o) => Object.keys(o).length > 0,
    'Name at least one of enabled, threshold, clearThreshold, forS, severity.',
  );
export type OverrideInput = z.infer<typeof overrideInputSchema>;

export interface RuleOverride extends OverrideInput {
  ruleId: string;
  scope: OverrideScope;
  /** A device type for scope 'type', a device id for scope 'device'. */
  key: string;
  updatedAt: string;
  updatedBy: string;
}

/** Problems of an override against its rule, by field (empty when it is fine). */
export function overrideProblems(rule: Rule, o: OverrideInput): Record<string, string> {
  const out: Record<string, string> = {};
  const valueKind = rule.kind === 'threshold' || rule.kind === 'forecast';
  if (!valueKind) {
    if (o.threshold !== undefined) out.threshold = 'This rule has no level to change.';
    if (o.clearThreshold !== undefined) out.clearThreshold = 'This rule has no level to change.';
  }
  const t = o.threshold ?? rule.threshold;
  const unit = rule.metrics?.[0] ? METRICS[rule.metrics[0]].unit : '';
  if (valueKind && o.threshold !== undefined) {
    if (unit === '%' && (o.threshold < 0 || o.threshold > 100))
      out.threshold = 'A percentage is between 0 and 100.';
    if (unit === 'bool' && o.threshold !== 0 && o.threshold !== 1)
      out.threshold = 'A yes/no value is 0 or 1.';
    if (rule.kind === 'forecast' && o.threshold <= 0) out.threshold = 'Enter a number of days.';
  }
  if (valueKind && o.clearThreshold !== undefined && t !== undefined) {
    if (rule.op === '>' && o.clearThreshold > t)
      out.clearThreshold = `Must not be above the alert level (${t}).`;
    if (rule.op === '<' && o.clearThreshold < t)
      out.clearThreshold = `Must not be below the alert level (${t}).`;
  }
  return out;
}

/** A rule as it applies to one device, after its type's and its own overrides. */
export interface EffectiveRule extends Rule {
  /** Whether the rule is evaluated on this device at all. */
  applies: boolean;
  /** Where each overridable value came from. */
  from: Partial<Record<keyof OverrideInput, OverrideScope>>;
}

/** Overrides of one rule by scope and key, for quick resolution per device. */
export class OverrideIndex {
  private readonly map = new Map<string, RuleOverride>();
  /** Rules with an override for some device: resolved per device, the others per type. */
  private readonly perDevice = new Set<string>();
  /** effective(): a rule resolved per device type (the same for every device of the type). */
  private readonly byType = new Map<Rule, Map<string, EffectiveRule>>();
  constructor(overrides: readonly RuleOverride[]) {
    for (const o of overrides) {
      this.map.set(`${o.ruleId}\u0000${o.scope}\u0000${o.key}`, o);
      if (o.scope === 'device') this.perDevice.add(o.ruleId);
    }
  }
  get(ruleId: string, scope: OverrideScope, key: string): RuleOverride | undefined {
    return this.map.get(`${ruleId}\u0000${scope}\u0000${key}`);
  }
  /**
   * effectiveRule(), resolved once per (rule, device type) unless a device has an override of
   * the rule: the engine asks for every rule of every device each cycle. The result is shared:
   * callers must not change it.
   */
  effective(rule: Rule, device: { id: string; type: string }): EffectiveRule {
    if (this.perDevice.has(rule.id)) return effectiveRule(rule, this, device);
    let types = this.byType.get(rule);
    if (!types) this.byType.set(rule, (types = new Map()));
    let eff = types.get(device.type);
    if (!eff) types.set(device.type, (eff = effectiveRule(rule, this, device)));
    return eff;
  }
}

/**
 * Resolves a rule for one device: device override, then type override, then the rule, field by
 * field. A layer that moves the alert level without naming a clear level keeps the rule's gap
 * between the two, so hysteresis survives a changed threshold.
 */
export function effectiveRule(
  rule: Rule,
  overrides: OverrideIndex,
  device: { id: string; type: string },
): EffectiveRule {
  const layers: Array<[OverrideScope, RuleOverride | undefined]> = [
    ['type', overrides.get(rule.id, 'type', device.type)],
    ['device', overrides.get(rule.id, 'device', device.id)],
  ];
  const from: EffectiveRule['from'] = {};
  let applies =
    rule.enabled &&
    (!rule.appliesTo || rule.appliesTo.includes(device.type as (typeof DEVICE_TYPES)[number]));
  let threshold = rule.threshold;
  let clear = rule.clearThreshold ?? rule.threshold;
  let { forS: holdS, severity: sev } = rule;
  for (const [scope, o] of layers) {
    if (!o) continue;
    if (o.enabled !== undefined) {
      applies = o.enabled;
      from.enabled = scope;
    }
    if (o.threshold !== undefined) {
      if (o.clearThreshold === undefined && clear !== undefined && threshold !== undefined)
        clear = o.threshold + (clear - threshold);
      threshold = o.threshold;
      from.threshold = scope;
    }
    if (o.clearThreshold !== undefined) {
      clear = o.clearThreshold;
      from.clearThreshold = scope;
    }
    if (o.forS !== undefined) {
      holdS = o.forS;
      from.forS = scope;
    }
    if (o.severity !== undefined) {
      sev = o.severity;
      from.severity = scope;
    }
  }
  // Layers set separately can leave the clear level on the alarming side: no hysteresis then.
  if (threshold !== undefined && clear !== undefined) {
    if (rule.op === '>' && clear > threshold) clear = threshold;
    if (rule.op === '<' && clear < threshold) clear = threshold;
    if (rule.op === '=') clear = threshold;
  }
  const out: EffectiveRule = { ...rule, applies, from, forS: holdS, severity: sev };
  if (threshold !== undefined) out.threshold = threshold;
  if (clear !== undefined) out.clearThreshold = clear;
  return out;
}

// ---- words ---------------------------------------------------------------------------------

/** '93 %', '1.5 /s', '45 °C', '8 min', '5 days'. */
export function formatValue(v: number, unit: string): string {
  const n = Math.abs(v) >= 10 || Number.isInteger(v) ? String(Math.round(v)) : v.toFixed(1);
  if (unit === 'bool') return v ? 'yes' : 'no';
  if (unit === 'days') return `${n} day${n === '1' ? '' : 's'}`;
  if (unit === '/s') return `${n}/s`;
  return unit ? `${n} ${unit}` : n;
}

/** '30 s', '15 min', '1 h', '1 h 30 min', '2 days'. */
export function formatSeconds(s: number): string {
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) {
    const h = Math.floor(s / 3600);
    const m = Math.round((s % 3600) / 60);
    return m ? `${h} h ${m} min` : `${h} h`;
  }
  const d = Math.round(s / 86_400);
  return `${d} day${d === 1 ? '' : 's'}`;
}

export function ruleUnit(rule: Pick<Rule, 'kind' | 'metrics'>): string {
  if (rule.kind === 'forecast') return 'days';
  const m = rule.metrics?.[0];
  return m ? METRICS[m].unit : '';
}

const OP_WORDS: Record<RuleOp, string> = { '>': 'above', '<': 'below', '=': 'is' };

function subject(rule: Rule): string {
  const titles = (rule.metrics ?? []).map((m) => METRICS[m].title);
  if (titles.length <= 1) return titles[0] ?? 'Value';
  // "Input errors" + "Output errors" → "Errors (in + out)"; "Utilisation in"/"out" likewise.
  const core = (t: string) => t.replace(/ (in|out)$/i, '').replace(/^(input|output) /i, '');
  const lead = core(titles[0]!);
  if (titles.every((t) => core(t) === lead))
    return `${lead[0]!.toUpperCase()}${lead.slice(1)} (${rule.combine === 'sum' ? 'in + out' : 'in or out'})`;
  return titles.join(rule.combine === 'sum' ? ' + ' : ' or ');
}

/** The condition in words, for the rules table: "CPU load above 90 % for 15 min". */
export function conditionText(rule: Rule): string {
  const unit = ruleUnit(rule);
  const hold = rule.forS > 0 ? ` for ${formatSeconds(rule.forS)}` : '';
  const times = (rule.forCount ?? 1) > 1 ? `, ${rule.forCount} checks in a row` : '';
  let text: string;
  switch (rule.kind) {
    case 'device-down':
      text = 'Device not reachable';
      break;
    case 'device-flapping':
      text = 'Reachability keeps changing';
      break;
    case 'interface-down':
      text = `An ${rule.interfaces === 'all' ? '' : 'important '}interface that is enabled is not up`;
      break;
    case 'reboot':
      text = `Uptime went back (a restart); clears after ${formatSeconds(rule.clearAfterS ?? 3600)}`;
      break;
    case 'forecast':
      text = `Storage forecast to be full within ${formatValue(rule.threshold ?? 0, 'days')}`;
      break;
    case 'threshold':
      text =
        unit === 'bool'
          ? `${subject(rule)}: ${formatValue(rule.threshold ?? 0, 'bool')}`
          : `${subject(rule)} ${OP_WORDS[rule.op ?? '>']} ${formatValue(rule.threshold ?? 0, unit)}`;
      break;
  }
  const scope =
    rule.interfaces === 'important' && rule.kind === 'threshold' ? ' (important interfaces)' : '';
  const worse = rule.escalate
    ? `; ${rule.escalate.severity} ${OP_WORDS[rule.op ?? '>']} ${formatValue(rule.escalate.threshold, unit)}`
    : '';
  return `${text}${scope}${hold}${times}${worse}`;
}

// ---- the rules a box starts with --------------------------------------------------------------

/**
 * The rules a fresh box starts with: what a branch office wants to hear about on day one. Each is
 * editable; an edited rule is stored whole and replaces its default here, so defaults added by a
 * later version appear on their own.
 */
export const DEFAULT_RULES: readonly Rule[] = [
  {
    id: 'device-down',
    title: 'Device down',
    enabled: true,
    kind: 'device-down',
    forS: 0,
    severity: 'critical',
  },
  {
    id: 'device-flapping',
    title: 'Device flapping',
    enabled: true,
    kind: 'device-flapping',
    forS: 0,
    severity: 'minor',
  },
  {
    id: 'interface-down',
    title: 'Important interface down',
    enabled: true,
    kind: 'interface-down',
    interfaces: 'important',
    forS: 0,
    severity: 'major',
  },
  {
    id: 'interface-errors',
    title: 'Interface errors',
    enabled: true,
    kind: 'threshold',
    metrics: ['if.in_errors_ps', 'if.out_errors_ps'],
    combine: 'sum',
    op: '>',
    threshold: 1,
    clearThreshold: 0.2,
    forS: 600,
    severity: 'minor',
    interfaces: 'all',
  },
  {
    id: 'interface-discards',
    title: 'Interface discards',
    enabled: true,
    kind: 'threshold',
    metrics: ['if.in_discards_ps', 'if.out_discards_ps'],
    combine: 'sum',
    op: '>',
    threshold: 10,
    clearThreshold: 2,
    forS: 600,
    severity: 'warning',
    interfaces: 'all',
  },
  {
    id: 'interface-utilisation',
    title: 'Interface utilisation high',
    enabled: true,
    kind: 'threshold',
    metrics: ['if.in_util_pct', 'if.out_util_pct'],
    combine: 'max',
    op: '>',
    threshold: 90,
    clearThreshold: 80,
    forS: 900,
    severity: 'minor',
    interfaces: 'all',
  },
  {
    id: 'cpu-high',
    title: 'CPU load high',
    enabled: true,
    kind: 'threshold',
    metrics: ['cpu.load_pct'],
    op: '>',
    threshold: 90,
    clearThreshold: 80,
    forS: 900,
    severity: 'minor',
  },
  {
    id: 'memory-high',
    title: 'Memory almost full',
    enabled: true,
    kind: 'threshold',
    metrics: ['mem.used_pct'],
    op: '>',
    threshold: 95,
    clearThreshold: 90,
    forS: 900,
    severity: 'minor',
  },
  {
    id: 'storage-full',
    title: 'Storage almost full',
    enabled: true,
    kind: 'threshold',
    metrics: ['storage.used_pct'],
    op: '>',
    threshold: 90,
    clearThreshold: 88,
    forS: 0,
    severity: 'major',
    escalate: { threshold: 95, severity: 'critical' },
  },
  {
    id: 'storage-forecast',
    title: 'Storage filling up',
    enabled: true,
    kind: 'forecast',
    op: '<',
    threshold: 14,
    clearThreshold: 21,
    forS: 0,
    severity: 'warning',
  },
  {
    id: 'reboot',
    title: 'Device restarted',
    enabled: true,
    kind: 'reboot',
    forS: 0,
    severity: 'warning',
    clearAfterS: 3600,
  },
  {
    id: 'supply-low',
    title: 'Printer supply low',
    enabled: true,
    kind: 'threshold',
    metrics: ['printer.supply_pct'],
    op: '<',
    threshold: 10,
    clearThreshold: 15,
    forS: 0,
    severity: 'warning',
  },
  {
    id: 'ups-on-battery',
    title: 'UPS on battery',
    enabled: true,
    kind: 'threshold',
    metrics: ['ups.on_battery'],
    op: '=',
    threshold: 1,
    forS: 0,
    severity: 'major',
  },
  {
    id: 'ups-battery-low',
    title: 'UPS battery low',
    enabled: true,
    kind: 'threshold',
    metrics: ['ups.battery_pct'],
    op: '<',
    threshold: 30,
    clearThreshold: 40,
    forS: 0,
    severity: 'critical',
  },
  {
    id: 'ups-runtime-low',
    title: 'UPS runtime low',
    enabled: true,
    kind: 'threshold',
    metrics: ['ups.runtime_min'],
    op: '<',
    threshold: 10,
    clearThreshold: 15,
    forS: 0,
    severity: 'critical',
  },
  {
    id: 'temperature-high',
    title: 'Temperature high',
    enabled: true,
    kind: 'threshold',
    metrics: ['sensor.temp_c'],
    op: '>',
    threshold: 45,
    clearThreshold: 42,
    forS: 300,
    severity: 'major',
  },
  {
    id: 'certificate-expiring',
    title: 'Certificate expiring',
    enabled: true,
    kind: 'threshold',
    metrics: ['svc.cert_days'],
    op: '<',
    threshold: 21,
    forS: 0,
    severity: 'warning',
    escalate: { threshold: 7, severity: 'critical' },
  },
  {
    id: 'service-failing',
    title: 'Service check failing',
    enabled: true,
    kind: 'threshold',
    metrics: ['svc.up'],
    op: '=',
    threshold: 0,
    forS: 0,
    forCount: 2,
    severity: 'major',
  },
];
