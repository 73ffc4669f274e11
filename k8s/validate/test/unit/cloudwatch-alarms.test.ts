import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseTemplate } from '../../src/cloudformation';
import { checkCloudWatchAlarms, emfExports } from '../../src/cloudwatch-alarms';

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'cloudwatch-alarms-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

/** The shape of the chart's agent configuration (templates/cloudwatch-agent.yaml), cut to two declarations. */
const agent = emfExports(
  JSON.stringify({
    logs: {
      metrics_collected: {
        prometheus: {
          emf_processor: {
            metric_namespace: 'SpotifyPipeline',
            metric_declaration: [
              { dimensions: [['ClusterName', 'Namespace', 'Service']], metric_selectors: ['^pipeline_etl_worker_(dlq_records|rows_in)_total$'] },
              { dimensions: [['ClusterName', 'Namespace', 'Service', 'topic']], metric_selectors: ['^pipeline_consumer_service_consumer_lag_seconds$'] },
            ],
          },
        },
      },
    },
  }),
);

const header = `AWSTemplateFormatVersion: '2010-09-09'
Parameters:
  ClusterName: { Type: String }
  MetricNamespace: { Type: String, Default: SpotifyPipeline }
  Topic: { Type: String, AllowedPattern: '^arn:aws:sns:.+$' }
Resources:
`;
const dims = (service: string) => `
        - { Name: ClusterName, Value: !Ref ClusterName }
        - { Name: Namespace, Value: spotify-pipeline }
        - { Name: Service, Value: ${service} }`;
const etlDeadLetters = `  PipelineEtlDeadLetters:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmName: !Sub '\${AWS::StackName}-etl-dlq'
      Namespace: !Ref MetricNamespace
      MetricName: pipeline_etl_worker_dlq_records_total
      Dimensions:${dims('etl-worker')}
      Statistic: Sum
      Period: 900
      EvaluationPeriods: 1
      ComparisonOperator: GreaterThanThreshold
      Threshold: 0
      AlarmActions: [!Ref Topic]
`;

