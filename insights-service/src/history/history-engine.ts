import { AthenaClient } from '@aws-sdk/client-athena';
import type { S3Client } from '@aws-sdk/client-s3';
import { AthenaEngine, DuckDbEngine, FileMirror, type QueryEngine } from '@spotify-pipeline/catalog-sync/local';
import { LakeCatalog, restCatalogFor, S3FileIO, TableReader } from '@spotify-pipeline/shared/iceberg';
import type { Config } from '../config.js';

/**
 * catalog-sync's query engines over the lake's Iceberg tables: DuckDB over the current snapshot's
 * data files (mirrored into HISTORY_CACHE_DIR; read from the manifests, never by listing folders),
 * or Athena reading the tables from the Glue Data Catalog. Undefined when the panel is off.
 */
export async function createHistoryEngine(config: Pick<Config, 'history' | 'iceberg' | 's3' | 'storage'>, s3: () => S3Client): Promise<QueryEngine | undefined> {
  const { history } = config;
  switch (history.engine) {
    case 'off':
      return undefined;
    case 'duckdb': {
      const io = new S3FileIO(s3());
      const lake = new LakeCatalog(restCatalogFor(config.iceberg, config.s3.region), config.iceberg.namespace, config.storage.lakeBucket);
      return DuckDbEngine.create(lake, new TableReader(io), new FileMirror(io, history.cacheDir));
    }
    case 'athena':
      return new AthenaEngine(new AthenaClient({ region: config.iceberg.region ?? config.s3.region }), {
        workgroup: history.athenaWorkgroup,
        database: config.iceberg.namespace,
        ...(history.athenaOutputLocation ? { outputLocation: history.athenaOutputLocation } : {}),
        pollMaxDelayMs: 2_000,
        queryTimeoutMs: history.queryTimeoutMs,
      });
  }
}
