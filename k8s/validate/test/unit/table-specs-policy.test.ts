import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse } from 'yaml';
import { checkChartPolicy } from '../../src/chart-policy';
import { helmBinary } from '../../src/helm-binary';
import { renderChart, type RenderedObject } from '../../src/render-chart';
import { isPipelineWorkload } from '../../src/rendered-objects';

/**
 * Table specs in the chart: `tableSpecs` (k8s/values/eks-table-specs.yaml) becomes a ConfigMap
 * mounted at /specs, with TABLE_SPECS_DIR and a checksum, in exactly the sink, the ETL and
 * catalog-sync; `tableSpecsConfigMap` mounts the user's ConfigMap the same way; neither leaves the
 * chart as it was. Then the policy on copies broken the way a template edit could break them.
 */
const repoRoot = path.resolve(__dirname, '../../../..');
const chartDir = path.join(repoRoot, 'k8s/spotify-pipeline');
const eks = path.join(repoRoot, 'k8s/values/eks.yaml');
const tableSpecsExample = path.join(repoRoot, 'k8s/values/eks-table-specs.yaml');
const READERS = ['pipeline-consumer-service', 'pipeline-etl-worker', 'pipeline-catalog-sync'];
const OTHERS = ['pipeline-producer-service', 'pipeline-insights-service'];

let helm: string;
let scratch: string;
let rendered: RenderedObject[];
beforeAll(async () => {
  helm = await helmBinary();
  scratch = mkdtempSync(path.join(tmpdir(), 'table-specs-chart-'));
  rendered = await render([eks, tableSpecsExample]);
}, 60_000);
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

async function render(files: string[]): Promise<RenderedObject[]> {
  const result = await renderChart(helm, chartDir, files, 'table specs');
  expect(result.findings).toEqual([]);
  return result.objects;
}

