import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ensureJars } from './jars.js';
import { javaBinary } from './kafka.js';
import type { LocalLaunch } from './local-process.js';
import { freePort } from './processes.js';
import type { ProcessRecord } from './state.js';

/** What the catalog stores its table metadata in, and with which credentials it writes there. */
export interface CatalogStorage {
  /** s3://bucket/prefix: the default location of tables created without one. */
  warehouse: string;
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
}

/**
 * RESTCatalogServer reads its settings only from the environment: every CATALOG_X variable becomes
 * catalog property x (`__` → `-`, `_` → `.`), the HTTP port included (`rest.port` ← CATALOG_REST_PORT;
 * a REST_PORT variable is ignored and the server would take 8181).
 */
export function catalogServerEnv(port: number, jdbcUri: string, storage: CatalogStorage): Record<string, string> {
  return {
    CATALOG_REST_PORT: String(port),
    CATALOG_URI: jdbcUri,
    // V1 stores views too; the server defaults to it, stated here so a changed default cannot migrate the file.
    CATALOG_JDBC_SCHEMA__VERSION: 'V1',
    CATALOG_WAREHOUSE: storage.warehouse,
    CATALOG_IO__IMPL: 'org.apache.iceberg.aws.s3.S3FileIO',
    CATALOG_S3_ENDPOINT: storage.endpoint,
    CATALOG_S3_PATH__STYLE__ACCESS: 'true',
    CATALOG_S3_ACCESS__KEY__ID: storage.accessKeyId,
    CATALOG_S3_SECRET__ACCESS__KEY: storage.secretAccessKey,
    CATALOG_CLIENT_REGION: storage.region,
    AWS_REGION: storage.region,
  };
}

/**
 * The server's default JDBC catalog is an in-memory SQLite: a restart would lose every table. A file
 * in the data dir keeps them, like S3Proxy's blobs beside it. WAL lets readers run beside a commit,
 * and busy_timeout makes the pool's second connection wait for a write lock instead of failing
 * with SQLITE_BUSY (both are sqlite-jdbc pragmas taken from the URL).
 */
export function sqliteCatalogUri(file: string): string {
  return `jdbc:sqlite:file:${file}?journal_mode=WAL&busy_timeout=10000`;
}

export async function prepareIcebergRest(stateDir: string, storage: CatalogStorage): Promise<LocalLaunch> {
  const classpathDir = await ensureJars('iceberg-rest');
  const port = await freePort();
  const dataDir = join(stateDir, 'iceberg-rest');
  await mkdir(dataDir, { recursive: true });
  return {
    command: javaBinary(),
    args: ['-Xms64m', '-Xmx384m', '-XX:+UseG1GC', '-Djava.awt.headless=true', '-cp', `${classpathDir}/*`, 'org.apache.iceberg.rest.RESTCatalogServer'],
    dataDir,
    logFile: join(dataDir, 'iceberg-rest.log'),
    port,
    env: catalogServerEnv(port, sqliteCatalogUri(join(dataDir, 'catalog.db')), storage),
    // The services' own CATALOG_MODE, CATALOG_GROUP_ID, ... would otherwise become catalog properties.
    ownEnvPrefix: 'CATALOG_',
  };
}

/** Ready means the REST protocol answers (GET /v1/config), not merely that Jetty holds the port. */
export async function icebergRestReady(record: Pick<ProcessRecord, 'port'>): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${record.port}/v1/config`, { signal: AbortSignal.timeout(2_000) });
    if (res.status !== 200) return false;
    const body = (await res.json()) as { defaults?: unknown };
    return body.defaults !== undefined;
  } catch {
    return false;
  }
}
