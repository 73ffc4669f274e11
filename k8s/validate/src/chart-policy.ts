import { parse } from 'yaml';
import { finding, type Finding } from './findings.js';
import { checkObservability } from './observability-policy.js';
import { checkPodIdentity } from './pod-identity-policy.js';
import type { RenderedObject } from './render-chart.js';
import { isPipelineWorkload, matchesLabels, podSpecOf, WORKLOAD_KINDS, type Obj } from './rendered-objects.js';
import { checkTableSpecs } from './table-specs-policy.js';

/**
 * What the pipeline needs from its manifests beyond schema validity: probes, resources, a drain
 * window, least privilege, and for every workload a PodDisruptionBudget, a ServiceAccount and a
 * metrics Service; scalers that target a rendered workload of the right kind and stop at the
 * partition count; one owner per transactional id (pod-identity-policy.ts); scraping, alerts and
 * the helm test covering every service (observability-policy.ts); the same table specs, mounted, for
 * the sink, the ETL and catalog-sync (table-specs-policy.ts).
 */
const MIN_GRACE_SECONDS = 30;

export function checkChartPolicy(objects: readonly RenderedObject[], label: string): Finding[] {
  const check = `chart policy (${label})`;
  const findings: Finding[] = [];
  const byKind = (kind: string) => objects.filter((o) => o.object.kind === kind);
  const serviceAccounts = new Set(byKind('ServiceAccount').map((o) => o.object.metadata.name));
  const workloads = objects.filter(isPipelineWorkload);
  if (workloads.length === 0) findings.push(finding(check, 'templates/workload.yaml', 'no pipeline workload rendered'));

  for (const { source, object } of workloads) {
    const w = object as Obj;
    const problem = (message: string) => findings.push(finding(check, source, `${w.kind}/${w.metadata.name}: ${message}`));
    const pod = podSpecOf(w);
    const labels: Record<string, string> = w.spec?.template?.metadata?.labels ?? {};
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
    if (!byKind('PodDisruptionBudget').some((p) => matchesLabels((p.object as Obj).spec?.selector?.matchLabels, labels))) problem('no PodDisruptionBudget selects its pods');
    if (!byKind('Service').some((s) => matchesLabels((s.object as Obj).spec?.selector, labels))) problem('no Service selects its pods for metrics');
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

  findings.push(...checkScalers(objects, check));
  findings.push(...checkPodIdentity(objects, check));
  findings.push(...checkObservability(objects, check));
  findings.push(...checkTableSpecs(objects, check));
  return findings;
}

/**
 * A scaler must name a rendered workload of the kind it says (KEDA assumes a Deployment when the kind
 * is left out, so a ScaledObject on a StatefulSet without `kind` scales nothing), stop at the partition
 * count, and be the only thing setting replicas.
 */
function checkScalers(objects: readonly RenderedObject[], check: string): Finding[] {
  const findings: Finding[] = [];
  const common = objects.find((c) => c.object.kind === 'ConfigMap' && (c.object as Obj).data?.TOPICS_PARTITIONS !== undefined);
  const partitions = Number((common?.object as Obj | undefined)?.data?.TOPICS_PARTITIONS);
  const scalers = objects.filter((o) => o.object.kind === 'ScaledObject' || o.object.kind === 'HorizontalPodAutoscaler');
  for (const { source, object } of scalers) {
    const s = object as Obj;
    const where = `${s.kind}/${s.metadata.name}`;
    const target = s.spec?.scaleTargetRef ?? {};
    const kind = String(target.kind ?? 'Deployment');
    const scaled = objects.find((o) => o.object.kind === kind && o.object.metadata.name === target.name);
    if (!WORKLOAD_KINDS.includes(kind)) findings.push(finding(check, source, `${where}: scales a ${kind}, not a Deployment or StatefulSet`));
    else if (!scaled) {
      const other = objects.find((o) => WORKLOAD_KINDS.includes(o.object.kind) && o.object.metadata.name === target.name);
      const hint = other ? ` (${target.name} is a ${other.object.kind}: set scaleTargetRef.kind)` : '';
      findings.push(finding(check, source, `${where}: scales ${kind} ${target.name}, which is not rendered${hint}`));
    }
    const max = Number(s.spec?.maxReplicaCount ?? s.spec?.maxReplicas);
    // A sink pod runs SINK_CONSUMERS group members: each of them needs a partition.
    const containers: Obj[] = (scaled?.object as Obj | undefined)?.spec?.template?.spec?.containers ?? [];
    const perPod = Number(containers.flatMap((c: Obj) => c.env ?? []).find((e: Obj) => e.name === 'SINK_CONSUMERS')?.value ?? 1);
    if (Number.isFinite(partitions) && max * perPod > partitions) {
      const members = perPod > 1 ? ` x ${perPod} consumers per pod` : '';
      findings.push(finding(check, source, `${where}: max replicas ${max}${members} exceed the ${partitions} partitions`));
    }
    if (scaled && (scaled.object as Obj).spec?.replicas !== undefined) {
      findings.push(finding(check, source, `${where}: ${kind} ${target.name} also sets replicas, which fights the scaler on every upgrade`));
    }
  }
  return findings;
}
