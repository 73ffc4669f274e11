import { finding, type Finding } from './findings.js';
import type { RenderedObject } from './render-chart.js';

/**
 * Validates rendered objects against the Kubernetes OpenAPI schemas (kubernetes-models) and the CRD
 * schemas of KEDA (@kubernetes-models/keda) and the Prometheus Operator
 * (@kubernetes-models/prometheus-operator): types, required fields, enums. A kind with no known schema
 * is itself a finding, so a new template cannot slip past unvalidated.
 */
const MODEL_PACKAGES: Record<string, string> = {
  'keda.sh': '@kubernetes-models/keda',
  'monitoring.coreos.com': '@kubernetes-models/prometheus-operator',
};

interface ModelInstance {
  validate(): void;
}
type ModelClass = new (data: unknown) => ModelInstance;

export async function validateAgainstSchemas(objects: readonly RenderedObject[], label: string): Promise<Finding[]> {
  const check = `kubernetes schemas (${label})`;
  const findings: Finding[] = [];
  for (const { source, object } of objects) {
    const where = `${object.kind}/${object.metadata.name}`;
    const model = await loadModel(object.apiVersion, object.kind);
    if (!model) {
      findings.push(finding(check, source, `${where}: no schema for ${object.apiVersion} ${object.kind}`));
      continue;
    }
    try {
      new model(object).validate();
    } catch (error) {
      findings.push(finding(check, source, `${where}: ${(error as Error).message}`));
    }
  }
  return findings;
}

async function loadModel(apiVersion: string, kind: string): Promise<ModelClass | undefined> {
  const slash = apiVersion.indexOf('/');
  const group = slash === -1 ? '' : apiVersion.slice(0, slash);
  const version = slash === -1 ? apiVersion : apiVersion.slice(slash + 1);
  const modulePath = group === '' ? `kubernetes-models/${version}/${kind}` : `${MODEL_PACKAGES[group] ?? 'kubernetes-models'}/${group}/${version}/${kind}`;
  try {
    // The model packages are ESM only; a dynamic import loads them from this CommonJS module.
    const loaded = (await import(modulePath)) as Record<string, ModelClass | undefined>;
    return loaded[kind];
  } catch {
    return undefined;
  }
}
