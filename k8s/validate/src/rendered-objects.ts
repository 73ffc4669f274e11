import type { RenderedObject } from './render-chart.js';

/** Rendered YAML is untyped: the policies read it field by field and report what is missing. */
export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- rendered YAML is untyped

export const WORKLOAD_KINDS = ['Deployment', 'StatefulSet'];

/** A Deployment or StatefulSet of the pipeline's own services (not the CloudWatch agent). */
export function isPipelineWorkload({ object }: RenderedObject): boolean {
  return WORKLOAD_KINDS.includes(object.kind) && (object as Obj).metadata.labels?.['app.kubernetes.io/name'] !== 'cloudwatch-agent';
}

export function podSpecOf(workload: Obj): Obj {
  return workload.spec?.template?.spec ?? {};
}

/** Does a selector (a map of labels) select an object carrying these labels? An empty selector selects nothing here. */
export function matchesLabels(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return selector !== undefined && Object.keys(selector).length > 0 && Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/**
 * The value a container sees for an environment variable: its `env` entry (the last one wins, as in
 * the kubelet) or, failing that, a key of a rendered ConfigMap it takes through `envFrom`. `undefined`
 * when unset; `{ fieldRef }` when it comes from the pod's own fields.
 */
export function containerEnv(container: Obj, objects: readonly RenderedObject[], name: string): { value?: string; fieldRef?: string } | undefined {
  const entries = ((container.env ?? []) as Obj[]).filter((e) => e.name === name);
  const entry = entries.at(-1);
  if (entry) return { value: entry.value, fieldRef: entry.valueFrom?.fieldRef?.fieldPath };
  // Later envFrom sources win over earlier ones, and `env` over all of them.
  for (const source of [...((container.envFrom ?? []) as Obj[])].reverse()) {
    const prefix = String(source.prefix ?? '');
    if (!name.startsWith(prefix)) continue;
    const configMap = objects.find((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === source.configMapRef?.name);
    const value = (configMap?.object as Obj | undefined)?.data?.[name.slice(prefix.length)];
    if (value !== undefined) return { value: String(value) };
  }
  return undefined;
}
