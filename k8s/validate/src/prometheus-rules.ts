import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
import { finding, type Finding } from './findings.js';
import { parsePromql } from './promql.js';
import type { RenderedObject } from './render-chart.js';
import type { Obj } from './rendered-objects.js';

/**
 * The pipeline's Prometheus rules file (k8s/spotify-pipeline/files/prometheus-rules.yaml), checked
 * as Prometheus would load it and for what makes an alert useful here:
 * - the rule-file structure (groups, unique names, known keys, durations);
 * - every expression parses (Prometheus' own PromQL grammar);
 * - every aggregation keeps `namespace` and `job`, so an alert names the release it is about and two
 *   releases in one Prometheus are never summed into one alert;
 * - the annotations only use labels the expression's result has (a dropped label renders empty);
 * - severity is one a router knows, and each alert says what happened and what to look at.
 * Metric names are checked by metric-names.ts like every other file that names metrics.
 */
const RELEASE_LABELS = ['namespace', 'job'];
const SEVERITIES = ['critical', 'warning', 'info'];
const RULE_KEYS = ['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'];
const DURATION = /^([0-9]+(ms|s|m|h|d|w|y))+$/;
// An alert name doubles as the CloudFormation logical id of its CloudWatch alarm: alphanumeric.
const ALERT_NAME = /^[A-Z][A-Za-z0-9]*$/;

export interface AlertRule {
  alert: string;
  expr: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export interface RulesCheck {
  alerts: AlertRule[];
  findings: Finding[];
}

export function checkPrometheusRules(file: string): RulesCheck {
  const check = 'prometheus rules';
  const findings: Finding[] = [];
  const problem = (message: string) => findings.push(finding(check, file, message));
  const document = parseDocument(readFileSync(file, 'utf8'), { uniqueKeys: true });
  if (document.errors.length > 0) {
    problem(`does not parse: ${document.errors[0]?.message}`);
    return { alerts: [], findings };
  }
  const groups = (document.toJS() as Obj | null)?.groups;
  if (!Array.isArray(groups) || groups.length === 0) {
    problem('has no groups');
    return { alerts: [], findings };
  }
  const alerts: AlertRule[] = [];
  const groupNames = new Set<string>();
  for (const group of groups as Obj[]) {
    if (typeof group?.name !== 'string' || group.name === '') problem('a group has no name');
    else if (groupNames.has(group.name)) problem(`group ${group.name} appears twice`);
    groupNames.add(group?.name);
    if (group?.interval !== undefined && !DURATION.test(String(group.interval))) problem(`group ${group.name}: interval ${group.interval} is not a duration`);
    if (!Array.isArray(group?.rules) || group.rules.length === 0) problem(`group ${group?.name}: has no rules`);
    for (const rule of (group?.rules ?? []) as Obj[]) {
      const where = `${group.name}/${rule.alert ?? rule.record ?? '(unnamed)'}`;
      for (const message of ruleProblems(rule, alerts)) problem(`${where}: ${message}`);
      if (typeof rule.alert === 'string') alerts.push(rule as AlertRule);
    }
  }
  return { alerts, findings };
}

function ruleProblems(rule: Obj, seen: readonly AlertRule[]): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(rule).filter((k) => !RULE_KEYS.includes(k))) problems.push(`unknown key ${key}`);
  if (typeof rule.record === 'string') return [...problems, 'recording rules do not belong in the alerts file'];
  if (typeof rule.alert !== 'string' || !ALERT_NAME.test(rule.alert)) problems.push(`alert name ${rule.alert} must be CamelCase letters and digits (it is also the CloudWatch alarm's logical id)`);
  if (seen.some((other) => other.alert === rule.alert)) problems.push('alert name used twice');
  for (const key of ['for', 'keep_firing_for']) if (rule[key] !== undefined && !DURATION.test(String(rule[key]))) problems.push(`${key} ${rule[key]} is not a duration`);
  if (!SEVERITIES.includes(rule.labels?.severity)) problems.push(`labels.severity must be one of ${SEVERITIES.join(', ')}`);
  for (const key of ['summary', 'description']) if (typeof rule.annotations?.[key] !== 'string' || rule.annotations[key].trim() === '') problems.push(`annotations.${key} is missing`);
  if (typeof rule.expr !== 'string' || rule.expr.trim() === '') return [...problems, 'has no expr'];
  const parsed = parsePromql(rule.expr);
  if (parsed.error) return [...problems, `expr: ${parsed.error}`];
  for (const aggregation of parsed.aggregations) {
    const kept = aggregation.modifier === 'by' ? aggregation.labels : aggregation.modifier === 'without' ? RELEASE_LABELS.filter((l) => !aggregation.labels.includes(l)) : [];
    const dropped = RELEASE_LABELS.filter((l) => !kept.includes(l));
    if (dropped.length > 0) problems.push(`${aggregation.op}${aggregation.modifier ? ` ${aggregation.modifier} (${aggregation.labels.join(', ')})` : ''} drops ${dropped.join(' and ')}: the alert would sum every release together and name none`);
  }
  const outermost = parsed.aggregations.filter((a) => a.outermost && a.modifier === 'by');
  if (outermost.length > 0 && outermost.length === parsed.aggregations.filter((a) => a.outermost).length) {
    const available = outermost.map((a) => a.labels).reduce((common, labels) => common.filter((l) => labels.includes(l)));
    const used = Object.values(rule.annotations ?? {}).flatMap((text) => [...String(text).matchAll(/\$labels\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!));
    for (const label of new Set(used.filter((l) => !available.includes(l)))) problems.push(`annotations use $labels.${label}, which the expression's result does not have (by: ${available.join(', ')})`);
  }
  return problems;
}

/**
 * The chart's PrometheusRule must carry the rules file's alerts unchanged (some may be disabled by
 * prometheusRule.disabledAlerts): the chart reads the file, and this catches a template that stops
 * doing so.
 */
export function checkRenderedPrometheusRules(objects: readonly RenderedObject[], alerts: readonly AlertRule[], label: string): Finding[] {
  const findings: Finding[] = [];
  const normalise = (expr: unknown) => String(expr ?? '').trim();
  for (const { source, object } of objects.filter((o) => o.object.kind === 'PrometheusRule')) {
    const rendered = (((object as Obj).spec?.groups ?? []) as Obj[]).flatMap((g) => (g.rules ?? []) as Obj[]);
    if (rendered.length === 0) findings.push(finding(`prometheus rules (${label})`, source, `PrometheusRule/${object.metadata.name} has no rules`));
    for (const rule of rendered) {
      const original = alerts.find((a) => a.alert === rule.alert);
      const where = `PrometheusRule/${object.metadata.name} ${rule.alert}`;
      if (!original) findings.push(finding(`prometheus rules (${label})`, source, `${where} is not in the shared rules file`));
      else if (normalise(original.expr) !== normalise(rule.expr) || original.for !== rule.for) findings.push(finding(`prometheus rules (${label})`, source, `${where} differs from the shared rules file`));
    }
  }
  return findings;
}
