import { z } from 'zod';
import { envEnum, envInt, envString, httpSettingsSchema, loadConfig, logSettingsSchema, storageSettingsSchema, topicSettingsSchema, type Env } from '@spotify-pipeline/shared/config';
import { icebergSettingsSchema } from '@spotify-pipeline/shared/iceberg';
import { kafkaSettingsSchema } from '@spotify-pipeline/shared/kafka';
import { s3SettingsSchema } from '@spotify-pipeline/shared/s3';

const HOUR_MS = 3_600_000;

/** `INSIGHTS_*`: the live windows over `listening-events`. */
export const insightsSettingsSchema = z.strictObject({
  horizonMs: envInt('how far back one-minute windows are kept (and rebuilt from Kafka at start), in ms', 60_000).default(24 * HOUR_MS),
  allowedLatenessMs: envInt("how long after a window ends (in its partition's event time) late events still update it, in ms; later ones are counted as late and dropped").default(HOUR_MS),
  maxFutureMs: envInt("events dated further ahead of the service's clock than this are not counted, in ms (the ETL's default bound, ETL_EVENT_TIME_MAX_FUTURE_MS)").default(24 * HOUR_MS),
  topCapacity: envInt('counters of each window\'s top-tracks and top-artists sketch (Space-Saving k): counts overestimate by at most plays/k', 8).default(128),
  hourTopCapacity: envInt("counters of each hour's top-tracks and top-artists sketch (Space-Saving over an hour, minute by minute): a period's top list takes its hours from these, so counts overestimate by at most about plays/k per hour touched; one hour of both sketches costs about k × 1.07 KB (533 B per counter, measured), so 4.2 MiB at 4,096", 8).default(4_096),
  hllPrecision: envInt('HyperLogLog precision of the distinct-listener sketches (4-16): 2^p bytes per window, standard error 1.04/sqrt(2^p)', 4).max(16).default(12),
  groupId: envString('consumer group id the service identifies with; it assigns every partition itself and never commits offsets').default('insights-service'),
  pollBatchSize: envInt('max records per consume call', 1).default(5_000),
  pollIdleMs: envInt('consume timeout per poll when no record is waiting, in ms', 10).default(100),
  partitionRefreshMs: envInt('how often the source topic is checked for new partitions, in ms', 1_000).default(60_000),
  maxRecordBytes: envInt("records larger than this are not counted, in bytes; when unset, KAFKA_MESSAGE_MAX_BYTES (the pipeline's one message limit, which the sink's SINK_MAX_RECORD_BYTES follows too: it sends larger values to the DLQ)", 1).optional(),
  eventTimeMaxPastMs: envInt("oldest event time the lake accepts, as a distance back from now in ms (the ETL's ETL_EVENT_TIME_MAX_PAST_MS)", 0).default(20 * 365 * 86_400_000),
  eventTimeMaxFutureMs: envInt("latest event time the lake accepts, as a distance ahead of now in ms (the ETL's ETL_EVENT_TIME_MAX_FUTURE_MS)", 0).default(86_400_000),
  trendingMinPlays: envInt('a track needs at least this many plays in the last hour to be listed as trending', 1).default(5),
  livenessStallMs: envInt('report not live when the read loop has not gone round for this long, in ms', 1_000).default(60_000),
});

/** `WEB_*`: the JSON API and the live page. */
export const webSettingsSchema = z.strictObject({
  port: envInt('port of the live page and the JSON API (0 picks a free port)').default(9480),
  host: envString('address the page and API listen on').default('0.0.0.0'),
  pushIntervalMs: envInt('how often the page\'s live figures are pushed to each open page (Server-Sent Events), in ms', 100).default(1_000),
  maxStreamClients: envInt('open live streams at most; more are refused with 503 (each costs a socket and a write per push)', 1).default(200),
  staleAfterMs: envInt('the page says the data is stale when no event has arrived for this long, in ms', 1_000).default(30_000),
});

export const HISTORY_ENGINES = ['duckdb', 'athena', 'off'] as const;

/** `HISTORY_*`: the page's history panel, answered from the lake. */
export const historySettingsSchema = z.strictObject({
  engine: envEnum(HISTORY_ENGINES, 'duckdb (DuckDB over the Iceberg tables\' current snapshot, as catalog-sync does locally), athena, or off (no history panel)').default('duckdb'),
  days: envInt('days of history the panel shows (daily top tracks and listening hours)', 1).max(90).default(7),
  cacheTtlMs: envInt('how long a history answer is served from memory before the lake is asked again, in ms', 1_000).default(300_000),
  cacheDir: envString('directory where DuckDB\'s copies of the lake\'s data files are kept (duckdb engine)').default('.cache/insights-service'),
  athenaWorkgroup: envString('Athena workgroup (athena engine)').default('primary'),
  athenaOutputLocation: envString('s3:// prefix for Athena query results (athena engine; optional when the workgroup enforces one)').optional(),
  queryTimeoutMs: envInt('give up on one history query after this many ms (athena engine)', 1_000).default(120_000),
});

/** insights-service configuration: every field from one env variable (see shared/config envName). */
export const configSchema = z.strictObject({
  kafka: kafkaSettingsSchema,
  topics: topicSettingsSchema.prefault({}),
  insights: insightsSettingsSchema.prefault({}),
  web: webSettingsSchema.prefault({}),
  history: historySettingsSchema.prefault({}),
  s3: s3SettingsSchema.prefault({}),
  iceberg: icebergSettingsSchema.prefault({}),
  storage: storageSettingsSchema.prefault({}),
  http: httpSettingsSchema.prefault({ port: '9465' }),
  log: logSettingsSchema.prefault({}),
});

export type Config = z.output<typeof configSchema>;

/** INSIGHTS_MAX_RECORD_BYTES, else the pipeline's message limit: what the sink stages is what is counted. */
export function maxRecordBytesOf(config: Config): number {
  return config.insights.maxRecordBytes ?? config.kafka.messageMaxBytes;
}

export function readConfig(env: Env): Config {
  return loadConfig(configSchema, env);
}
