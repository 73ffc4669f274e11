import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkChartPolicy } from './chart-policy.js';
import { checkCloudWatchAlarms, emfExports, type EmfExports } from './cloudwatch-alarms.js';
import { checkCompose, PROMETHEUS_RULES_FILE } from './compose-check.js';
import { checkDockerfiles } from './dockerfile-check.js';
import { finding, type CheckResult } from './findings.js';
import { checkGrafanaDashboard } from './grafana-dashboard.js';
import { helmBinary } from './helm-binary.js';
import { checkIamPolicies } from './iam-check.js';
import { checkMetricReferences } from './metric-names.js';
import { validateAgainstSchemas } from './kube-schemas.js';
import { checkPrometheusRules, checkRenderedPrometheusRules } from './prometheus-rules.js';
import { parseManifests, renderChart, type RenderedObject } from './render-chart.js';

/** Files that name service metrics: the dashboard, the CloudWatch agent's EMF rules, scalers, alerts, alarms. */
const METRIC_REFERENCING_FILES = [
  'deploy/grafana/dashboards/pipeline.json',
  'k8s/spotify-pipeline/templates/cloudwatch-agent.yaml',
  'k8s/spotify-pipeline/values.yaml',
  'k8s/values/eks.yaml',
  PROMETHEUS_RULES_FILE,
  'deploy/cloudwatch/alarms.yaml',
  'deploy/cloudwatch/dashboard.json',
  'docs/deploy.md',
];
const ALARMS_FILE = 'deploy/cloudwatch/alarms.yaml';
const DASHBOARD_FILE = 'deploy/grafana/dashboards/pipeline.json';
/** `docker compose -f docker-compose.yml -f <override>` variants the repository documents. */
const COMPOSE_OVERRIDES = [{ label: 'own topic', file: 'deploy/compose/own-topic.yaml' }];

export interface ValuesSet {
  label: string;
  files: string[];
}

export interface ValidateOptions {
  repoRoot: string;
  /** Values sets rendered on top of the chart's defaults; the repository's own sets when omitted. */
  valuesSets?: ValuesSet[];
  composeFile?: string;
  /** Already-rendered manifest files (e.g. a kustomize overlay's output), checked against the schemas. */
  manifestFiles?: string[];
  /** The alerts, the CloudWatch alarms and the dashboard to check instead of the repository's. */
  rulesFile?: string;
  alarmsFile?: string;
  dashboardFile?: string;
}

/**
 * The values sets CI renders: the defaults, the EKS example (KEDA, SCRAM) and its overlays for HPA
 * scaling, MSK IAM and a table of your own topic (tableSpecs), and a set with every operator-facing
 * key set (scheduling, pull secrets, extra env and volumes, ServiceMonitor, PrometheusRule, a table
 * specs ConfigMap of the user's), so no template branch ships unrendered.
 */
export function repositoryValuesSets(repoRoot: string): ValuesSet[] {
  const values = path.join(repoRoot, 'k8s/values');
  const eks = path.join(values, 'eks.yaml');
  return [
    { label: 'default values', files: [] },
    { label: 'eks example', files: [eks] },
    { label: 'eks example, hpa scaling', files: [eks, path.join(values, 'eks-hpa.yaml')] },
    { label: 'eks example, msk iam', files: [eks, path.join(values, 'eks-msk-iam.yaml')] },
    { label: 'eks example, table specs', files: [eks, path.join(values, 'eks-table-specs.yaml')] },
    { label: 'eks example, every operator key', files: [eks, path.join(repoRoot, 'k8s/validate/test/fixtures/every-operator-key.yaml')] },
  ];
}

/**
 * Everything deployable, checked without a cluster, a Docker engine or an AWS account: the Helm chart
 * rendered for each values set (lint, template, Kubernetes and CRD schemas, pipeline policy), the
 * Prometheus alerts and the chart's PrometheusRule built from them, the CloudWatch alarms against
 * those alerts and against what the chart's CloudWatch agent publishes, the Grafana dashboard, the
 * compose file (and its documented overrides), the Dockerfiles and the IAM policy documents.
 */
