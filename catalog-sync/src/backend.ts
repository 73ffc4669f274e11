import { AthenaClient } from '@aws-sdk/client-athena';
import { GlueClient } from '@aws-sdk/client-glue';
import type { S3Client } from '@aws-sdk/client-s3';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { Logger } from '@spotify-pipeline/shared/logging';
import { Counter, type Registry } from '@spotify-pipeline/shared/metrics';
import type { StorageSettings } from '@spotify-pipeline/shared/config';
import type { S3Settings } from '@spotify-pipeline/shared/s3';
import { AthenaEngine } from './athena/athena-engine.js';
import type { Catalog } from './catalog/catalog.js';
import { lakeTables } from './catalog/tables.js';
import type { Config } from './config.js';
import { CrawlerCatalog } from './crawler/crawler-catalog.js';
import { GlueCrawler } from './crawler/glue-crawler.js';
import { GlueCatalog } from './glue/glue-catalog.js';
import { DuckDbEngine } from './local/duckdb-engine.js';
import { EmbeddedCatalog } from './local/embedded-catalog.js';
import { FileMirror } from './local/file-mirror.js';
import { ProjectionCatalog } from './projection/projection-catalog.js';
import type { QueryEngine } from './queries/query-engine.js';
import { JsonDocument } from './state/json-document.js';
import { emptySyncState, syncStateV1, type SyncState } from './state/sync-state.js';

export type BackendConfig = Pick<Config, 'catalog' | 'crawler' | 'athena' | 'local' | 'storage'> & { s3: S3Settings; storage: StorageSettings };

export interface Backend {
  catalog: Catalog;
  engine: QueryEngine;
  state: JsonDocument<SyncState>;
  close(): Promise<void>;
}

/** The catalog and query engine of the configured mode, plus the sync state document (every mode). */
export async function buildBackend(config: BackendConfig, s3: S3Client, logger: Logger, registry: Registry): Promise<Backend> {
  const bucket = config.storage.lakeBucket;
  const state = new JsonDocument(s3, bucket, config.catalog.stateKey, emptySyncState, (raw) => syncStateV1.parse(raw));
  let catalog: Catalog;
  let engine: QueryEngine;
  if (config.catalog.mode === 'local') {
    const embedded = new EmbeddedCatalog(s3, bucket, config.catalog.documentKey);
    catalog = embedded;
    engine = await DuckDbEngine.create(embedded, new FileMirror(s3, bucket, config.local.cacheDir));
  } else {
    const glue = new GlueClient({ region: config.s3.region });
    const glueOptions = { database: config.catalog.database, logger: logger.child({ component: 'glue' }) };
    if (config.catalog.mode === 'crawler') {
      if (!config.crawler.roleArn) {
        throw new PipelineError('CONFIG_INVALID', 'CRAWLER_ROLE_ARN is required when CATALOG_MODE=crawler. Fix: set CRAWLER_ROLE_ARN — the IAM role the crawler assumes.');
      }
      const crawler = new GlueCrawler(
        glue,
        {
          name: config.crawler.name,
          roleArn: config.crawler.roleArn,
          database: config.catalog.database,
          targets: lakeTables(bucket).map((t) => t.location),
          updateBehavior: config.crawler.updateBehavior,
          deleteBehavior: config.crawler.deleteBehavior,
        },
        { logger: logger.child({ component: 'crawler' }), waitTimeoutMs: config.crawler.waitTimeoutMs },
      );
      const crawls = new Counter({ name: 'pipeline_catalog_sync_crawls_total', help: 'Glue crawler runs by final status', labelNames: ['status'], registers: [registry] });
      catalog = new CrawlerCatalog(glue, glueOptions, crawler, crawls);
    } else if (config.catalog.mode === 'projection') {
      catalog = new ProjectionCatalog(glue, glueOptions, { firstDay: config.catalog.projectionFirstDay });
    } else {
      catalog = new GlueCatalog(glue, glueOptions);
    }
    engine = new AthenaEngine(new AthenaClient({ region: config.s3.region }), {
      workgroup: config.athena.workgroup,
      database: config.catalog.database,
      outputLocation: config.athena.outputLocation,
      pollMaxDelayMs: config.athena.pollMaxDelayMs,
      queryTimeoutMs: config.athena.queryTimeoutMs,
    });
  }
  return {
    catalog,
    engine,
    state,
    close: async () => {
      await engine.close();
      await catalog.close();
    },
  };
}
