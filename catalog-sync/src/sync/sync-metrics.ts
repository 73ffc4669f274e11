import { Counter, Gauge, Histogram, LATENCY_BUCKETS_SECONDS, type Registry } from '@spotify-pipeline/shared/metrics';

/** catalog-sync's metrics, registered on the injected registry (one update per batch, bounded labels). */
export function createSyncMetrics(registry: Registry) {
  const registers = [registry];
  return {
    manifests: new Counter({
      name: 'pipeline_catalog_sync_manifests_total',
      help: 'Manifests applied, by topic and operation',
      labelNames: ['topic', 'operation'],
      registers,
    }),
    manifestsRejected: new Counter({
      name: 'pipeline_catalog_sync_manifests_rejected_total',
      help: 'Manifests sent to the DLQ instead of the catalog, by error code',
      labelNames: ['error_code'],
      registers,
    }),
    catalogWrites: new Counter({
      name: 'pipeline_catalog_sync_catalog_writes_total',
      help: 'Catalog writes by kind (ensureTable, addColumns, register, swap, close)',
      labelNames: ['kind'],
      registers,
    }),
    batchSeconds: new Histogram({
      name: 'pipeline_catalog_sync_batch_duration_seconds',
      help: 'From a batch polled to its offsets committed',
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    }),
    errors: new Counter({ name: 'pipeline_catalog_sync_errors_total', help: 'Errors by code', labelNames: ['error_code'], registers }),
    partitionsClosed: new Counter({
      name: 'pipeline_catalog_sync_partitions_closed_total',
      help: 'Hour partitions declared complete',
      labelNames: ['table'],
      registers,
    }),
    openPartitions: new Gauge({
      name: 'pipeline_catalog_sync_open_partitions',
      help: 'Hour partitions still accepting late data',
      labelNames: ['table'],
      registers,
    }),
    watermark: new Gauge({
      name: 'pipeline_catalog_sync_event_time_watermark_seconds',
      help: 'Event-time watermark of a source topic (lowest over its partitions), Unix seconds',
      labelNames: ['topic'],
      registers,
    }),
  };
}

export type SyncMetrics = ReturnType<typeof createSyncMetrics>;