export async function validateDeploy(options: ValidateOptions): Promise<CheckResult[]> {
  const { repoRoot } = options;
  const chartDir = path.join(repoRoot, 'k8s/spotify-pipeline');
  const results: CheckResult[] = [];
  const rulesFile = options.rulesFile ?? path.join(repoRoot, PROMETHEUS_RULES_FILE);
  const rules = checkPrometheusRules(rulesFile);
  // The chart embeds the repository's file whichever file is checked here.
  const chartAlerts = options.rulesFile ? checkPrometheusRules(path.join(repoRoot, PROMETHEUS_RULES_FILE)).alerts : rules.alerts;
  let agent: EmfExports | undefined;
  let helm: string | undefined;
  try {
    helm = await helmBinary();
  } catch (error) {
    results.push({ check: 'helm binary', covered: 'none', findings: [finding('helm binary', chartDir, (error as Error).message)] });
  }
  if (helm) {
    for (const set of options.valuesSets ?? repositoryValuesSets(repoRoot)) {
      const rendered = await renderChart(helm, chartDir, set.files, set.label);
      const findings = [...rendered.findings];
      if (rendered.objects.length > 0) {
        findings.push(...(await validateAgainstSchemas(rendered.objects, set.label)));
        findings.push(...checkChartPolicy(rendered.objects, set.label));
        findings.push(...checkRenderedPrometheusRules(rendered.objects, chartAlerts, set.label));
        agent ??= agentExports(rendered.objects);
      }
      results.push({ check: `chart (${set.label})`, covered: `${rendered.objects.length} manifests`, findings });
    }
  }
  for (const file of options.manifestFiles ?? []) {
    const label = path.basename(file);
    const parsed = parseManifests(readFileSync(file, 'utf8'), `manifests (${label})`, file);
    const findings = [...parsed.findings, ...(await validateAgainstSchemas(parsed.objects, label))];
    results.push({ check: `manifests (${label})`, covered: `${parsed.objects.length} manifests`, findings });
  }
  results.push({ check: 'prometheus rules', covered: `${rules.alerts.length} alerts in ${path.relative(repoRoot, rulesFile)}`, findings: rules.findings });
  const alarmsFile = options.alarmsFile ?? path.join(repoRoot, ALARMS_FILE);
  const alarms = checkCloudWatchAlarms(alarmsFile, agent, rules.alerts.map((a) => a.alert));
  results.push({ check: 'cloudwatch alarms', covered: `${alarms.covered} alarms in ${path.relative(repoRoot, alarmsFile)}`, findings: alarms.findings });
  const dashboard = checkGrafanaDashboard(options.dashboardFile ?? path.join(repoRoot, DASHBOARD_FILE));
  results.push({ check: 'grafana dashboard', covered: `${dashboard.covered} queries`, findings: dashboard.findings });
  const composeFile = options.composeFile ?? path.join(repoRoot, 'docker-compose.yml');
  results.push({ check: 'docker compose', covered: path.relative(repoRoot, composeFile) || composeFile, findings: await checkCompose(repoRoot, composeFile) });
  for (const { label, file } of COMPOSE_OVERRIDES) {
    const override = path.join(repoRoot, file);
    results.push({ check: `docker compose (${label})`, covered: `docker-compose.yml + ${file}`, findings: await checkCompose(repoRoot, path.join(repoRoot, 'docker-compose.yml'), [override]) });
  }
  const dockerfiles = checkDockerfiles(repoRoot);
  results.push({ check: 'dockerfiles', covered: `${dockerfiles.covered} service images from one Dockerfile`, findings: dockerfiles.findings });
  const checked: Record<string, string | undefined> = { [PROMETHEUS_RULES_FILE]: options.rulesFile, [ALARMS_FILE]: options.alarmsFile, [DASHBOARD_FILE]: options.dashboardFile };
  const metricFiles = METRIC_REFERENCING_FILES.map((file) => checked[file] ?? path.join(repoRoot, file));
  const metrics = checkMetricReferences(repoRoot, metricFiles);
  results.push({ check: 'metric names', covered: `${metrics.covered} references in ${metricFiles.length} files`, findings: metrics.findings });
  const iam = checkIamPolicies(path.join(repoRoot, 'k8s/iam'));
  results.push({ check: 'iam policies', covered: `${iam.covered} documents`, findings: iam.findings });
  return results;
}

/** What the CloudWatch agent rendered in this set publishes, if the set enables it. */
function agentExports(objects: readonly RenderedObject[]): EmfExports | undefined {
  for (const { object } of objects) {
    const config = (object as { data?: Record<string, string> }).data?.['cwagentconfig.json'];
    if (object.kind === 'ConfigMap' && config) return emfExports(config);
  }
  return undefined;
}
