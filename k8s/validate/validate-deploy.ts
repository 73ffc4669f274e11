import { readFileSync } from 'node:fs';
import path from 'node:path';
import { checkChartPolicy } from './chart-policy.js';
import { checkCompose } from './compose-check.js';
import { checkDockerfiles } from './dockerfile-check.js';
import { finding, type CheckResult } from './findings.js';
import { helmBinary } from './helm-binary.js';
import { checkIamPolicies } from './iam-check.js';
import { checkMetricReferences } from './metric-names.js';
import { validateAgainstSchemas } from './kube-schemas.js';
import { parseManifests, renderChart } from './render-chart.js';

/** Files that name service metrics: the dashboard, the CloudWatch agent's EMF rules, scalers, alarms. */
const METRIC_REFERENCING_FILES = [
  'deploy/grafana/dashboards/pipeline.json',
  'k8s/spotify-pipeline/templates/cloudwatch-agent.yaml',
  'k8s/spotify-pipeline/values.yaml',
  'k8s/values/eks.yaml',
  'deploy/cloudwatch/dashboard.json',
  'docs/deploy.md',
];

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
}

/** The values sets CI renders: the defaults, the EKS example, and the EKS example with HPA scaling or MSK IAM. */
export function repositoryValuesSets(repoRoot: string): ValuesSet[] {
  const k8s = path.join(repoRoot, 'k8s');
  const eks = path.join(k8s, 'values/eks.yaml');
  return [
    { label: 'default values', files: [] },
    { label: 'eks example', files: [eks] },
    { label: 'eks example, hpa scaling', files: [eks, path.join(k8s, 'validate/fixtures/hpa-mode.yaml')] },
    { label: 'eks example, msk iam', files: [eks, path.join(k8s, 'validate/fixtures/msk-iam.yaml')] },
  ];
}

/**
 * Everything deployable, checked without a cluster or a Docker engine: the Helm chart rendered for
 * each values set (lint, template, Kubernetes schemas, pipeline policy), the compose file, the
 * Dockerfiles and the IAM policy documents.
 */
export async function validateDeploy(options: ValidateOptions): Promise<CheckResult[]> {
  const { repoRoot } = options;
  const chartDir = path.join(repoRoot, 'k8s/spotify-pipeline');
  const results: CheckResult[] = [];
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
  const composeFile = options.composeFile ?? path.join(repoRoot, 'docker-compose.yml');
  results.push({ check: 'docker compose', covered: path.relative(repoRoot, composeFile) || composeFile, findings: await checkCompose(repoRoot, composeFile) });
  const dockerfiles = checkDockerfiles(repoRoot);
  results.push({ check: 'dockerfiles', covered: `${dockerfiles.covered} service images from one Dockerfile`, findings: dockerfiles.findings });
  const metricFiles = METRIC_REFERENCING_FILES.map((file) => path.join(repoRoot, file));
  const metrics = checkMetricReferences(repoRoot, metricFiles);
  results.push({ check: 'metric names', covered: `${metrics.covered} references in ${metricFiles.length} files`, findings: metrics.findings });
  const iam = checkIamPolicies(path.join(repoRoot, 'k8s/iam'));
  results.push({ check: 'iam policies', covered: `${iam.covered} documents`, findings: iam.findings });
  return results;
}
