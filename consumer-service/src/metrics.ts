import { retentionLossCounter } from '@spotify-pipeline/shared/kafka';
import { Counter, Gauge, Histogram, LATENCY_BUCKETS_SECONDS, type Registry, SIZE_BUCKETS_BYTES } from '@spotify-pipeline/shared/metrics';

/** Every metric of the sink, registered on the injected registry. Updated once per poll or batch, never per record. */
export function createSinkMetrics(registry: Registry) {
  const registers = [registry];
  return {
    recordsIn: new Counter({ name: 'pipeline_consumer_service_records_in_total', help: 'Records consumed', labelNames: ['topic'], registers }),
    bytesIn: new Counter({ name: 'pipeline_consumer_service_bytes_in_total', help: 'Value bytes consumed', labelNames: ['topic'], registers }),
    recordsOut: new Counter({ name: 'pipeline_consumer_service_records_out_total', help: 'Records staged in committed objects', labelNames: ['topic'], registers }),
    bytesOut: new Counter({ name: 'pipeline_consumer_service_bytes_out_total', help: 'Compressed object bytes committed', labelNames: ['topic'], registers }),
    batches: new Counter({ name: 'pipeline_consumer_service_batches_total', help: 'Batches flushed, by the rule that closed them', labelNames: ['reason'], registers }),
    objectSize: new Histogram({ name: 'pipeline_consumer_service_object_size_bytes', help: 'Size of staged objects', buckets: SIZE_BUCKETS_BYTES, registers }),
    uploadLatency: new Histogram({ name: 'pipeline_consumer_service_upload_duration_seconds', help: 'Encode and upload time per object, retries included', buckets: LATENCY_BUCKETS_SECONDS, registers }),
    commitLatency: new Histogram({ name: 'pipeline_consumer_service_commit_duration_seconds', help: 'Kafka transaction time per flush round', buckets: LATENCY_BUCKETS_SECONDS, registers }),
    uploadRetries: new Counter({ name: 'pipeline_consumer_service_upload_retries_total', help: 'Upload attempts that failed and were retried', labelNames: ['error_code'], registers }),
    roundsAbandoned: new Counter({ name: 'pipeline_consumer_service_rounds_abandoned_total', help: 'Flush rounds aborted and re-read from the committed offsets', labelNames: ['error_code'], registers }),
    dlqRecords: new Counter({ name: 'pipeline_consumer_service_dlq_records_total', help: 'Records sent to the DLQ', labelNames: ['error_code'], registers }),
    lagRecords: new Gauge({ name: 'pipeline_consumer_service_consumer_lag_records', help: 'High watermark minus position', labelNames: ['topic', 'partition'], registers }),
    lagSeconds: new Gauge({ name: 'pipeline_consumer_service_consumer_lag_seconds', help: 'Age of the newest consumed record while behind', labelNames: ['topic', 'partition'], registers }),
    pausedPartitions: new Gauge({ name: 'pipeline_consumer_service_paused_partitions', help: 'Partitions paused by backpressure or an S3 outage', registers }),
    bufferedBytes: new Gauge({ name: 'pipeline_consumer_service_buffered_bytes', help: 'Bytes held in open and closed batches', registers }),
    recordsLostToRetention: retentionLossCounter({ name: 'pipeline_consumer_service_kafka_records_lost_to_retention_total', registers }),
  };
}

export type SinkMetrics = ReturnType<typeof createSinkMetrics>;
