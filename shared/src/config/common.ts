import { z } from 'zod';
import { envEnum, envInt, envString } from './env-schema.js';

/** `HTTP_PORT`: the ops server (/metrics, /healthz, /readyz). */
export const httpSettingsSchema = z.strictObject({
  port: envInt('port for /metrics, /healthz and /readyz, e.g. 9464 (0 picks a free port)').default(9464),
});

/** `LOG_LEVEL`. */
export const logSettingsSchema = z.strictObject({
  level: envEnum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const, 'one of fatal, error, warn, info, debug, trace, silent').default(
    'info',
  ),
});

/** `TOPICS_*`: topic names, so several pipelines can share one cluster. */
export const topicSettingsSchema = z.strictObject({
  listeningEvents: envString('topic of ListeningEvent records').default('listening-events'),
  tracks: envString('compacted topic of Track records').default('tracks'),
  dlq: envString('dead-letter topic').default('listening-events.dlq'),
  stagedFiles: envString('manifest topic of staged objects').default('pipeline.staged-files'),
  lakeFiles: envString('manifest topic of lake Parquet files').default('pipeline.lake-files'),
  partitions: envInt('partition count used when a topic must be created', 1).default(6),
  replicationFactor: envInt('replication factor used when a topic must be created (3 on MSK/Confluent Cloud)', 1).default(1),
  manifestRetentionMs: envInt(
    'retention.ms the manifest topics (staged-files, lake-files) are created with; -1 keeps them forever (they are the lineage ledger: a consumer lagging past a deleted manifest would silently skip it)',
    -1,
  ).default(-1),
  dlqRetentionMs: envInt('retention.ms the DLQ topic is created with; -1 keeps dead letters until someone deals with them', -1).default(-1),
});

export type TopicSettings = z.output<typeof topicSettingsSchema>;

/** `STORAGE_*`: where staged objects, lake tables and quarantine live. */
export const storageSettingsSchema = z.strictObject({
  stagingBucket: envString('bucket for raw NDJSON.gz staged by the sink').default('spotify-staging'),
  stagingPrefix: envString('key prefix of staged objects inside the staging bucket').default('staging'),
  lakeBucket: envString('bucket of the Parquet data lake (tables, quarantine, local catalog)').default('spotify-lake'),
});

export type StorageSettings = z.output<typeof storageSettingsSchema>;

/** `TABLE_SPECS_DIR`: tables declared in spec files, beside the built-in listening_events and tracks. */
export const tableSpecSettingsSchema = z.strictObject({
  dir: envString('folder of *.table.yaml table specs for your own topics, read at start beside the built-in listening_events and tracks (docs/table-specs.md)').optional(),
});

export type TableSpecSettings = z.output<typeof tableSpecSettingsSchema>;
