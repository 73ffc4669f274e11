import { readFileSync } from 'node:fs';
import { parseTemplate } from './cloudformation.js';
import { finding, type Finding } from './findings.js';
import type { Obj } from './rendered-objects.js';
import { PIPELINE_SERVICES } from './services.js';

/**
 * The CloudWatch alarms as code (deploy/cloudwatch/alarms.yaml), checked offline where cfn-lint is
 * not to be had:
 * - a CloudFormation template (cloudformation.ts), every resource an AWS::CloudWatch::Alarm with the
 *   properties CloudFormation accepts, the required ones present and the values in their domains;
 * - every alarm notifies someone (AlarmActions);
 * - every metric one the CloudWatch agent of the chart actually publishes, under its namespace and
 *   with exactly one of the dimension sets it publishes that metric with (CloudWatch identifies a
 *   metric by name and dimensions: any other set is a metric with no data, an alarm that never fires);
 * - the Service dimension names the service that registers the metric;
 * - one alarm per Prometheus alert, with the alert's name as its logical id, and no other.
 */
const PROPERTIES = [
  'ActionsEnabled', 'AlarmActions', 'AlarmDescription', 'AlarmName', 'ComparisonOperator', 'DatapointsToAlarm', 'Dimensions',
  'EvaluateLowSampleCountPercentile', 'EvaluationPeriods', 'ExtendedStatistic', 'InsufficientDataActions', 'MetricName', 'Metrics',
  'Namespace', 'OKActions', 'Period', 'Statistic', 'Tags', 'Threshold', 'ThresholdMetricId', 'TreatMissingData', 'Unit',
];
const COMPARISONS = [
  'GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold',
  'LessThanLowerOrGreaterThanUpperThreshold', 'LessThanLowerThreshold', 'GreaterThanUpperThreshold',
];
const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];
const STAT = /^(SampleCount|Average|Sum|Minimum|Maximum|(p|tm|wm|tc|ts)\d{1,2}(\.\d+)?|IQM)$/;
const MISSING_DATA = ['breaching', 'notBreaching', 'ignore', 'missing'];
const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;

/** What the agent publishes: its CloudWatch namespace and, per declaration, the dimension set and metric selectors. */
export interface EmfExports {
  namespace: string;
  declarations: Array<{ dimensions: string[][]; selectors: RegExp[] }>;
}

/** Reads the rendered agent configuration (cwagentconfig.json of the chart's CloudWatch agent ConfigMap). */
export function emfExports(agentConfigJson: string): EmfExports {
  const emf = (JSON.parse(agentConfigJson) as Obj).logs?.metrics_collected?.prometheus?.emf_processor ?? {};
  return {
    namespace: String(emf.metric_namespace ?? ''),
    declarations: ((emf.metric_declaration ?? []) as Obj[]).map((d) => ({
      dimensions: (d.dimensions ?? []) as string[][],
      selectors: ((d.metric_selectors ?? []) as string[]).map((s) => new RegExp(s)),
    })),
  };
}

export function checkCloudWatchAlarms(file: string, exports: EmfExports | undefined, alertNames: readonly string[]): { covered: number; findings: Finding[] } {
  const findings: Finding[] = [];
  const problem = (message: string) => findings.push(finding('cloudwatch alarms', file, message));
  const { template, problems } = parseTemplate(readFileSync(file, 'utf8'));
  problems.forEach(problem);
  if (!template) return { covered: 0, findings };
  if (!exports) problem('no CloudWatch agent configuration was rendered to check the alarms\' metrics against');
  const parameters: Obj = template.Parameters ?? {};
  const resources = Object.entries(template.Resources ?? {}) as Array<[string, Obj]>;
  for (const [id, resource] of resources) {
    if (resource?.Type !== 'AWS::CloudWatch::Alarm') {
      problem(`${id}: ${resource?.Type} is not an AWS::CloudWatch::Alarm (this file holds alarms only)`);
      continue;
    }
    for (const message of alarmProblems(resource.Properties ?? {}, parameters, exports)) problem(`${id}: ${message}`);
  }
  const alarmIds = resources.map(([id]) => id);
  for (const alert of alertNames.filter((a) => !alarmIds.includes(a))) problem(`no alarm for the Prometheus alert ${alert} (logical id ${alert})`);
  for (const id of alarmIds.filter((a) => !alertNames.includes(a))) problem(`${id} matches no Prometheus alert: add the alert to the rules file or rename the alarm`);
  return { covered: resources.length, findings };
}

