import { z } from 'zod';
import {
  envBool,
  envInt,
  envString,
  httpSettingsSchema,
  loadConfig,
  logSettingsSchema,
  storageSettingsSchema,
  tableSpecSettingsSchema,
  topicSettingsSchema,
  type Env,
} from '@spotify-pipeline/shared/config';
import { icebergSettingsSchema } from '@spotify-pipeline/shared/iceberg';
import { kafkaSettingsSchema } from '@spotify-pipeline/shared/kafka';
import { s3SettingsSchema } from '@spotify-pipeline/shared/s3';

/** `ETL_*`: how the worker consumes, writes Parquet and compacts. */
export const etlSettingsSchema = z.strictObject({
  groupId: envString('consumer group of the ETL on the staged-files manifest topic').default('etl-worker'),
  transactionalId: envString('transactional id, unique per live process (default etl-worker-<hostname>)').optional(),
  transactionTimeoutMs: envInt('Kafka transaction timeout in milliseconds', 1_000).default(60_000),
  maxManifestsPerBatch: envInt('staged manifests processed per Kafka transaction', 1).default(8),
  pollTimeoutMs: envInt('how long one poll of the manifest topic waits, in milliseconds', 10).default(200),
  rowGroupRows: envInt('Parquet row group size in rows (Athena reads row groups in parallel)', 1_000).default(122_880),
  tmpDir: envString('directory for the temporary NDJSON and Parquet files DuckDB reads and writes (default /dev/shm when present, else the OS temp dir)').optional(),
  validationThreads: envInt(
    'worker threads that JSON-parse and validate lines (0 = the main thread; more helps only with spare cores, see README)',
    0,
  ).default(0),
  duckdbThreads: envInt(
    'DuckDB worker threads (0 = one per core); 1 makes reprocessing byte-identical and spends less CPU per row (parallelism comes from ETL_PARALLEL_WRITES)',
    0,
  ).default(1),
  parallelWrites: envInt('staged objects encoded to Parquet at once, one DuckDB connection each (2 keeps two cores busy with one DuckDB thread)', 1).default(2),
  trustSinkVouch: envBool(
    "take the sink's word (a staged manifest's canonical_form) that every line of an object is in the canonical form this worker checks: DuckDB then reads the object as it is, and only repeated event ids and event times out of range are looked for in what it wrote (false: every line is checked here)",
  ).default(true),
  duckdbMemoryLimitMb: envInt('DuckDB memory limit in MiB', 64).default(1_024),
  eventTimeMaxPastMs: envInt('oldest event time accepted, as a distance back from now in ms; older lines are quarantined as event_time_out_of_range (default 20 years)', 0).default(20 * 365 * 86_400_000),
  eventTimeMaxFutureMs: envInt(
    'latest event time accepted, as a distance ahead of now in ms (device clock skew); later lines are quarantined. The compactor also ignores a lake manifest whose watermark is further ahead of its clock than this (watermarks are otherwise cut to the clock: see README, Compaction)',
    0,
  ).default(86_400_000),
  livenessStallMs: envInt('the worker reports not live when its loop has not gone round for this long, in ms (a compaction of a large hour must fit in it)', 10_000).default(600_000),
  maxNewColumns: envInt('most new columns (fields beyond the contract) the table may grow; a line that would add more is quarantined as unsupported_field', 0).default(100),
  allowedLatenessMs: envInt('event-time lateness after which an hour partition is closed and compacted, in milliseconds', 0).default(2 * 3_600_000),
  compactionTargetBytes: envInt("target size of a compacted Parquet file in bytes, for every table whose spec sets no parquet.target_file_size_mb", 1_024).default(128 * 1024 * 1024),
  compactionMinFiles: envInt('small files (below 3/4 of the target) a closed hour must have before they are merged', 2).default(4),
  compactionIntervalMs: envInt('how often closed hours are checked for compaction, in milliseconds (0 = never)', 0).default(60_000),
  compactionGroupId: envString('consumer group the compactor reads pipeline.lake-files with to learn which hours it owns (never commits: state is rebuilt on start)').default(
    'etl-compactor',
  ),
  tracksSnapshotIntervalMs: envInt('how long tracks changes settle before a new tracks snapshot is written, in milliseconds', 0).default(30_000),
  tracksGroupId: envString('consumer group the tracks dimension reads the tracks topic with (never commits)').default('etl-tracks'),
});

export type EtlSettings = z.output<typeof etlSettingsSchema>;

/** etl-worker configuration: every field from one env variable (see shared/config envName). */
export const configSchema = z.strictObject({
  kafka: kafkaSettingsSchema,
  s3: s3SettingsSchema,
  topics: topicSettingsSchema.prefault({}),
  tableSpecs: tableSpecSettingsSchema.prefault({}),
  storage: storageSettingsSchema.prefault({}),
  etl: etlSettingsSchema.prefault({}),
  iceberg: icebergSettingsSchema.prefault({}),
  http: httpSettingsSchema.prefault({ port: '9463' }),
  log: logSettingsSchema.prefault({}),
});

export type Config = z.output<typeof configSchema>;

export function readConfig(env: Env): Config {
  return loadConfig(configSchema, env);
}
