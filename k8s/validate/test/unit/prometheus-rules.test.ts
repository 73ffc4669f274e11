import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkPrometheusRules, checkRenderedPrometheusRules } from '../../src/prometheus-rules';
import type { RenderedObject } from '../../src/render-chart';

const repoRoot = path.resolve(__dirname, '../../../..');
const rulesFile = path.join(repoRoot, 'k8s/spotify-pipeline/files/prometheus-rules.yaml');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'prometheus-rules-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

function rulesWith(rules: string): string {
  const file = path.join(scratch, `rules-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, `groups:\n  - name: test\n    rules:\n${rules}`);
  return file;
}

describe('the pipeline rules file', () => {
  it('passes, with the alerts the issue asks for: freshness, lag, DLQ and quarantine, reconciliation, progress, S3', () => {
    const { alerts, findings } = checkPrometheusRules(rulesFile);
    expect(findings).toEqual([]);
    const names = alerts.map((a) => a.alert);
    for (const name of ['PipelineLakeStale', 'PipelineSinkLagHigh', 'PipelineSinkDeadLetterRate', 'PipelineQuarantineRate', 'PipelineReconciliationDifference', 'PipelineSinkStalled', 'PipelineEtlStalled', 'PipelineCommitsStalled', 'PipelineS3Errors']) {
      expect(names).toContain(name);
    }
  });
});

describe('checkPrometheusRules', () => {
  const good = `      - alert: PipelineGood
        expr: sum by (namespace, job) (rate(pipeline_x_total[5m])) > 0
        for: 5m
        labels: { severity: warning }
        annotations: { summary: "x in {{ $labels.namespace }}", description: "y" }
`;

  it('accepts a rule that keeps namespace and job and uses only labels its result has', () => {
    expect(checkPrometheusRules(rulesWith(good)).findings).toEqual([]);
  });

  it('rejects an aggregation that drops namespace or job, in any position', () => {
    const file = rulesWith(`      - alert: PipelineSummed
        expr: sum(rate(pipeline_x_total[5m])) / on () group_left max without (job) (pipeline_y)
        labels: { severity: warning }
        annotations: { summary: s, description: d }
`);
    expect(checkPrometheusRules(file).findings.map((f) => f.message)).toEqual([
      'test/PipelineSummed: sum drops namespace and job: the alert would sum every release together and name none',
      'test/PipelineSummed: max without (job) drops job: the alert would sum every release together and name none',
    ]);
  });

  it('rejects syntax errors, bad durations, unknown keys and severities, missing annotations, duplicate names and labels the result lacks', () => {
    const file = rulesWith(`${good}${good}      - alert: pipeline_bad
        expr: sum by (namespace, job) (pipeline_x
        for: five minutes
        severity: page
        labels: { severity: page }
        annotations: { summary: "" }
      - alert: PipelineDropsTable
        expr: max by (namespace, job) (pipeline_diff_records) > 0
        labels: { severity: critical }
        annotations: { summary: "{{ $labels.table }}", description: d }
`);
    const messages = checkPrometheusRules(file).findings.map((f) => f.message);
    expect(messages).toEqual(
      expect.arrayContaining([
        'test/PipelineGood: alert name used twice',
        'test/pipeline_bad: unknown key severity',
        expect.stringContaining('test/pipeline_bad: alert name pipeline_bad must be CamelCase'),
        'test/pipeline_bad: for five minutes is not a duration',
        'test/pipeline_bad: labels.severity must be one of critical, warning, info',
        'test/pipeline_bad: annotations.summary is missing',
        'test/pipeline_bad: annotations.description is missing',
        expect.stringMatching(/^test\/pipeline_bad: expr: syntax error at column \d+/),
        "test/PipelineDropsTable: annotations use $labels.table, which the expression's result does not have (by: namespace, job)",
      ]),
    );
  });

  it('rejects a file without groups and YAML with duplicate keys', () => {
    const empty = path.join(scratch, 'empty.yaml');
    writeFileSync(empty, 'groups: []\n');
    expect(checkPrometheusRules(empty).findings.map((f) => f.message)).toEqual(['has no groups']);
    const duplicate = path.join(scratch, 'duplicate.yaml');
    writeFileSync(duplicate, 'groups: []\ngroups: []\n');
    expect(checkPrometheusRules(duplicate).findings[0]?.message).toMatch(/^does not parse: Map keys must be unique/);
  });
});

describe('checkRenderedPrometheusRules', () => {
  const { alerts } = checkPrometheusRules(rulesFile);
  const rule = (rules: object[]): RenderedObject => ({
    source: 'templates/prometheusrule.yaml',
    object: { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'pipeline' }, spec: { groups: [{ name: 'g', rules }] } },
  });
  const stale = alerts.find((a) => a.alert === 'PipelineLakeStale')!;

  it('accepts the file\'s alerts with extra labels and some left out', () => {
    expect(checkRenderedPrometheusRules([rule([{ ...stale, labels: { ...stale.labels, team: 'data' } }])], alerts, 'set')).toEqual([]);
  });

  it('reports an alert the file does not have, an edited expression, and an empty rule', () => {
    const messages = checkRenderedPrometheusRules(
      [rule([{ alert: 'PipelineInlined', expr: 'vector(1)' }, { ...stale, expr: `${stale.expr} * 2` }]), rule([])],
      alerts,
      'set',
    ).map((f) => f.message);
    expect(messages).toEqual([
      'PrometheusRule/pipeline PipelineInlined is not in the shared rules file',
      'PrometheusRule/pipeline PipelineLakeStale differs from the shared rules file',
      'PrometheusRule/pipeline has no rules',
    ]);
  });
});
