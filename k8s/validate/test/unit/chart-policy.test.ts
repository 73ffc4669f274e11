import path from 'node:path';
import { checkChartPolicy } from '../../src/chart-policy';
import { helmBinary } from '../../src/helm-binary';
import { renderChart, type RenderedObject } from '../../src/render-chart';

/**
 * The chart policy on the chart as rendered with every operator key set (the EKS example plus the
 * every-operator-key fixture), then on copies broken the way a template edit could break them.
 */
const repoRoot = path.resolve(__dirname, '../../../..');
const chartDir = path.join(repoRoot, 'k8s/spotify-pipeline');
const valuesFiles = [path.join(repoRoot, 'k8s/values/eks.yaml'), path.join(repoRoot, 'k8s/validate/test/fixtures/every-operator-key.yaml')];

let rendered: RenderedObject[];
beforeAll(async () => {
  const result = await renderChart(await helmBinary(), chartDir, valuesFiles, 'every operator key');
  expect(result.findings).toEqual([]);
  rendered = result.objects;
}, 60_000);

/** A deep copy of the rendered objects with one object changed. */
function withChange(kind: string, name: string, change: (object: any) => void): RenderedObject[] {
  const copy = structuredClone(rendered);
  const target = copy.find((o) => o.object.kind === kind && o.object.metadata.name === name);
  if (!target) throw new Error(`${kind}/${name} is not rendered`);
  change(target.object);
  return copy;
}

const messages = (objects: RenderedObject[]) => checkChartPolicy(objects, 'test').map((f) => f.message);
const container = (workload: any) => workload.spec.template.spec.containers[0];

