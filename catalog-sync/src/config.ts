import { z } from 'zod';
import {
  envEnum,
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
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { icebergSettingsSchema } from '@spotify-pipeline/shared/iceberg';
import { kafkaSettingsSchema } from '@spotify-pipeline/shared/kafka';
import { s3SettingsSchema } from '@spotify-pipeline/shared/s3';

export const QUERY_ENGINES = ['duckdb', 'athena'] as const;
export type QueryEngineName = (typeof QUERY_ENGINES)[number];

/** `CATALOG_*`: how manifests become Iceberg commits, how hours are declared complete, how storage is kept bounded. */
export const catalogSettingsSchema = z.strictObject({
  engine: envEnum(QUERY_ENGINES, 'duckdb (local: DuckDB over the current snapshot\'s files) or athena').default('duckdb'),
  stateKey: envString('key of the lineage ledger JSON (watermarks, reconciliation) inside the lake bucket').default('_catalog/sync-state.json'),
  allowedLatenessMs: envInt('how long after an hour ends late events are still accepted, in ms; an hour closes after it').default(3_600_000),
  ledgerRetentionMs: envInt('keep the reconciliation ledger of a closed hour this long after its end (event time), in ms').default(7 * 86_400_000),
  groupId: envString('consumer group of catalog-sync on the manifest topics').default('catalog-sync'),
  pollBatchSize: envInt('max manifests committed per catalog batch (a compaction of more files than this cannot be committed)', 1).default(500),
  pollIdleMs: envInt('consume timeout per poll, in ms', 10).default(500),
  snapshotMaxAgeMs: envInt('expire snapshots older than this (how far back time travel reaches), in ms').default(6 * 3_600_000),
  snapshotMinKeep: envInt('keep at least this many of the newest snapshots whatever their age', 1).default(20),
  orphanMinAgeMs: envInt('delete files no retained snapshot references only once older than this, in ms (protects writes in flight)', 60_000).default(3 * 86_400_000),
  livenessStallMs: envInt('report not live when the loop has not gone round for this long, in ms (a janitor round over a large table must fit in it)', 10_000).default(600_000),
  janitorIntervalMs: envInt('how often snapshots are expired and unreferenced files deleted, in ms (0 = never)').default(3_600_000),
});

/**
 * `CRAWLER_*`: an optional Glue crawler with an Iceberg target. With a REST catalog other than
 * Glue, it registers the lake's tables in a Glue database so Athena can read them; with
 * ICEBERG_CATALOG=glue the tables are in Glue already and no crawler is needed.
 */
export const crawlerSettingsSchema = z.strictObject({
  name: envString('Glue crawler name; set it to keep a crawler with an Iceberg target on the lake tables (off when unset)').optional(),
  roleArn: envString('IAM role the crawler assumes (s3:GetObject on the tables, glue:* on the database); required with CRAWLER_NAME').optional(),
  database: envString('Glue database the crawler registers the tables in (default: ICEBERG_NAMESPACE)').optional(),
  minIntervalMs: envInt('start a crawl at most this often after commits, in ms', 60_000).default(900_000),
  waitTimeoutMs: envInt('how long to wait for one crawl to finish, in ms', 1000).default(900_000),
});

/** `ATHENA_*`: where Athena runs the saved queries. */
export const athenaSettingsSchema = z.strictObject({
  workgroup: envString('Athena workgroup').default('primary'),
  outputLocation: envString('s3:// prefix for Athena query results, e.g. s3://my-athena-results/catalog-sync/').optional(),
  pollMaxDelayMs: envInt('longest pause between two GetQueryExecution polls, in ms', 100).default(5_000),
  queryTimeoutMs: envInt('give up on a query after this many ms', 1000).default(600_000),
});

/** `LOCAL_*`: the DuckDB engine. */
export const localSettingsSchema = z.strictObject({
  cacheDir: envString('directory where the lake\'s data files are mirrored for DuckDB (immutable: cached by path and size)').default('.cache/catalog-sync'),
});

/** catalog-sync configuration: every field from one env variable (see shared/config envName). */
export const configSchema = z.strictObject({
  kafka: kafkaSettingsSchema,
  s3: s3SettingsSchema,
  iceberg: icebergSettingsSchema.prefault({}),
  topics: topicSettingsSchema.prefault({}),
  tableSpecs: tableSpecSettingsSchema.prefault({}),
  storage: storageSettingsSchema.prefault({}),
  catalog: catalogSettingsSchema.prefault({}),
  crawler: crawlerSettingsSchema.prefault({}),
  athena: athenaSettingsSchema.prefault({}),
  local: localSettingsSchema.prefault({}),
  http: httpSettingsSchema.prefault({ port: '9464' }),
  log: logSettingsSchema.prefault({}),
});

export type Config = z.output<typeof configSchema>;

/** The CLI reads the catalog and queries the lake; it never touches Kafka, so brokers are not required. */
export const cliConfigSchema = configSchema.omit({ kafka: true, http: true });
export type CliConfig = z.output<typeof cliConfigSchema>;

export function readConfig(env: Env): Config {
  const config = loadConfig(configSchema, env);
  if (config.crawler.name && !config.crawler.roleArn) {
    throw new PipelineError('CONFIG_INVALID', 'Invalid configuration: CRAWLER_ROLE_ARN is required when CRAWLER_NAME is set. Fix: set CRAWLER_ROLE_ARN to the IAM role the crawler assumes, or unset CRAWLER_NAME.');
  }
  return config;
}

export function readCliConfig(env: Env): CliConfig {
  return loadConfig(cliConfigSchema, env);
}

/** The spec commands read spec files and bind SQL in DuckDB: no catalog, no S3, no brokers. */
export const specCliConfigSchema = z.strictObject({ topics: topicSettingsSchema.prefault({}), tableSpecs: tableSpecSettingsSchema.prefault({}), log: logSettingsSchema.prefault({}) });
export type SpecCliConfig = z.output<typeof specCliConfigSchema>;

export function readSpecCliConfig(env: Env): SpecCliConfig {
  return loadConfig(specCliConfigSchema, env);
}
