/**
 * The lakehouse half of the stack: Apache Iceberg's REST catalog (what catalog-sync commits to
 * locally) and Trino on top of it (Athena's engine, the judge of the tables in tests). Same three
 * modes and the same endpoint shape as Kafka and S3: external from env, Docker, or local processes.
 */
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { containerView, startIcebergRestContainer, startTrinoContainer } from './docker/containers.js';
import { containerControl, externalControl, localControl, type Control } from './endpoint-control.js';
import type { S3Endpoint, StartOptions } from './index.js';
import { catalogServerEnv, icebergRestReady, prepareIcebergRest, sqliteCatalogUri, type CatalogStorage } from './local/iceberg-rest.js';
import { startOrReuse } from './local/local-process.js';
import { defaultStateDir } from './local/paths.js';
import { freePort, waitFor } from './local/processes.js';
import { icebergCatalogProperties, prepareTrino, TRINO_ICEBERG_CATALOG, trinoReady } from './local/trino.js';
import { chooseMode, type StackMode } from './mode.js';

export { TRINO_ICEBERG_CATALOG } from './local/trino.js';

export interface IcebergCatalogEndpoint extends Control {
  mode: StackMode;
  /** The REST catalog's base URI, e.g. http://127.0.0.1:41234 (clients append /v1/...). */
  uri: string;
}

export interface TrinoEndpoint extends Control {
  mode: StackMode;
  /** The coordinator's base URI, for `new TrinoClient({ uri })`; tables are `iceberg.<schema>.<table>`. */
  uri: string;
}

/**
 * The catalog's default table location. The project's tables name their own location in the lake
 * bucket, so this only catches tables created without one; the bucket must exist all the same.
 */
const WAREHOUSE_BUCKET = 'testkit-warehouse';

function externalMode(env: NodeJS.ProcessEnv): StackMode {
  return (env.TESTKIT_MODE as StackMode | undefined) ?? 'external';
}

function storageOf(s3: S3Endpoint): CatalogStorage {
  const { endpoint, region, accessKeyId, secretAccessKey } = s3.settings;
  return { warehouse: `s3://${WAREHOUSE_BUCKET}/warehouse`, endpoint, region, accessKeyId, secretAccessKey };
}

export async function startIcebergCatalog(s3: S3Endpoint, options: StartOptions = {}): Promise<IcebergCatalogEndpoint> {
  const env = options.env ?? process.env;
  const stateDir = options.stateDir ?? defaultStateDir();
  const mode = await chooseMode('iceberg-rest', env);
  if (mode === 'external') {
    const uri = env.ICEBERG_REST_URI!.replace(/\/$/, '');
    return { mode: externalMode(env), uri, ...externalControl(stateDir, 'iceberg-rest', icebergRestReady) };
  }
  const client = createS3Client(s3.settings);
  try {
    await ensureBucket(client, WAREHOUSE_BUCKET);
  } finally {
    client.destroy();
  }
  const storage = storageOf(s3);
  if (mode === 'docker') {
    const port = await freePort();
    const inContainer = { ...storage, endpoint: await containerView(storage.endpoint) };
    const container = await startIcebergRestContainer(port, catalogServerEnv(8181, sqliteCatalogUri('/home/iceberg/catalog.db'), inContainer));
    return { mode, uri: `http://127.0.0.1:${port}`, ...containerControl(container) };
  }
  const start = await startOrReuse({
    component: 'iceberg-rest',
    stateDir,
    owner: options.owner ?? 'test',
    prepare: () => prepareIcebergRest(stateDir, storage),
    ready: icebergRestReady,
    startTimeoutMs: 120_000,
    upstream: storage.endpoint,
  });
  return { mode, uri: `http://127.0.0.1:${start.record.port}`, ...localControl(stateDir, 'iceberg-rest', start, icebergRestReady) };
}

export async function startTrino(s3: S3Endpoint, catalog: IcebergCatalogEndpoint, options: StartOptions = {}): Promise<TrinoEndpoint> {
  const env = options.env ?? process.env;
  const stateDir = options.stateDir ?? defaultStateDir();
  const mode = await chooseMode('trino', env);
  if (mode === 'external') {
    const uri = env.TRINO_URI!.replace(/\/$/, '');
    return { mode: externalMode(env), uri, ...externalControl(stateDir, 'trino', trinoReady) };
  }
  const storage = storageOf(s3);
  if (mode === 'docker') {
    const port = await freePort();
    const properties = icebergCatalogProperties(await containerView(catalog.uri), { ...storage, endpoint: await containerView(storage.endpoint) });
    const container = await startTrinoContainer(port, { name: TRINO_ICEBERG_CATALOG, content: properties });
    await waitFor(`trino container on port ${port}`, () => trinoReady({ port }), 120_000);
    return { mode, uri: `http://127.0.0.1:${port}`, ...containerControl(container) };
  }
  const start = await startOrReuse({
    component: 'trino',
    stateDir,
    owner: options.owner ?? 'test',
    prepare: () => prepareTrino(stateDir, catalog.uri, storage),
    ready: trinoReady,
    // About 15 s alone on 2 cores; several times that while Kafka and the tests' JVMs start beside it.
    startTimeoutMs: 240_000,
    upstream: `${storage.endpoint} ${catalog.uri}`,
  });
  return { mode, uri: `http://127.0.0.1:${start.record.port}`, ...localControl(stateDir, 'trino', start, trinoReady) };
}