function alarmProblems(p: Obj, parameters: Obj, exports: EmfExports | undefined): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(p).filter((k) => !PROPERTIES.includes(k))) problems.push(`unknown property ${key}`);
  if (!COMPARISONS.includes(p.ComparisonOperator)) problems.push(`ComparisonOperator ${p.ComparisonOperator} is not one of ${COMPARISONS.join(', ')}`);
  if (!positiveInteger(p.EvaluationPeriods)) problems.push('EvaluationPeriods is required, a positive integer');
  if (p.DatapointsToAlarm !== undefined && !(positiveInteger(p.DatapointsToAlarm) && p.DatapointsToAlarm <= p.EvaluationPeriods)) problems.push('DatapointsToAlarm must be a positive integer no larger than EvaluationPeriods');
  if (p.ThresholdMetricId === undefined && typeof p.Threshold !== 'number') problems.push('Threshold is required, a number');
  if (p.TreatMissingData !== undefined && !MISSING_DATA.includes(p.TreatMissingData)) problems.push(`TreatMissingData must be one of ${MISSING_DATA.join(', ')}`);
  if (typeof p.AlarmDescription === 'string' && p.AlarmDescription.length > 1024) problems.push('AlarmDescription is longer than 1024 characters');
  for (const key of ['AlarmActions', 'OKActions', 'InsufficientDataActions']) {
    if (p[key] !== undefined && (!Array.isArray(p[key]) || p[key].length > 5)) problems.push(`${key} must be a list of at most 5 ARNs`);
  }
  if (!Array.isArray(p.AlarmActions) || p.AlarmActions.length === 0) problems.push('AlarmActions is empty: an alarm nobody is told about');

  const single = ['MetricName', 'Namespace', 'Statistic', 'ExtendedStatistic', 'Period', 'Dimensions', 'Unit'].filter((k) => p[k] !== undefined);
  const metrics: Array<{ metric: Obj; period: unknown; where: string }> = [];
  if (p.Metrics !== undefined) {
    if (single.length > 0) problems.push(`Metrics cannot be combined with ${single.join(', ')}`);
    problems.push(...metricQueryProblems(p.Metrics, metrics));
  } else {
    if (p.MetricName === undefined || p.Namespace === undefined) problems.push('needs MetricName and Namespace, or Metrics');
    if ((p.Statistic === undefined) === (p.ExtendedStatistic === undefined)) problems.push('needs exactly one of Statistic and ExtendedStatistic');
    if (p.Statistic !== undefined && !STATISTICS.includes(p.Statistic)) problems.push(`Statistic ${p.Statistic} is not one of ${STATISTICS.join(', ')}`);
    metrics.push({ metric: { MetricName: p.MetricName, Namespace: p.Namespace, Dimensions: p.Dimensions }, period: p.Period, where: 'the alarm' });
  }
  for (const { metric, period, where } of metrics) {
    if (!validPeriod(period)) problems.push(`${where}: Period ${period} must be 10, 20, 30 or a multiple of 60 seconds`);
    else if (Number(period) * Number(p.EvaluationPeriods) > (Number(period) >= 3600 ? 7 * 86_400 : 86_400)) problems.push(`${where}: Period × EvaluationPeriods exceeds what CloudWatch evaluates`);
    problems.push(...metricProblems(metric, where, parameters, exports));
  }
  return problems;
}

