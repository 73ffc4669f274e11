import { AthenaClient } from '@aws-sdk/client-athena';
import type { S3Client } from '@aws-sdk/client-s3';
import { LakeCatalog, restCatalogFor, S3FileIO, TableReader } from '@spotify-pipeline/shared/iceberg';
import { AthenaEngine } from './athena/athena-engine.js';
import type { CliConfig } from './config.js';
import { DuckDbEngine } from './local/duckdb-engine.js';
import { FileMirror } from './local/file-mirror.js';
import type { QueryEngine } from './queries/query-engine.js';
import { JsonDocument } from './state/json-document.js';
import { emptySyncState, parseSyncState, type SyncState } from './state/sync-state.js';

export type BackendConfig = Pick<CliConfig, 'catalog' | 'athena' | 'local' | 'storage' | 'iceberg' | 's3'>;

export interface Backend {
  lake: LakeCatalog;
  io: S3FileIO;
  reader: TableReader;
  engine: QueryEngine;
  state: JsonDocument<SyncState>;
  close(): Promise<void>;
}

/**
 * The lake's Iceberg catalog (REST: local server or Glue), the query engine (DuckDB
 * over the snapshots' files, or Athena), and the lineage ledger document.
 */
export async function buildBackend(config: BackendConfig, s3: S3Client): Promise<Backend> {
  const bucket = config.storage.lakeBucket;
  const io = new S3FileIO(s3);
  const reader = new TableReader(io);
  const lake = new LakeCatalog(restCatalogFor(config.iceberg, config.s3.region), config.iceberg.namespace, bucket);
  const state = new JsonDocument(s3, bucket, config.catalog.stateKey, emptySyncState, parseSyncState);
  const engine: QueryEngine =
    config.catalog.engine === 'duckdb'
      ? await DuckDbEngine.create(lake, reader, new FileMirror(io, config.local.cacheDir))
      : new AthenaEngine(new AthenaClient({ region: config.iceberg.region ?? config.s3.region }), {
          workgroup: config.athena.workgroup,
          database: config.iceberg.namespace,
          outputLocation: config.athena.outputLocation,
          pollMaxDelayMs: config.athena.pollMaxDelayMs,
          queryTimeoutMs: config.athena.queryTimeoutMs,
        });
  return { lake, io, reader, engine, state, close: () => engine.close() };
}