describe('chart policy', () => {
  it('passes the chart with every operator key set, the sink and the ETL as StatefulSets', () => {
    expect(messages(rendered)).toEqual([]);
    const kinds = Object.fromEntries(rendered.filter((o) => ['Deployment', 'StatefulSet'].includes(o.object.kind)).map((o) => [o.object.metadata.name, o.object.kind]));
    expect(kinds).toMatchObject({ 'pipeline-consumer-service': 'StatefulSet', 'pipeline-etl-worker': 'StatefulSet', 'pipeline-producer-service': 'Deployment', 'pipeline-catalog-sync': 'Deployment' });
  });

  it('requires a StatefulSet for a service that owns a transactional id, and a scaler that names its kind', () => {
    const asDeployment = withChange('StatefulSet', 'pipeline-consumer-service', (w) => {
      w.kind = 'Deployment';
      delete w.spec.serviceName;
      delete w.spec.podManagementPolicy;
      delete w.spec.updateStrategy;
    });
    expect(messages(asDeployment)).toEqual([
      'ScaledObject/pipeline-consumer-service: scales StatefulSet pipeline-consumer-service, which is not rendered (pipeline-consumer-service is a Deployment: set scaleTargetRef.kind)',
      expect.stringContaining('Deployment/pipeline-consumer-service: consumer-service owns a Kafka transactional id per pod, so it must be a StatefulSet'),
    ]);
    const kedaDefault = withChange('ScaledObject', 'pipeline-etl-worker', (s) => {
      delete s.spec.scaleTargetRef.kind;
    });
    expect(messages(kedaDefault)).toEqual(['ScaledObject/pipeline-etl-worker: scales Deployment pipeline-etl-worker, which is not rendered (pipeline-etl-worker is a StatefulSet: set scaleTargetRef.kind)']);
  });

  it('counts every consumer of a sink pod against the partitions: max replicas x SINK_CONSUMERS', () => {
    // The fixture runs 6 pods x 2 consumers on 12 partitions: exactly enough.
    expect(container(rendered.find((o) => o.object.kind === 'StatefulSet' && o.object.metadata.name === 'pipeline-consumer-service')!.object).env).toContainEqual({ name: 'SINK_CONSUMERS', value: '2' });
    const threeEach = withChange('StatefulSet', 'pipeline-consumer-service', (w) => {
      container(w).env.find((e: { name: string }) => e.name === 'SINK_CONSUMERS').value = '3';
    });
    expect(messages(threeEach)).toEqual(['ScaledObject/pipeline-consumer-service: max replicas 6 x 3 consumers per pod exceed the 12 partitions']);
  });

  it('requires the transactional id from the pod name, with the prefix the MSK IAM policy allows, and a headless governing Service', () => {
    const shared = withChange('StatefulSet', 'pipeline-etl-worker', (w) => {
      container(w).env.find((e: { name: string }) => e.name === 'ETL_TRANSACTIONAL_ID').value = 'etl-prod';
      w.spec.podManagementPolicy = 'OrderedReady';
    });
    expect(messages(shared)).toEqual([
      'StatefulSet/pipeline-etl-worker: podManagementPolicy must be Parallel',
      'StatefulSet/pipeline-etl-worker: ETL_TRANSACTIONAL_ID=etl-prod is not derived from $(POD_NAME): every replica would share it and fence the others',
      'StatefulSet/pipeline-etl-worker: ETL_TRANSACTIONAL_ID=etl-prod must start with etl-worker- (the MSK IAM policy allows only that prefix)',
    ]);
    const notHeadless = withChange('Service', 'pipeline-consumer-service-pods', (s) => {
      delete s.spec.clusterIP;
    });
    expect(messages(notHeadless)).toEqual(['StatefulSet/pipeline-consumer-service: Service pipeline-consumer-service-pods must be headless (clusterIP: None) and select the StatefulSet\'s pods']);
  });

  it('requires a file variable such as KAFKA_SSL_CA_LOCATION to be on a mounted volume', () => {
    const unmounted = withChange('Deployment', 'pipeline-catalog-sync', (w) => {
      container(w).volumeMounts = container(w).volumeMounts.filter((m: { name: string }) => m.name !== 'kafka-ca');
    });
    expect(messages(unmounted)).toEqual([
      'Deployment/pipeline-catalog-sync: KAFKA_SSL_CA_LOCATION=/etc/kafka-ca/ca.crt is on no mounted volume (the root filesystem is read-only and the image has no such file): add extraVolumes and extraVolumeMounts',
    ]);
  });

  it('requires the ServiceMonitor to scrape every service once, and the helm test to ask every service', () => {
    const twice = withChange('ServiceMonitor', 'pipeline-spotify-pipeline', (m) => {
      delete m.spec.selector.matchLabels['spotify-pipeline/endpoint'];
    });
    expect(messages(twice)).toEqual([
      // insights-service's page has a Service of its own, kept out of scraping only by the endpoint label.
      'ServiceMonitor/pipeline-spotify-pipeline: Service pipeline-insights-service-web has no port http-metrics',
      'ServiceMonitor/pipeline-spotify-pipeline: selects pipeline-insights-service and pipeline-insights-service-web for Deployment/pipeline-insights-service: every pod would be scraped twice and its counters summed twice',
      'ServiceMonitor/pipeline-spotify-pipeline: selects pipeline-consumer-service and pipeline-consumer-service-pods for StatefulSet/pipeline-consumer-service: every pod would be scraped twice and its counters summed twice',
      'ServiceMonitor/pipeline-spotify-pipeline: selects pipeline-etl-worker and pipeline-etl-worker-pods for StatefulSet/pipeline-etl-worker: every pod would be scraped twice and its counters summed twice',
    ]);
    const unscraped = withChange('Service', 'pipeline-catalog-sync', (s) => {
      delete s.metadata.labels['spotify-pipeline/endpoint'];
    });
    expect(messages(unscraped)).toEqual(['ServiceMonitor/pipeline-spotify-pipeline: selects no Service of Deployment/pipeline-catalog-sync, so its metrics and alerts are missing']);
    const partialTest = withChange('Pod', 'pipeline-test-readyz', (p) => {
      const env = p.spec.containers[0].env.find((e: { name: string }) => e.name === 'READYZ_URLS');
      env.value = env.value.split(' ').filter((url: string) => !url.includes('producer')).join(' ');
    });
    expect(messages(partialTest)).toEqual(["Pod/pipeline-test-readyz: does not ask Deployment/pipeline-producer-service's /readyz through a Service port"]);
  });
});
