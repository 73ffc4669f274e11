import { scrape, type MetricTotals } from './metrics-scrape.js';

export interface StatusTarget {
  label: string;
  port: number;
}

const n = (value: number | undefined): string => (value === undefined ? '-' : Math.round(value).toLocaleString('en-US'));

function get(m: MetricTotals | undefined, name: string): number | undefined {
  return m?.get(name);
}

/** One line per stage, from the same metrics Prometheus and CloudWatch read. */
export function renderStatus(samples: Record<string, MetricTotals | undefined>, header: string, eventsTopic = 'listening-events'): string {
  const p = samples.producer;
  const c = samples.sink;
  const e = samples.etl;
  const k = samples.catalog;
  const down = (m: MetricTotals | undefined): string => (m ? '' : '  (down)');
  return [
    header,
    '',
    `producer  produced ${n(get(p, `pipeline_producer_service_events_produced_total{topic="${eventsTopic}"}`))} events` +
      `  failed ${n(get(p, 'pipeline_producer_service_events_failed_total'))}` +
      `  malformed ${n(get(p, 'pipeline_producer_service_malformed_events_total'))}${down(p)}`,
    `sink      staged ${n(get(c, 'pipeline_consumer_service_records_out_total'))} records` +
      ` in ${n(get(c, 'pipeline_consumer_service_batches_total'))} objects` +
      `  lag ${n(get(c, 'pipeline_consumer_service_consumer_lag_records'))} records` +
      `  DLQ ${n(get(c, 'pipeline_consumer_service_dlq_records_total'))}` +
      `  paused ${n(get(c, 'pipeline_consumer_service_paused_partitions'))}${down(c)}`,
    `etl       in lake ${n(get(e, 'pipeline_etl_worker_rows_out_total'))} rows` +
      ` in ${n(get(e, 'pipeline_etl_worker_files_written_total'))} files` +
      `  rejected ${n(get(e, 'pipeline_etl_worker_rows_rejected_total'))}` +
      `  lag ${n(get(e, 'pipeline_etl_worker_consumer_lag_records'))} manifests` +
      `  DLQ ${n(get(e, 'pipeline_etl_worker_dlq_records_total'))}${down(e)}`,
    `catalog   partitions open ${n(get(k, 'pipeline_catalog_sync_open_partitions'))}` +
      ` closed ${n(get(k, 'pipeline_catalog_sync_partitions_closed_total'))}` +
      `  manifests ${n(get(k, 'pipeline_catalog_sync_manifests_total'))}` +
      `  reconcile diff ${n(get(k, 'pipeline_catalog_sync_reconcile_difference_records'))}${down(k)}`,
    '',
    'Ctrl-C stops the pipeline.   In another terminal: npm run report -- top-tracks',
  ].join('\n');
}

export async function sampleAll(targets: Record<string, number>): Promise<Record<string, MetricTotals | undefined>> {
  const entries = await Promise.all(Object.entries(targets).map(async ([key, port]) => [key, await scrape(port)] as const));
  return Object.fromEntries(entries);
}
