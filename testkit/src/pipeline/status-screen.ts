import type { StageState } from './child-probe.js';
import type { MetricTotals } from './metrics-scrape.js';

export type StageKey = 'producer' | 'sink' | 'etl' | 'catalog' | 'insights';

export type StageStates = Record<StageKey, StageState>;

const n = (value: number | undefined): string => (value === undefined ? '-' : Math.round(value).toLocaleString('en-US'));

const FOOTER = [
  'Ctrl-C stops the pipeline (each service drains). In another terminal:',
  '  npm run report -- top-tracks                 saved queries: npm run report -- --list',
  '  npm run query -- "select platform_family, count(*) from listening_events group by 1"',
  '  npm run catalog -- status                    partitions, closed/open, reconciliation',
];

/** The numbers of one stage, from the same metrics Prometheus and CloudWatch read. */
function numbers(stage: StageKey, m: MetricTotals | undefined, eventsTopic: string): string {
  const get = (name: string): string => n(m?.get(name));
  switch (stage) {
    case 'producer':
      return (
        `produced ${get(`pipeline_producer_service_events_produced_total{topic="${eventsTopic}"}`)} events` +
        `  failed ${get('pipeline_producer_service_events_failed_total')}` +
        `  malformed ${get('pipeline_producer_service_malformed_events_total')}`
      );
    case 'sink':
      return (
        `staged ${get('pipeline_consumer_service_records_out_total')} records` +
        ` in ${get('pipeline_consumer_service_batches_total')} objects` +
        `  lag ${get('pipeline_consumer_service_consumer_lag_records')} records` +
        `  DLQ ${get('pipeline_consumer_service_dlq_records_total')}` +
        `  paused ${get('pipeline_consumer_service_paused_partitions')}`
      );
    case 'etl':
      return (
        `in lake ${get('pipeline_etl_worker_rows_out_total')} rows` +
        ` in ${get('pipeline_etl_worker_files_written_total')} files` +
        `  rejected ${get('pipeline_etl_worker_rows_rejected_total')}` +
        `  lag ${get('pipeline_etl_worker_consumer_lag_records')} manifests` +
        `  DLQ ${get('pipeline_etl_worker_dlq_records_total')}`
      );
    case 'catalog':
      return (
        `partitions open ${get('pipeline_catalog_sync_open_partitions')}` +
        ` closed ${get('pipeline_catalog_sync_partitions_closed_total')}` +
        `  manifests ${get('pipeline_catalog_sync_manifests_total')}` +
        `  reconcile diff ${get('pipeline_catalog_sync_reconcile_difference_records')}`
      );
    case 'insights':
      return (
        `counted ${get('pipeline_insights_service_records_total{outcome="accepted"}')} events` +
        ` in ${get('pipeline_insights_service_windows')} windows` +
        `  ${get('pipeline_insights_service_events_per_second')} events/s` +
        `  late ${get('pipeline_insights_service_records_total{outcome="late"}')}` +
        `  skipped ${get('pipeline_insights_service_records_skipped_total')}` +
        (m?.get('pipeline_insights_service_rebuilding') === 1 ? '  (rebuilding from Kafka)' : '')
      );
  }
}

/** One line per stage: its numbers when our child answers, else why not (never someone else's numbers). */
export function stageLine(stage: StageKey, state: StageState, eventsTopic = 'listening-events'): string {
  const label = stage.padEnd(10);
  switch (state.kind) {
    case 'up':
      return `${label}${numbers(stage, state.metrics, eventsTopic)}${state.live ? '' : '  (not live: /healthz 503)'}`;
    case 'starting':
      return `${label}starting… (${Math.round(state.sinceMs / 1000)} s, ops port not answering yet)`;
    case 'down':
      return `${label}DOWN  ${state.reason}`;
  }
}

export function renderStatus(states: StageStates, header: string, eventsTopic = 'listening-events'): string {
  const stages: StageKey[] = ['producer', 'sink', 'etl', 'catalog', 'insights'];
  return [header, '', ...stages.map((stage) => stageLine(stage, states[stage], eventsTopic)), '', ...FOOTER].join('\n');
}

/** What changed enough to print a new screen when output is not a terminal (no redraw there). */
export function stateSignature(states: StageStates): string {
  return Object.values(states)
    .map((state) => (state.kind === 'down' ? `down:${state.reason}` : state.kind === 'up' ? `up:${state.live}` : state.kind))
    .join('|');
}
