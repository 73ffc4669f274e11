import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { checkMetricReferences, registeredMetricNames } from '../../src/metric-names';

const repoRoot = path.resolve(__dirname, '../../../..');

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'metric-names-'));
});
afterAll(() => {
  rmSync(scratch, { recursive: true, force: true });
});

describe('metric names in dashboards, alarms and scalers', () => {
  it('finds the services\' registered metrics, including names built from a prefix constant', () => {
    const registered = registeredMetricNames(repoRoot);
    expect(registered).toContain('pipeline_consumer_service_consumer_lag_records');
    expect(registered).toContain('pipeline_producer_service_events_produced_total');
  });

  it('reports a name no service registers, and accepts histogram series of a registered one', () => {
    const file = path.join(scratch, 'panel.json');
    writeFileSync(
      file,
      JSON.stringify({
        expr: 'histogram_quantile(0.95, sum by (le) (rate(pipeline_consumer_service_object_size_bytes_bucket[5m]))) + pipeline_consumer_service_records_lost_total',
      }),
    );
    const { covered, findings } = checkMetricReferences(repoRoot, [file]);
    expect(covered).toBe(2);
    expect(findings.map((f) => f.message)).toEqual(['pipeline_consumer_service_records_lost_total is not registered by any service']);
  });
});
