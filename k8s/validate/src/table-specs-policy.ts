import { parse } from 'yaml';
import { finding, type Finding } from './findings.js';
import type { RenderedObject } from './render-chart.js';
import { containerEnv, isPipelineWorkload, podSpecOf, type Obj } from './rendered-objects.js';

/**
 * Table specs (docs/table-specs.md) are read once, at start, by the sink (which topics to stage), the
 * ETL and catalog-sync (the tables they create, write and commit). The three must read the same files:
 * a sink without a spec never stages its topic and the table stays empty; an ETL or catalog-sync
 * without it has no table for what is staged. The folder must be a mounted volume (the root
 * filesystem is read-only, and a missing folder stops the service with exit 78), a spec's JSON Schema
 * must sit beside it in the same ConfigMap (a ConfigMap has no folders), and pods reading a ConfigMap
 * the chart renders must carry its checksum, or a changed spec waits for the next unrelated restart.
 */
const SPEC_READERS = ['consumer-service', 'etl-worker', 'catalog-sync'];
const SPEC_FILE = /\.table\.(ya?ml|json)$/;
const TABLE_SPECS_CHECKSUM = 'checksum/table-specs';

export function checkTableSpecs(objects: readonly RenderedObject[], check: string): Finding[] {
  const findings: Finding[] = [];
  const sources: Array<{ service: string; where: string; source: string; file: string }> = [];
  const checkedConfigMaps = new Set<string>();
  for (const { source: file, object } of objects.filter(isPipelineWorkload)) {
    const w = object as Obj;
    const service = String(w.metadata.labels?.['app.kubernetes.io/name'] ?? '');
    if (!SPEC_READERS.includes(service)) continue;
    const where = `${w.kind}/${w.metadata.name}`;
    const problem = (message: string) => findings.push(finding(check, file, `${where}: ${message}`));
    const pod = podSpecOf(w);
    const containers = (pod.containers ?? []) as Obj[];
    const container = containers.find((c) => c.name === service) ?? containers[0] ?? {};
    const dir = containerEnv(container, objects, 'TABLE_SPECS_DIR')?.value;
    if (!dir) {
      sources.push({ service, where, source: 'no table specs', file });
      continue;
    }
    const mount = mountOf(container, dir);
    const volume = ((pod.volumes ?? []) as Obj[]).find((v) => v.name === mount?.name);
    if (!mount) problem(`TABLE_SPECS_DIR=${dir} is on no mounted volume (the root filesystem is read-only, so the service would find no folder and exit 78): mount the specs there`);
    else if (!volume) problem(`volumeMount ${mount.name} for TABLE_SPECS_DIR names no volume of the pod`);
    if (!mount || !volume) continue;
    sources.push({ service, where, source: describeSource(volume, mount, dir), file });

    const configMap = objects.find((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === volume.configMap?.name);
    // A ConfigMap the user manages (not rendered here) is theirs to check with `catalog-sync spec check`.
    if (!configMap || mount.subPath || normalise(mount.mountPath) !== normalise(dir)) continue;
    if (w.spec?.template?.metadata?.annotations?.[TABLE_SPECS_CHECKSUM] === undefined) {
      problem(`reads the specs of ConfigMap/${configMap.object.metadata.name} but carries no ${TABLE_SPECS_CHECKSUM} annotation: a changed spec would not restart it, and specs are read only at start`);
    }
    if (checkedConfigMaps.has(configMap.object.metadata.name)) continue;
    checkedConfigMaps.add(configMap.object.metadata.name);
    for (const message of specFileProblems(configMap.object as Obj, volume.configMap)) findings.push(finding(check, configMap.source, message));
  }

  // An unmounted folder is reported above, once; it is not a second, different source.
  if (new Set(sources.map((s) => s.source)).size > 1) {
    sources.sort((a, b) => SPEC_READERS.indexOf(a.service) - SPEC_READERS.indexOf(b.service));
    const reads = sources.map(({ where, source }) => `${where} reads ${source}`).join(', ');
    findings.push(finding(check, sources[0]?.file ?? 'templates/workload.yaml', `consumer-service, etl-worker and catalog-sync must read the same table specs (the sink stages the topics the ETL and catalog-sync make tables of): ${reads}`));
  }
  return findings;
}

/** The mount whose path holds `dir`; the deepest one wins, as in the container's filesystem. */
function mountOf(container: Obj, dir: string): Obj | undefined {
  const holding = ((container.volumeMounts ?? []) as Obj[]).filter((m) => {
    const path = normalise(m.mountPath);
    return normalise(dir) === path || dir.startsWith(`${path}/`);
  });
  return holding.sort((a, b) => String(b.mountPath).length - String(a.mountPath).length)[0];
}

/** What a folder is made of, e.g. `configMap pipeline-table-specs`: equal for pods that see the same files. */
function describeSource(volume: Obj, mount: Obj, dir: string): string {
  const kind = Object.keys(volume).find((key) => key !== 'name') ?? 'volume';
  const spec = (volume[kind] ?? {}) as Obj;
  const name = spec.name ?? spec.secretName ?? spec.claimName ?? volume.name;
  const below = dir.slice(normalise(mount.mountPath).length).replace(/^\//, '');
  const items = spec.items ? ` items ${JSON.stringify(spec.items)}` : '';
  return `${kind} ${name}${items}${mount.subPath ? ` subPath ${mount.subPath}` : ''}${below ? ` folder ${below}` : ''}`;
}

/** The files the pod sees: every key, or only the projected items. */
function specFileProblems(configMap: Obj, source: Obj): string[] {
  const where = `ConfigMap/${configMap.metadata.name}`;
  const data = (configMap.data ?? {}) as Record<string, string>;
  const files = new Map<string, string | undefined>(
    source.items ? (source.items as Obj[]).map((item) => [String(item.path), data[item.key]]) : Object.entries(data),
  );
  const specs = [...files.keys()].filter((file) => SPEC_FILE.test(file));
  if (specs.length === 0) return [`${where}: holds no <table>.table.yaml (.table.yml, .table.json) spec, only ${[...files.keys()].join(', ') || 'nothing'}`];
  const problems: string[] = [];
  for (const spec of specs) {
    let schema: unknown;
    try {
      schema = (parse(files.get(spec) ?? '') as Obj | null)?.schema;
    } catch {
      continue; // the chart policy reports a ConfigMap file that does not parse
    }
    if (typeof schema === 'string' && !files.has(schema)) {
      problems.push(`${where}: ${spec} names the schema ${schema}, which is not a file of the ConfigMap (it has no folders: put the JSON Schema beside the spec)`);
    }
  }
  return problems;
}

function normalise(path: unknown): string {
  return String(path ?? '').replace(/\/+$/, '');
}
