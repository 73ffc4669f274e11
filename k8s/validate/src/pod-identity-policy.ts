import { finding, type Finding } from './findings.js';
import type { RenderedObject } from './render-chart.js';
import { containerEnv, isPipelineWorkload, matchesLabels, podSpecOf, type Obj } from './rendered-objects.js';

/**
 * Kafka fences by transactional id: the producer that initialises an id aborts the open transaction
 * of any earlier holder. So each id must have exactly one owner, and the same owner after a restart,
 * or a crashed pod's transaction holds read_committed readers back until it times out and live
 * replicas fence each other. The sink and the ETL own one id per pod; they must run as StatefulSets
 * (stable pod names, never two pods of one name) with the id derived from the pod name.
 */
const TRANSACTIONAL_ID_VARIABLE: Record<string, string> = {
  'consumer-service': 'SINK_TRANSACTIONAL_ID',
  'etl-worker': 'ETL_TRANSACTIONAL_ID',
};

/** Files the services open by path: on a read-only root filesystem they exist only on a mounted volume. */
const FILE_VARIABLES = ['KAFKA_SSL_CA_LOCATION'];

export function checkPodIdentity(objects: readonly RenderedObject[], check: string): Finding[] {
  const findings: Finding[] = [];
  for (const { source, object } of objects.filter(isPipelineWorkload)) {
    const w = object as Obj;
    const problem = (message: string) => findings.push(finding(check, source, `${w.kind}/${w.metadata.name}: ${message}`));
    const service = String(w.metadata.labels?.['app.kubernetes.io/name'] ?? '');
    const containers = (podSpecOf(w).containers ?? []) as Obj[];
    const container = containers.find((c) => c.name === service) ?? containers[0] ?? {};
    for (const message of fileVariableProblems(container, podSpecOf(w), objects)) problem(message);

    const variable = TRANSACTIONAL_ID_VARIABLE[service];
    if (!variable) continue;
    if (w.kind !== 'StatefulSet') {
      problem(`${service} owns a Kafka transactional id per pod, so it must be a StatefulSet: a ${w.kind}'s replacement pod gets a new name, cannot fence its predecessor, and a rollout runs two pods at once`);
    } else {
      for (const message of statefulSetProblems(w, objects)) problem(message);
    }
    const id = containerEnv(container, objects, variable);
    if (id?.value === undefined) {
      problem(`${variable} is not set from the pod name (the service would fall back to <service>-<hostname>)`);
      continue;
    }
    if (!id.value.includes('$(POD_NAME)')) problem(`${variable}=${id.value} is not derived from $(POD_NAME): every replica would share it and fence the others`);
    else if (containerEnv(container, objects, 'POD_NAME')?.fieldRef !== 'metadata.name') problem('POD_NAME must come from the fieldRef metadata.name');
    // k8s/iam/msk-iam-client.json allows transactional-id/<cluster>/<service>-* only.
    if (!id.value.startsWith(`${service}-`)) problem(`${variable}=${id.value} must start with ${service}- (the MSK IAM policy allows only that prefix)`);
  }
  return findings;
}

function statefulSetProblems(statefulSet: Obj, objects: readonly RenderedObject[]): string[] {
  const problems: string[] = [];
  const labels: Record<string, string> = statefulSet.spec?.template?.metadata?.labels ?? {};
  const governing = objects.find((o) => o.object.kind === 'Service' && o.object.metadata.name === statefulSet.spec?.serviceName);
  const spec = (governing?.object as Obj | undefined)?.spec;
  if (!governing) problems.push(`serviceName ${statefulSet.spec?.serviceName} is not a rendered Service`);
  else if (spec?.clusterIP !== 'None' || !matchesLabels(spec?.selector, labels)) problems.push(`Service ${statefulSet.spec.serviceName} must be headless (clusterIP: None) and select the StatefulSet's pods`);
  // OrderedReady would make a scale-out wait for every lower ordinal to be ready, and one stuck pod
  // would block the rest; consumer-group members need no start order.
  if (statefulSet.spec?.podManagementPolicy !== 'Parallel') problems.push('podManagementPolicy must be Parallel');
  if (statefulSet.spec?.updateStrategy?.type === 'OnDelete') problems.push('updateStrategy OnDelete would leave old pods running after an upgrade');
  return problems;
}

function fileVariableProblems(container: Obj, pod: Obj, objects: readonly RenderedObject[]): string[] {
  const problems: string[] = [];
  const volumes = new Set(((pod.volumes ?? []) as Obj[]).map((v) => v.name));
  for (const variable of FILE_VARIABLES) {
    const file = containerEnv(container, objects, variable)?.value;
    if (!file) continue;
    const mount = ((container.volumeMounts ?? []) as Obj[]).find((m) => file.startsWith(`${String(m.mountPath).replace(/\/$/, '')}/`));
    if (!mount) problems.push(`${variable}=${file} is on no mounted volume (the root filesystem is read-only and the image has no such file): add extraVolumes and extraVolumeMounts`);
    else if (!volumes.has(mount.name)) problems.push(`volumeMount ${mount.name} for ${variable} names no volume of the pod`);
  }
  return problems;
}
