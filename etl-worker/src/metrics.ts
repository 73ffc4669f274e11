import { retentionLossCounter } from '@spotify-pipeline/shared/kafka';
import { Counter, Gauge, Histogram, LATENCY_BUCKETS_SECONDS, SIZE_BUCKETS_BYTES, type Registry } from '@spotify-pipeline/shared/metrics';

/** Every metric of the ETL, registered on the injected registry (never the global one). */
export function createEtlMetrics(registry: Registry) {
  const registers = [registry];
  return {
    stagedObjects: new Counter({ name: 'pipeline_etl_worker_staged_objects_total', help: 'staged objects processed (committed or not)', registers }),
    rowsIn: new Counter({ name: 'pipeline_etl_worker_rows_in_total', help: 'lines read from staged objects', registers }),
    rowsOut: new Counter({ name: 'pipeline_etl_worker_rows_out_total', help: 'rows written to lake Parquet files', labelNames: ['table'], registers }),
    rowsRejected: new Counter({ name: 'pipeline_etl_worker_rows_rejected_total', help: 'lines quarantined, by reason', labelNames: ['reason'], registers }),
    rowsDuplicate: new Counter({ name: 'pipeline_etl_worker_rows_duplicate_total', help: 'lines dropped as a repeated event_id within one staged object', registers }),
    vouchedObjects: new Counter({
      name: 'pipeline_etl_worker_vouched_objects_total',
      help: "staged objects the sink vouched for (every line canonical): written as they are (taken), or found to need the line check and prepared again line by line (line_checked)",
      labelNames: ['outcome'],
      registers,
    }),
    filesWritten: new Counter({ name: 'pipeline_etl_worker_files_written_total', help: 'lake objects written, by operation', labelNames: ['operation'], registers }),
    bytesWritten: new Counter({ name: 'pipeline_etl_worker_bytes_written_total', help: 'bytes of lake objects written, by operation', labelNames: ['operation'], registers }),
    fileSize: new Histogram({ name: 'pipeline_etl_worker_file_size_bytes', help: 'size of written Parquet files', buckets: SIZE_BUCKETS_BYTES, registers }),
    parquetWrite: new Histogram({ name: 'pipeline_etl_worker_parquet_write_seconds', help: 'DuckDB NDJSON to Parquet time per file', buckets: LATENCY_BUCKETS_SECONDS, registers }),
    commit: new Histogram({ name: 'pipeline_etl_worker_commit_seconds', help: 'Kafka transaction time (manifests + offsets)', buckets: LATENCY_BUCKETS_SECONDS, registers }),
    dlq: new Counter({ name: 'pipeline_etl_worker_dlq_records_total', help: 'records produced to the DLQ topic', registers }),
    stagedObjectsDeadLettered: new Counter({
      name: 'pipeline_etl_worker_staged_objects_dead_lettered_total',
      help: 'staged objects that can never be processed (missing, corrupt), their manifest sent to the DLQ, by error code',
      labelNames: ['error_code'],
      registers,
    }),
    batchFailures: new Counter({ name: 'pipeline_etl_worker_batch_failures_total', help: 'batches that failed and were retried after a backoff, by error code', labelNames: ['error_code'], registers }),
    lagRecords: new Gauge({ name: 'pipeline_etl_worker_consumer_lag_records', help: 'staged manifests not yet processed', labelNames: ['partition'], registers }),
    freshness: new Gauge({ name: 'pipeline_etl_worker_event_time_lag_seconds', help: 'now minus the newest event time committed to the lake', registers }),
    compactions: new Counter({ name: 'pipeline_etl_worker_compactions_total', help: 'hour partitions compacted', registers }),
    compactionRounds: new Counter({ name: 'pipeline_etl_worker_compaction_rounds_total', help: 'compaction rounds run (each reads the table snapshot and plans every owned hour)', registers }),
    compactionFailures: new Counter({ name: 'pipeline_etl_worker_compaction_failures_total', help: 'compaction rounds or hours that failed (retried on the next round)', registers }),
    trackSnapshots: new Counter({ name: 'pipeline_etl_worker_tracks_snapshots_total', help: 'tracks dimension snapshots written', registers }),
    recordsLostToRetention: retentionLossCounter({ name: 'pipeline_etl_worker_kafka_records_lost_to_retention_total', registers }),
  };
}

export type EtlMetrics = ReturnType<typeof createEtlMetrics>;