function template(resources: string): string {
  const file = path.join(scratch, `alarms-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, header + resources);
  return file;
}

describe('parseTemplate (CloudFormation YAML)', () => {
  it('turns short-form intrinsics into their long form', () => {
    const { template: parsed, problems } = parseTemplate(`${header}${etlDeadLetters}Outputs:\n  Arn: { Value: !GetAtt PipelineEtlDeadLetters.Arn }\n`);
    expect(problems).toEqual([]);
    expect(parsed?.Resources.PipelineEtlDeadLetters.Properties.AlarmName).toEqual({ 'Fn::Sub': '${AWS::StackName}-etl-dlq' });
    expect(parsed?.Resources.PipelineEtlDeadLetters.Properties.Namespace).toEqual({ Ref: 'MetricNamespace' });
    expect(parsed?.Outputs.Arn.Value).toEqual({ 'Fn::GetAtt': ['PipelineEtlDeadLetters', 'Arn'] });
  });

  it('rejects unknown tags, anchors and aliases, unknown sections, bad logical ids and dangling references', () => {
    const { problems } = parseTemplate(`${header}  Bad-Id:
    Type: AWS::CloudWatch::Alarm
    Properties: &shared
      AlarmName: !Sub '\${Prefix}-x'
      Namespace: !Reference MetricNamespace
  Second:
    Type: AWS::CloudWatch::Alarm
    Properties: *shared
Extras: {}
`);
    expect(problems).toEqual(
      expect.arrayContaining([
        '$.Resources.Bad-Id.Properties: YAML anchor &shared: CloudFormation does not resolve anchors',
        '$.Resources.Second.Properties: YAML alias *shared: CloudFormation does not resolve aliases',
        expect.stringContaining('$.Resources.Bad-Id.Properties.Namespace: unknown tag !Reference'),
        'unknown top-level section Extras',
        'Resources.Bad-Id: logical ids are letters and digits only',
        '$.Resources.Bad-Id.Properties.AlarmName: Prefix is not a parameter, resource or pseudo parameter',
      ]),
    );
  });
});

describe('checkCloudWatchAlarms', () => {
  it('accepts an alarm on a published metric with its dimension set, matching an alert', () => {
    expect(checkCloudWatchAlarms(template(etlDeadLetters), agent, ['PipelineEtlDeadLetters'])).toEqual({ covered: 1, findings: [] });
  });

  it('names alarms missing for an alert, and alarms for no alert', () => {
    const messages = checkCloudWatchAlarms(template(etlDeadLetters), agent, ['PipelineLakeStale']).findings.map((f) => f.message);
    expect(messages).toEqual([
      'no alarm for the Prometheus alert PipelineLakeStale (logical id PipelineLakeStale)',
      'PipelineEtlDeadLetters matches no Prometheus alert: add the alert to the rules file or rename the alarm',
    ]);
  });

  it('rejects metrics the agent does not publish, wrong dimension sets and Service values, and a wrong namespace', () => {
    const file = template(
      etlDeadLetters
        .replace('pipeline_etl_worker_dlq_records_total', 'pipeline_etl_worker_rows_duplicate_total')
        .replace('Namespace: !Ref MetricNamespace', 'Namespace: Pipeline') +
        etlDeadLetters
          .replace('PipelineEtlDeadLetters:', 'PipelineSinkLagHigh:')
          .replace('pipeline_etl_worker_dlq_records_total', 'pipeline_consumer_service_consumer_lag_seconds'),
    );
    const messages = checkCloudWatchAlarms(file, agent, ['PipelineEtlDeadLetters', 'PipelineSinkLagHigh']).findings.map((f) => f.message);
    expect(messages).toEqual([
      'PipelineEtlDeadLetters: the alarm: Namespace "Pipeline" is not the agent\'s metric namespace SpotifyPipeline',
      'PipelineEtlDeadLetters: the alarm: the CloudWatch agent does not publish pipeline_etl_worker_rows_duplicate_total (add it to the metric_selectors in templates/cloudwatch-agent.yaml)',
      'PipelineSinkLagHigh: the alarm: pipeline_consumer_service_consumer_lag_seconds is registered by consumer-service, but the Service dimension is "etl-worker"',
      'PipelineSinkLagHigh: the alarm: pipeline_consumer_service_consumer_lag_seconds is published with dimensions [ClusterName, Namespace, Service, topic], not [ClusterName, Namespace, Service]',
    ]);
  });

  it('checks metric math: one result, known ids, valid periods and statistics, no single-metric properties beside it', () => {
    const file = template(`  PipelineQuarantineRate:
    Type: AWS::CloudWatch::Alarm
    Properties:
      Statistic: Sum
      Metrics:
        - Id: rejected
          MetricStat:
            Stat: Total
            Period: 45
            Metric: { Namespace: !Ref MetricNamespace, MetricName: pipeline_etl_worker_dlq_records_total, Dimensions: [${dims('etl-worker').trim().split('\n').map((l) => l.trim().slice(2)).join(', ')}] }
        - Id: Rate
          Expression: 100 * rejected / rows
      EvaluationPeriods: 1
      ComparisonOperator: GreaterThan
      Threshold: 1
      TreatMissingData: ignoreIt
      AlarmActions: []
`);
    const messages = checkCloudWatchAlarms(file, agent, ['PipelineQuarantineRate']).findings.map((f) => f.message.replace('PipelineQuarantineRate: ', ''));
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.stringContaining('ComparisonOperator GreaterThan is not one of'),
        'TreatMissingData must be one of breaching, notBreaching, ignore, missing',
        'AlarmActions is empty: an alarm nobody is told about',
        'Metrics cannot be combined with Statistic',
        'Metrics[0] (rejected): Stat Total is not a statistic',
        'Metrics[1] (Rate): Id must start with a lower-case letter (letters, digits, _)',
        'Metrics[1] (Rate): expression uses rows, which is no query id',
        'exactly one query may return data (ReturnData true), not 2',
        'Metrics[0] (rejected): Period 45 must be 10, 20, 30 or a multiple of 60 seconds',
      ]),
    );
  });

  it('refuses resources other than alarms, and says when there is no agent configuration to check against', () => {
    const messages = checkCloudWatchAlarms(template('  Topic:\n    Type: AWS::SNS::Topic\n'), undefined, []).findings.map((f) => f.message);
    expect(messages).toEqual([
      "no CloudWatch agent configuration was rendered to check the alarms' metrics against",
      'Topic: AWS::SNS::Topic is not an AWS::CloudWatch::Alarm (this file holds alarms only)',
      'Topic matches no Prometheus alert: add the alert to the rules file or rename the alarm',
    ]);
  });
});
