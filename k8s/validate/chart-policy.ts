import { parse } from 'yaml';
import { finding, type Finding } from './findings.js';
import type { RenderedObject } from './render-chart.js';

/**
 * What the pipeline needs from its manifests beyond schema validity: probes, resources, a drain
 * window, least privilege, and for every workload a PodDisruptionBudget, a ServiceAccount and a
 * metrics Service; scalers that target a real Deployment and stop at the partition count.
 */
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered YAML is untyped

const MIN_GRACE_SECONDS = 30;

export function checkChartPolicy(objects: readonly RenderedObject[], label: string): Finding[] {
  const check = `chart policy (${label})`;
  const findings: Finding[] = [];
  const byKind = (kind: string) => objects.filter((o) => o.object.kind === kind);
  const names = (kind: string) => new Set(byKind(kind).map((o) => o.object.metadata.name));
  const serviceAccounts = names('ServiceAccount');
  const deployments = byKind('Deployment');
  const pipelineDeployments = deployments.filter((d) => (d.object as Obj).metadata.labels?.['app.kubernetes.io/name'] !== 'cloudwatch-agent');
  if (pipelineDeployments.length === 0) findings.push(finding(check, 'templates/deployment.yaml', 'no pipeline Deployment rendered'));

  for (const { source, object } of pipelineDeployments) {
    const d = object as Obj;
    const where = `Deployment/${d.metadata.name}`;
    const problem = (message: string) => findings.push(finding(check, source, `${where}: ${message}`));
    const pod = d.spec?.template?.spec ?? {};
    const labels: Record<string, string> = d.spec?.template?.metadata?.labels ?? {};
    for (const container of (pod.containers ?? []) as Obj[]) {
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        if (!container[probe]?.httpGet) problem(`container ${container.name} has no HTTP ${probe}`);
      }
      if (container.readinessProbe?.httpGet?.path !== '/readyz') problem('readinessProbe must ask /readyz');
      if (!container.resources?.requests?.cpu || !container.resources?.requests?.memory) problem('needs cpu and memory requests');
      if (!container.resources?.limits?.memory) problem('needs a memory limit');
      if (container.securityContext?.readOnlyRootFilesystem !== true) problem('root filesystem must be read-only');
      if (container.securityContext?.allowPrivilegeEscalation !== false) problem('must not allow privilege escalation');
      if (String(container.image).endsWith(':latest') || !String(container.image).includes(':')) problem(`image ${container.image} must be pinned to a tag`);
    }
    if (pod.securityContext?.runAsNonRoot !== true) problem('pod must run as non-root');
    if (!(Number(pod.terminationGracePeriodSeconds) >= MIN_GRACE_SECONDS)) problem(`terminationGracePeriodSeconds must be at least ${MIN_GRACE_SECONDS} to drain`);
    if (!serviceAccounts.has(pod.serviceAccountName)) problem(`serviceAccountName ${pod.serviceAccountName} is not rendered`);
    const matches = (selector: Record<string, string> | undefined) =>
      selector !== undefined && Object.entries(selector).every(([key, value]) => labels[key] === value);
    if (!byKind('PodDisruptionBudget').some((p) => matches((p.object as Obj).spec?.selector?.matchLabels))) problem('no PodDisruptionBudget selects its pods');
    if (!byKind('Service').some((s) => matches((s.object as Obj).spec?.selector))) problem('no Service selects its pods for metrics');
  }

  // Config files carried in ConfigMaps (the CloudWatch agent's JSON, its Prometheus YAML) must parse:
  // the agent would otherwise crash-loop with nothing in the chart's own output to say why.
  for (const { source, object } of byKind('ConfigMap')) {
    for (const [key, value] of Object.entries(((object as Obj).data ?? {}) as Record<string, string>)) {
      try {
        if (key.endsWith('.json')) JSON.parse(value);
        if (key.endsWith('.yaml') || key.endsWith('.yml')) parse(value);
      } catch (error) {
        findings.push(finding(check, source, `ConfigMap/${object.metadata.name} ${key} does not parse: ${(error as Error).message}`));
      }
    }
  }

  const common = byKind('ConfigMap').find((c) => (c.object as Obj).data?.TOPICS_PARTITIONS !== undefined);
  const partitions = Number((common?.object as Obj | undefined)?.data?.TOPICS_PARTITIONS);
  const deploymentNames = names('Deployment');
  const scalers = [...byKind('ScaledObject'), ...byKind('HorizontalPodAutoscaler')];
  for (const { source, object } of scalers) {
    const s = object as Obj;
    const where = `${s.kind}/${s.metadata.name}`;
    const target = s.spec?.scaleTargetRef?.name;
    if (!deploymentNames.has(target)) findings.push(finding(check, source, `${where}: scales ${target}, which is not rendered`));
    const max = Number(s.spec?.maxReplicaCount ?? s.spec?.maxReplicas);
    if (Number.isFinite(partitions) && max > partitions) {
      findings.push(finding(check, source, `${where}: max replicas ${max} exceed the ${partitions} partitions`));
    }
    const scaledDeployment = deployments.find((d) => d.object.metadata.name === target);
    if (scaledDeployment && (scaledDeployment.object as Obj).spec?.replicas !== undefined) {
      findings.push(finding(check, source, `${where}: Deployment ${target} also sets replicas, which fights the scaler on every upgrade`));
    }
  }
  return findings;
}
