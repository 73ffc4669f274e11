import { z } from 'zod';
import {
  envBool,
  envEnum,
  envInt,
  envList,
  envString,
  httpSettingsSchema,
  loadConfig,
  logSettingsSchema,
  storageSettingsSchema,
  tableSpecSettingsSchema,
  topicSettingsSchema,
  type Env,
} from '@spotify-pipeline/shared/config';
import { kafkaSettingsSchema } from '@spotify-pipeline/shared/kafka';
import { s3SettingsSchema } from '@spotify-pipeline/shared/s3';

const MIB = 1024 * 1024;

/** `SINK_*`: batching, encoding, backpressure and transactions of the staging sink. */
export const sinkSettingsSchema = z.strictObject({
  sourceTopics: envList('comma-separated topics to stage (default: TOPICS_LISTENING_EVENTS and the topics of the append tables in TABLE_SPECS_DIR)').optional(),
  groupId: envString('consumer group id; every replica of the sink joins the same group').default('consumer-service'),
  transactionalId: envString(
    'transactional.id, stable per instance slot (e.g. the pod name) so a restart fences its crashed predecessor at once; default consumer-service-<hostname>',
  ).optional(),
  transactionTimeoutMs: envInt('transaction.timeout.ms: how long a crashed process can hold read_committed readers back', 1000).default(30_000),
  sessionTimeoutMs: envInt('consumer group session timeout in milliseconds (how fast a dead member loses its partitions)', 6000).default(10_000),
  maxBatchRecords: envInt('flush a partition batch at this many records', 1).default(50_000),
  maxBatchBytes: envInt('flush a partition batch at this many uncompressed NDJSON bytes', 1024).default(32 * MIB),
  maxRecordTimeSpanMs: envInt('flush when the Kafka timestamps in a batch span this many milliseconds', 1).default(15 * 60_000),
  flushIdleMs: envInt('flush a batch that received no record for this many wall-clock milliseconds', 1).default(5_000),
  flushIntervalMs: envInt('flush a batch open for this many wall-clock milliseconds, however busy', 1).default(60_000),
  maxRecordBytes: envInt(
    'records whose value is larger than this many bytes go to the DLQ as RECORD_TOO_LARGE; when unset, KAFKA_MESSAGE_MAX_BYTES (the pipeline\'s one message limit); a value above that limit is refused at start',
    1,
  ).optional(),
  gzipLevel: envInt('gzip level 1 (fastest) .. 9 (smallest)', 1).max(9).default(1),
  format: envEnum(['ndjson', 'ndjson-envelope'] as const, 'ndjson (raw values, byte for byte) or ndjson-envelope (key, headers, partition, offset, timestamp, value)').default('ndjson'),
  maxBufferedBytes: envInt('cap on bytes held in open batches (compressed output and lines queued for zlib); past it the biggest partitions pause', MIB).default(128 * MIB),
  maxInflightUploads: envInt('uploads running at once', 1).default(4),
  uploadPartBytes: envInt('multipart part size for large objects (S3 minimum 5 MiB)', 5 * MIB).default(8 * MIB),
  uploadMaxAttempts: envInt('attempts per upload before the round is abandoned and its records re-read', 1).default(30),
  uploadMaxBackoffMs: envInt('longest wait between upload attempts', 10).default(5_000),
  pollMaxRecords: envInt('records fetched per poll', 1).default(5_000),
  pollTimeoutMs: envInt('longest wait for records in one poll', 1).default(100),
  consumers: envInt(
    'sink consumers in this process, each a child process with its own group member and transactional producer (transactional id + -w0, -w1, ... when above 1); give the pod about one CPU per consumer',
    1,
  )
    .max(64)
    .default(1),
  createTopics: envBool('create the source, DLQ and manifest topics at start when missing').default(true),
});

export type SinkSettings = z.output<typeof sinkSettingsSchema>;

/** consumer-service configuration: every field from one env variable (see shared/config envName). */
export const configSchema = z
  .strictObject({
    kafka: kafkaSettingsSchema,
    s3: s3SettingsSchema,
    topics: topicSettingsSchema.prefault({}),
    tableSpecs: tableSpecSettingsSchema.prefault({}),
    storage: storageSettingsSchema.prefault({}),
    sink: sinkSettingsSchema.prefault({}),
    http: httpSettingsSchema.prefault({ port: '9462' }),
    log: logSettingsSchema.prefault({}),
  })
  // One message size limit for the whole pipeline (issue 14): the sink may be stricter than the
  // producers (KAFKA_MESSAGE_MAX_BYTES), never looser; a drifted pair exits 78 before connecting.
  .superRefine((c, ctx) => {
    const limit = c.sink.maxRecordBytes;
    if (limit !== undefined && limit > c.kafka.messageMaxBytes) {
      ctx.addIssue({ code: 'custom', path: ['sink', 'maxRecordBytes'], message: `above KAFKA_MESSAGE_MAX_BYTES (${c.kafka.messageMaxBytes}), the pipeline's message limit; unset it to follow that limit` });
    }
  });

export type Config = z.output<typeof configSchema>;

/** SINK_MAX_RECORD_BYTES, else the pipeline's message limit: the largest value the sink stages. */
export function maxRecordBytesOf(config: Config): number {
  return config.sink.maxRecordBytes ?? config.kafka.messageMaxBytes;
}

export function readConfig(env: Env): Config {
  return loadConfig(configSchema, env);
}
