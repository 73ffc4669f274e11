import { retentionLossCounter } from '@spotify-pipeline/shared/kafka';
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
    commits: new Counter({
      name: 'pipeline_catalog_sync_commits_total',
      help: 'Iceberg snapshots committed, by table and operation (append, replace, overwrite)',
      labelNames: ['table', 'operation'],
      registers,
    }),
    commitSeconds: new Histogram({
      name: 'pipeline_catalog_sync_commit_duration_seconds',
      help: 'One snapshot: manifests written, catalog commit answered',
      labelNames: ['table'],
      buckets: LATENCY_BUCKETS_SECONDS,
      registers,
    }),
    filesPerCommit: new Histogram({
      name: 'pipeline_catalog_sync_files_per_commit',
      help: 'Data files added plus removed by one snapshot',
      labelNames: ['table'],
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers,
    }),
    snapshotsExpired: new Counter({ name: 'pipeline_catalog_sync_snapshots_expired_total', help: 'Snapshots removed by expiry', labelNames: ['table'], registers }),
    filesDeleted: new Counter({
      name: 'pipeline_catalog_sync_files_deleted_total',
      help: 'Files deleted by the janitor because no retained snapshot references them, by kind (data, metadata)',
      labelNames: ['table', 'kind'],
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
      help: 'Event hours declared complete',
      labelNames: ['table'],
      registers,
    }),
    openPartitions: new Gauge({
      name: 'pipeline_catalog_sync_open_partitions',
      help: 'Event hours still accepting late data',
      labelNames: ['table'],
      registers,
    }),
    watermark: new Gauge({
      name: 'pipeline_catalog_sync_event_time_watermark_seconds',
      help: 'Event-time watermark of a source topic (lowest over its partitions), Unix seconds',
      labelNames: ['topic'],
      registers,
    }),
    recordsLostToRetention: retentionLossCounter({ name: 'pipeline_catalog_sync_kafka_records_lost_to_retention_total', registers }),
  };
}

export type SyncMetrics = ReturnType<typeof createSyncMetrics>;