/** The findings of rendering these values on top of the EKS example (a failing lint or template names why). */
async function renderFindings(values: unknown): Promise<string> {
  const file = path.join(scratch, `values-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, JSON.stringify(values));
  const result = await renderChart(helm, chartDir, [eks, file], 'table specs');
  return result.findings.map((f) => f.message).join('\n');
}

/** What each workload gets of the specs: the variable, the mount, the volume's ConfigMap, the checksum. */
function specsOf(objects: RenderedObject[]): Record<string, { dir?: string; mount?: unknown; configMap?: string; checksum?: string }> {
  return Object.fromEntries(
    objects.filter(isPipelineWorkload).map(({ object }) => {
      const template = (object as any).spec.template;
      const container = template.spec.containers[0];
      return [
        object.metadata.name,
        {
          dir: container.env?.find((e: any) => e.name === 'TABLE_SPECS_DIR')?.value,
          mount: container.volumeMounts?.find((m: any) => m.name === 'table-specs'),
          configMap: template.spec.volumes?.find((v: any) => v.name === 'table-specs')?.configMap?.name,
          checksum: template.metadata.annotations?.['checksum/table-specs'],
        },
      ];
    }),
  );
}

function withChange(kind: string, name: string, change: (object: any) => void): RenderedObject[] {
  const copy = structuredClone(rendered);
  const target = copy.find((o) => o.object.kind === kind && o.object.metadata.name === name);
  if (!target) throw new Error(`${kind}/${name} is not rendered`);
  change(target.object);
  return copy;
}

const messages = (objects: RenderedObject[]) => checkChartPolicy(objects, 'test').map((f) => f.message);
const container = (workload: any) => workload.spec.template.spec.containers[0];

describe('table specs in the chart', () => {
  it('renders tableSpecs as a ConfigMap mounted read-only at /specs, with TABLE_SPECS_DIR and a checksum, in exactly the sink, the ETL and catalog-sync', () => {
    const configMap = rendered.find((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name === 'pipeline-table-specs');
    expect((configMap?.object as any)?.data).toEqual(parse(readFileSync(tableSpecsExample, 'utf8')).tableSpecs);
    const specs = specsOf(rendered);
    for (const name of READERS) {
      expect(specs[name]).toEqual({ dir: '/specs', mount: { name: 'table-specs', mountPath: '/specs', readOnly: true }, configMap: 'pipeline-table-specs', checksum: expect.stringMatching(/^[0-9a-f]{64}$/) });
    }
    // producer-service and insights-service read no specs: nothing of them may change.
    for (const name of OTHERS) expect(specs[name]).toEqual({ dir: undefined, mount: undefined, configMap: undefined, checksum: undefined });
    expect(Object.keys(specs).sort()).toEqual([...READERS, ...OTHERS].sort());
    expect(messages(rendered)).toEqual([]);
  });

  it('renders nothing of it with the default values', async () => {
    const defaults = await render([]);
    expect(defaults.filter((o) => o.object.metadata.name.includes('table-specs'))).toEqual([]);
    for (const spec of Object.values(specsOf(defaults))) expect(spec).toEqual({ dir: undefined, mount: undefined, configMap: undefined, checksum: undefined });
  }, 60_000);

  it('changes the checksum of the three when a spec changes, so they restart and read it', async () => {
    const values = parse(readFileSync(tableSpecsExample, 'utf8'));
    values.tableSpecs['web_clicks.table.yaml'] = values.tableSpecs['web_clicks.table.yaml'].replace('schema_evolution: strict', 'schema_evolution: additive');
    const changed = path.join(scratch, 'changed-spec.yaml');
    writeFileSync(changed, JSON.stringify(values));
    const before = specsOf(rendered);
    const after = specsOf(await render([eks, changed]));
    for (const name of READERS) expect(after[name]?.checksum).not.toBe(before[name]?.checksum);
  }, 60_000);

  it('mounts a ConfigMap the user manages (tableSpecsConfigMap) the same way, without rendering one or a checksum', async () => {
    const file = path.join(scratch, 'own-configmap.yaml');
    writeFileSync(file, 'tableSpecsConfigMap: my-table-specs\n');
    const objects = await render([eks, file]);
    expect(objects.filter((o) => o.object.kind === 'ConfigMap' && o.object.metadata.name.includes('table-specs'))).toEqual([]);
    const specs = specsOf(objects);
    for (const name of READERS) expect(specs[name]).toEqual({ dir: '/specs', mount: { name: 'table-specs', mountPath: '/specs', readOnly: true }, configMap: 'my-table-specs', checksum: undefined });
    for (const name of OTHERS) expect(specs[name]?.dir).toBeUndefined();
    expect(checkChartPolicy(objects, 'test')).toEqual([]);
  }, 60_000);

  it('refuses both sources, file names a ConfigMap or the services cannot take, a schema in a folder, and TABLE_SPECS_DIR set by hand', async () => {
    const spec = 'spec_version: 1\ntable: t\nschema: t.schema.json\n';
    expect(await renderFindings({ tableSpecs: { 't.table.yaml': spec, 't.schema.json': '{}' }, tableSpecsConfigMap: 'my-table-specs' })).toContain(
      'tableSpecs and tableSpecsConfigMap (my-table-specs) are both set',
    );
    expect(await renderFindings({ tableSpecs: { 'README.md': 'x' } })).toContain("'README.md' does not match pattern");
    expect(await renderFindings({ tableSpecs: { 'schemas/t.schema.json': '{}' } })).toContain("'schemas/t.schema.json' does not match pattern '^[A-Za-z0-9._-]+$'");
    expect(await renderFindings({ tableSpecs: { 't.schema.json': '{}' } })).toContain('tableSpecs holds no spec (t.schema.json)');
    expect(await renderFindings({ tableSpecs: { 't.table.yaml': spec.replace('t.schema.json', 'schemas/t.schema.json'), 't.schema.json': '{}' } })).toContain(
      'tableSpecs.t.table.yaml names the schema schemas/t.schema.json, which is not a file of tableSpecs',
    );
    expect(await renderFindings({ tableSpecsConfigMap: 'my-table-specs', services: { etl: { extraEnv: [{ name: 'TABLE_SPECS_DIR', value: '/etc/specs' }] } } })).toContain(
      'services.etl sets TABLE_SPECS_DIR (in env or extraEnv) while tableSpecs or tableSpecsConfigMap is set',
    );
  }, 120_000);
});

describe('table specs policy', () => {
  it('requires TABLE_SPECS_DIR on a mounted volume, and says so once', () => {
    const unmounted = withChange('StatefulSet', 'pipeline-etl-worker', (w) => {
      container(w).volumeMounts = container(w).volumeMounts.filter((m: { name: string }) => m.name !== 'table-specs');
    });
    expect(messages(unmounted)).toEqual([
      'StatefulSet/pipeline-etl-worker: TABLE_SPECS_DIR=/specs is on no mounted volume (the root filesystem is read-only, so the service would find no folder and exit 78): mount the specs there',
    ]);
  });

  it('requires the sink, the ETL and catalog-sync to read the same specs', () => {
    const withoutSpecs = withChange('StatefulSet', 'pipeline-consumer-service', (w) => {
      container(w).env = container(w).env.filter((e: { name: string }) => e.name !== 'TABLE_SPECS_DIR');
    });
    expect(messages(withoutSpecs)).toEqual([
      'consumer-service, etl-worker and catalog-sync must read the same table specs (the sink stages the topics the ETL and catalog-sync make tables of): StatefulSet/pipeline-consumer-service reads no table specs, StatefulSet/pipeline-etl-worker reads configMap pipeline-table-specs, Deployment/pipeline-catalog-sync reads configMap pipeline-table-specs',
    ]);
    const otherConfigMap = withChange('Deployment', 'pipeline-catalog-sync', (w) => {
      w.spec.template.spec.volumes.find((v: { name: string }) => v.name === 'table-specs').configMap.name = 'old-table-specs';
    });
    expect(messages(otherConfigMap)).toEqual([expect.stringContaining('Deployment/pipeline-catalog-sync reads configMap old-table-specs')]);
  });

  it('requires the checksum on pods reading a rendered ConfigMap, and every schema beside its spec', () => {
    const noChecksum = withChange('StatefulSet', 'pipeline-consumer-service', (w) => {
      delete w.spec.template.metadata.annotations['checksum/table-specs'];
    });
    expect(messages(noChecksum)).toEqual([
      'StatefulSet/pipeline-consumer-service: reads the specs of ConfigMap/pipeline-table-specs but carries no checksum/table-specs annotation: a changed spec would not restart it, and specs are read only at start',
    ]);
    const schemaMissing = withChange('ConfigMap', 'pipeline-table-specs', (c) => {
      delete c.data['web_clicks.schema.json'];
    });
    expect(messages(schemaMissing)).toEqual([
      'ConfigMap/pipeline-table-specs: web_clicks.table.yaml names the schema web_clicks.schema.json, which is not a file of the ConfigMap (it has no folders: put the JSON Schema beside the spec)',
    ]);
    const unparsable = withChange('ConfigMap', 'pipeline-table-specs', (c) => {
      c.data['web_clicks.schema.json'] = '{"type": ';
    });
    expect(messages(unparsable)).toEqual([expect.stringContaining('ConfigMap/pipeline-table-specs web_clicks.schema.json does not parse')]);
  });
});