/** Metric math: unique ids, exactly one result, every id an expression uses defined. */
function metricQueryProblems(queries: unknown, metrics: Array<{ metric: Obj; period: unknown; where: string }>): string[] {
  if (!Array.isArray(queries) || queries.length === 0) return ['Metrics must be a non-empty list'];
  const problems: string[] = [];
  const ids = (queries as Obj[]).map((q) => q?.Id);
  for (const [i, q] of (queries as Obj[]).entries()) {
    const where = `Metrics[${i}] (${q?.Id})`;
    for (const key of Object.keys(q ?? {}).filter((k) => !['AccountId', 'Expression', 'Id', 'Label', 'MetricStat', 'Period', 'ReturnData'].includes(k))) problems.push(`${where}: unknown property ${key}`);
    if (typeof q?.Id !== 'string' || !QUERY_ID.test(q.Id)) problems.push(`${where}: Id must start with a lower-case letter (letters, digits, _)`);
    if (ids.indexOf(q?.Id) !== i) problems.push(`${where}: Id used twice`);
    if ((q?.Expression === undefined) === (q?.MetricStat === undefined)) problems.push(`${where}: needs exactly one of Expression and MetricStat`);
    if (typeof q?.Expression === 'string') {
      // Functions and operators are upper case; a lower-case word is a query id.
      for (const [word] of q.Expression.matchAll(/\b[a-z][a-zA-Z0-9_]*\b/g)) if (!ids.includes(word)) problems.push(`${where}: expression uses ${word}, which is no query id`);
    }
    if (q?.MetricStat !== undefined) {
      const stat = q.MetricStat as Obj;
      if (stat.Metric === undefined || stat.Period === undefined || stat.Stat === undefined) problems.push(`${where}: MetricStat needs Metric, Period and Stat`);
      if (stat.Stat !== undefined && !STAT.test(String(stat.Stat))) problems.push(`${where}: Stat ${stat.Stat} is not a statistic`);
      metrics.push({ metric: stat.Metric ?? {}, period: stat.Period, where });
    }
  }
  const results = (queries as Obj[]).filter((q) => q?.ReturnData !== false);
  if (results.length !== 1) problems.push(`exactly one query may return data (ReturnData true), not ${results.length}`);
  return problems;
}

function metricProblems(metric: Obj, where: string, parameters: Obj, exports: EmfExports | undefined): string[] {
  const problems: string[] = [];
  const name = metric.MetricName;
  if (typeof name !== 'string') return [`${where}: MetricName must be a literal name`];
  const dimensions = (Array.isArray(metric.Dimensions) ? metric.Dimensions : []) as Obj[];
  if (dimensions.length > 30) problems.push(`${where}: more than 30 dimensions`);
  for (const d of dimensions) if (d?.Name === undefined || d?.Value === undefined) problems.push(`${where}: a dimension needs Name and Value`);
  const service = dimensions.find((d) => d?.Name === 'Service')?.Value;
  const owner = PIPELINE_SERVICES.find((s) => name.startsWith(`pipeline_${s.name.replaceAll('-', '_')}_`));
  if (owner && service !== owner.name) problems.push(`${where}: ${name} is registered by ${owner.name}, but the Service dimension is ${JSON.stringify(service)}`);
  if (!exports) return problems;
  const namespace = literal(metric.Namespace, parameters);
  if (namespace !== exports.namespace) problems.push(`${where}: Namespace ${JSON.stringify(namespace)} is not the agent's metric namespace ${exports.namespace}`);
  const names = dimensions.map((d) => String(d?.Name)).sort();
  const sets = exports.declarations.filter((d) => d.selectors.some((s) => s.test(name))).flatMap((d) => d.dimensions.map((set) => [...set].sort()));
  if (sets.length === 0) problems.push(`${where}: the CloudWatch agent does not publish ${name} (add it to the metric_selectors in templates/cloudwatch-agent.yaml)`);
  else if (!sets.some((set) => set.join() === names.join())) {
    problems.push(`${where}: ${name} is published with dimensions ${sets.map((s) => `[${s.join(', ')}]`).join(' or ')}, not [${names.join(', ')}]`);
  }
  return problems;
}

/** A literal, or the default of the parameter a `Ref` names (what the stack gets unless overridden). */
function literal(value: unknown, parameters: Obj): unknown {
  if (typeof value === 'object' && value !== null && typeof (value as Obj).Ref === 'string') return parameters[(value as Obj).Ref]?.Default;
  return value;
}

function positiveInteger(value: unknown): value is number {
  return Number.isInteger(value) && (value as number) >= 1;
}

function validPeriod(period: unknown): boolean {
  return Number.isInteger(period) && ([10, 20, 30].includes(period as number) || ((period as number) >= 60 && (period as number) % 60 === 0));
}
