import { z } from 'zod';
import {
  envEnum,
  envInt,
  envString,
  httpSettingsSchema,
  loadConfig,
  logSettingsSchema,
  storageSettingsSchema,
  topicSettingsSchema,
  type Env,
} from '@spotify-pipeline/shared/config';
import { kafkaSettingsSchema } from '@spotify-pipeline/shared/kafka';
import { s3SettingsSchema } from '@spotify-pipeline/shared/s3';

export const CATALOG_MODES = ['local', 'glue', 'crawler', 'projection'] as const;
export type CatalogMode = (typeof CATALOG_MODES)[number];

/** `CATALOG_*`: which catalog is kept current, and how partitions are declared complete. */
export const catalogSettingsSchema = z.strictObject({
  mode: envEnum(CATALOG_MODES, 'local (embedded catalog + DuckDB), glue, crawler or projection').default('local'),
  database: envString('Glue database name').default('spotify_lake'),
  documentKey: envString('key of the embedded catalog JSON inside the lake bucket (local mode)').default('_catalog/catalog.json'),
  stateKey: envString('key of the sync state JSON (watermarks, reconciliation ledger) inside the lake bucket').default('_catalog/sync-state.json'),
  allowedLatenessMs: envInt('how long after an hour ends late events are still accepted, in ms; an hour closes after it').default(3_600_000),
  ledgerRetentionMs: envInt('keep the reconciliation ledger of a closed hour this long after its end (event time), in ms').default(7 * 86_400_000),
  groupId: envString('consumer group of catalog-sync on the manifest topics').default('catalog-sync'),
  pollBatchSize: envInt('max manifests applied per catalog write', 1).default(500),
  pollIdleMs: envInt('consume timeout per poll, in ms', 10).default(500),
  projectionFirstDay: envString('projection mode: first day the lake can hold, yyyy-MM-dd').default('2020-01-01'),
});

/** `CRAWLER_*`: the Glue crawler, for users who want the seed's design. */
export const crawlerSettingsSchema = z.strictObject({
  name: envString('Glue crawler name').default('spotify-lake-crawler'),
  roleArn: envString('IAM role the crawler assumes (needs s3:GetObject on the lake and glue:* on the database)').optional(),
  updateBehavior: envEnum(['UPDATE_IN_DATABASE', 'LOG'] as const, 'schema change policy: LOG (allows CRAWL_NEW_FOLDERS_ONLY) or UPDATE_IN_DATABASE (forces full recrawls)').default('LOG'),
  deleteBehavior: envEnum(['LOG', 'DELETE_FROM_DATABASE', 'DEPRECATE_IN_DATABASE'] as const, 'what the crawler does with vanished objects').default('LOG'),
  waitTimeoutMs: envInt('how long to wait for one crawl to finish, in ms', 1000).default(900_000),
});

/** `ATHENA_*`: where Athena runs the saved queries. */
export const athenaSettingsSchema = z.strictObject({
  workgroup: envString('Athena workgroup').default('primary'),
  outputLocation: envString('s3:// prefix for Athena query results, e.g. s3://my-athena-results/catalog-sync/').optional(),
  pollMaxDelayMs: envInt('longest pause between two GetQueryExecution polls, in ms', 100).default(5_000),
  queryTimeoutMs: envInt('give up on a query after this many ms', 1000).default(600_000),
});

/** `LOCAL_*`: the DuckDB engine of local mode. */
export const localSettingsSchema = z.strictObject({
  cacheDir: envString('directory where lake Parquet files are mirrored (keyed by ETag) for DuckDB').default('.cache/catalog-sync'),
});

/** catalog-sync configuration: every field from one env variable (see shared/config envName). */
export const configSchema = z.strictObject({
  kafka: kafkaSettingsSchema,
  s3: s3SettingsSchema,
  topics: topicSettingsSchema.prefault({}),
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
  return loadConfig(configSchema, env);
}

export function readCliConfig(env: Env): CliConfig {
  return loadConfig(cliConfigSchema, env);
}
