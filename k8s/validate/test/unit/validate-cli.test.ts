import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * The deployment validation run as CI runs it (`npm run validate:deploy`): the CLI renders the Helm
 * chart with the bundled helm for every repository values set (one of them sets every operator key),
 * validates the manifests against the Kubernetes and CRD schemas, and checks the alerts, the
 * CloudWatch alarms, the dashboard, the compose file, the Dockerfiles and the IAM documents. A
 * validation is only worth something if it fails on broken input, so most of this file feeds it
 * deliberately wrong files and asserts each mistake is named.
 */
const run = promisify(execFile);
const repoRoot = path.resolve(__dirname, '../../../..');
const cli = path.join(repoRoot, 'k8s/validate/src/cli.ts');
const fixtures = path.join(repoRoot, 'k8s/validate/test/fixtures');

async function validate(args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', cli, ...args], { cwd: repoRoot, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof failed.code === 'number' ? failed.code : -1, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

/** A copy of a repository file with each [from, to] replacement applied; fails if one does not apply. */
function brokenCopy(relative: string, replacements: Array<[string | RegExp, string]>): string {
  let text = readFileSync(path.join(repoRoot, relative), 'utf8');
  for (const [from, to] of replacements) {
    const next = text.replace(from, to);
    if (next === text) throw new Error(`${relative}: ${String(from)} not found, the fixture no longer breaks anything`);
    text = next;
  }
  const file = path.join(scratch, path.basename(relative));
  writeFileSync(file, text);
  return file;
}

let scratch: string;
beforeEach(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'deploy-validation-'));
});
afterEach(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('deploy validation CLI', () => {
  it('passes the repository: every values set, the alerts, alarms, dashboard, compose file and override, Dockerfiles and IAM documents', async () => {
    const { code, output } = await validate([]);
    for (const set of ['default values', 'eks example', 'eks example, hpa scaling', 'eks example, msk iam', 'eks example, table specs', 'eks example, every operator key']) {
      expect(output).toMatch(new RegExp(`^ok {4}chart \\(${set.replace(/[(),]/g, '\\$&')}\\): [1-9]\\d* manifests$`, 'm'));
    }
    expect(output).toMatch(/^ok {4}prometheus rules: 13 alerts in k8s\/spotify-pipeline\/files\/prometheus-rules\.yaml$/m);
    expect(output).toMatch(/^ok {4}cloudwatch alarms: 13 alarms in deploy\/cloudwatch\/alarms\.yaml$/m);
    expect(output).toMatch(/^ok {4}grafana dashboard: [1-9]\d* queries$/m);
    expect(output).toMatch(/^ok {4}docker compose: docker-compose\.yml$/m);
    expect(output).toMatch(/^ok {4}docker compose \(own topic\): docker-compose\.yml \+ deploy\/compose\/own-topic\.yaml$/m);
    expect(output).toMatch(/^ok {4}dockerfiles: 5 service images from one Dockerfile$/m);
    expect(output).toMatch(/^ok {4}metric names: [1-9]\d* references in 8 files$/m);
    expect(output).toMatch(/^ok {4}iam policies: [1-9]\d* documents$/m);
    expect(code).toBe(0);
  }, 180_000);

  it('fails on wrong values, unsafe operator keys, removed catalog settings, a broken compose file and invalid manifests', async () => {
    const compose = brokenCopy('docker-compose.yml', [
      // Schema-level: depends_on conditions must be a map of known conditions.
      ['condition: service_healthy', 'condition: when-it-feels-like-it'],
      // Wiring-level: the sink loses its restart policy.
      [/\n {4}ports:\n {6}- '127\.0\.0\.1:9462:9462'/, "\n    ports:\n      - '127.0.0.1:9462:9462'\n    restart: \"no\""],
      // Wiring-level: catalog-sync keeps a setting of the Hive-folder lake and points at a catalog that is not there.
      ['      CATALOG_ENGINE: duckdb\n', '      CATALOG_ENGINE: duckdb\n      CATALOG_MODE: glue\n      ICEBERG_REST_URI: http://polaris:8181\n'],
      // Prometheus no longer loads the chart's alerts.
      ['      - ./k8s/spotify-pipeline/files/prometheus-rules.yaml:/etc/prometheus/rules/pipeline.yaml:ro\n', ''],
    ]);
    const values = ['broken-values.yaml', 'short-grace-values.yaml', 'legacy-catalog-values.yaml', 'shared-transactional-id-values.yaml', 'unknown-alert-values.yaml', 'unmounted-ca-values.yaml', 'idle-sink-consumers-values.yaml'];
    const { code, output } = await validate([
      ...values.flatMap((file) => ['--values', path.join(fixtures, file)]),
      '--compose',
      compose,
      '--manifests',
      path.join(fixtures, 'invalid-manifests.yaml'),
    ]);

    expect(code).toBe(1);
    // The repository's own sets still pass: the failures are the broken inputs' alone.
    expect(output).toMatch(/^ok {4}chart \(eks example, every operator key\)/m);
    expect(output).toMatch(/^FAIL {2}chart \(broken-values\.yaml\)/m);
    expect(output).toContain("at '/kafka/securityProtocol': value must be one of");
    expect(output).toContain("at '/services/consumer/replicas': got string, want integer");
    expect(output).toContain("additional properties 'drainSecs' not allowed");
    expect(output).toContain("at '/serviceMonitor/enabled': got string, want boolean");
    expect(output).toContain("at '/extraVolumeMounts/0': missing property 'mountPath'");
    expect(output).toMatch(/^FAIL {2}chart \(short-grace-values\.yaml\)/m);
    expect(output).toContain('services.consumer.terminationGracePeriodSeconds (30) must be longer than services.consumer.drainSeconds (60)');
    expect(output).toMatch(/^FAIL {2}chart \(legacy-catalog-values\.yaml\)/m);
    expect(output).toContain('services.catalog.env.CATALOG_DATABASE no longer exists');
    expect(output).toMatch(/^FAIL {2}chart \(shared-transactional-id-values\.yaml\)/m);
    expect(output).toContain("extraEnv sets SINK_TRANSACTIONAL_ID, which the chart derives from each pod's name");
    expect(output).toMatch(/^FAIL {2}chart \(unknown-alert-values\.yaml\)/m);
    expect(output).toContain('prometheusRule.disabledAlerts names PipelineLakeStaleness, which is not an alert of files/prometheus-rules.yaml');
    expect(output).toMatch(/^FAIL {2}chart \(unmounted-ca-values\.yaml\)/m);
    expect(output).toContain('KAFKA_SSL_CA_LOCATION=/etc/kafka-ca/ca.crt (services.catalog) is on no mounted volume');
    expect(output).toMatch(/^FAIL {2}chart \(idle-sink-consumers-values\.yaml\)/m);
    expect(output).toContain('services.consumer.scaling.maxReplicas (6) x consumersPerPod (2) exceeds topics.partitions (6)');
    expect(output).toMatch(/^FAIL {2}docker compose/m);
    expect(output).toContain('ComposeValidationError');
    expect(output).toContain('consumer-service: needs a restart policy');
    expect(output).toContain('catalog-sync: CATALOG_MODE no longer exists');
    expect(output).toContain('catalog-sync: ICEBERG_REST_URI names polaris, which is not a compose service');
    expect(output).toContain('load no compose mount of k8s/spotify-pipeline/files/prometheus-rules.yaml');
    expect(output).toMatch(/^FAIL {2}manifests \(invalid-manifests\.yaml\)/m);
    expect(output).toContain('Deployment/broken: data/spec/replicas must be integer');
    expect(output).toContain('Widget/unknown: no schema for example.com/v1 Widget');
    expect(output).toContain("PrometheusRule/broken-rule: data/spec/groups/0/rules/0 must have required property expr");
  }, 180_000);

  it('fails on broken alerts, CloudWatch alarms and dashboard, and names each mistake', async () => {
    const rules = brokenCopy('k8s/spotify-pipeline/files/prometheus-rules.yaml', [
      // An aggregation that sums every release together.
      ['max by (namespace, job, topic) (pipeline_consumer_service_consumer_lag_seconds)', 'max by (topic) (pipeline_consumer_service_consumer_lag_seconds)'],
      // A metric no service registers, and an unbalanced parenthesis.
      ['sum by (namespace, job) (increase(pipeline_etl_worker_dlq_records_total[15m])) > 0', 'sum by (namespace, job) (increase(pipeline_etl_worker_dlq_recordz_total[15m]) > 0'],
      // A severity no router knows.
      ['severity: critical', 'severity: page'],
    ]);
    const alarms = brokenCopy('deploy/cloudwatch/alarms.yaml', [
      // A tag CloudFormation does not know, and a parameter that does not exist.
      ['AlarmActions: [!Ref AlarmTopicArn]', 'AlarmActions: [!Reff AlarmTopicArn]'],
      ['Namespace: !Ref MetricNamespace', 'Namespace: !Ref MetricNamespaces'],
      // The sink lag without its topic dimension: a metric CloudWatch never receives.
      ['        - { Name: topic, Value: !Ref SourceTopic }\n      Statistic: Maximum', '      Statistic: Maximum'],
      // A metric the agent does not publish, an expression on an undefined id, a missing threshold.
      ['MetricName: pipeline_etl_worker_dlq_records_total', 'MetricName: pipeline_etl_worker_rows_duplicate_total'],
      ['IF(consumed > 0, 100 * FILL(dlq, 0) / consumed, 0)', 'IF(consumed > 0, 100 * FILL(dead, 0) / consumed, 0)'],
      ['      Threshold: 10\n', ''],
      // Something other than an alarm, and an alarm with no Prometheus alert.
      ['Resources:\n', 'Resources:\n  AlarmTopic:\n    Type: AWS::SNS::Topic\n'],
    ]);
    const dashboard = brokenCopy('deploy/grafana/dashboards/pipeline.json', [
      ['"uid": "${datasource}"', '"uid": "prometheus"'],
      ['pipeline_etl_worker_rows_in_total{namespace=\\"$namespace\\", job=\\"$job\\"}', 'pipeline_etl_worker_rows_in_total{namespace=\\"$namespace\\"}'],
    ]);

    const { code, output } = await validate(['--rules', rules, '--alarms', alarms, '--dashboard', dashboard]);

    expect(code).toBe(1);
    expect(output).toMatch(/^ok {4}chart \(eks example, every operator key\)/m);
    expect(output).toMatch(/^FAIL {2}prometheus rules/m);
    expect(output).toContain('PipelineSinkLagHigh: max by (topic) drops namespace and job: the alert would sum every release together and name none');
    expect(output).toContain('PipelineSinkLagHigh: annotations use $labels.namespace, which the expression\'s result does not have (by: topic)');
    expect(output).toMatch(/PipelineEtlDeadLetters: expr: syntax error at column \d+/);
    expect(output).toContain('PipelineCatalogManifestsRejected: labels.severity must be one of critical, warning, info');
    expect(output).toContain('pipeline_etl_worker_dlq_recordz_total is not registered by any service');
    expect(output).toMatch(/^FAIL {2}cloudwatch alarms/m);
    expect(output).toContain('PipelineLakeStale.Properties.AlarmActions[0]: unknown tag !Reff');
    expect(output).toContain('MetricNamespaces is not a parameter, resource or pseudo parameter');
    expect(output).toContain('PipelineSinkLagHigh: the alarm: pipeline_consumer_service_consumer_lag_seconds is published with dimensions [ClusterName, Namespace, Service, topic], not [ClusterName, Namespace, Service]');
    expect(output).toContain('PipelineEtlDeadLetters: the alarm: the CloudWatch agent does not publish pipeline_etl_worker_rows_duplicate_total');
    expect(output).toContain('PipelineSinkDeadLetterRate: Metrics[2] (rate): expression uses dead, which is no query id');
    expect(output).toContain('PipelineS3Errors: Threshold is required, a number');
    expect(output).toContain('AlarmTopic: AWS::SNS::Topic is not an AWS::CloudWatch::Alarm');
    expect(output).toMatch(/^FAIL {2}grafana dashboard/m);
    expect(output).toContain('data source {"type":"prometheus","uid":"prometheus"} is hard-coded');
    expect(output).toContain('pipeline_etl_worker_rows_in_total is not filtered by job="$job"');
  }, 180_000);
});
