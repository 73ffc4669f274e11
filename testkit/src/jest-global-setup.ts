/**
 * Jest global setup: starts Kafka, S3, the Iceberg REST catalog and Trino once per run (never per
 * file) and hands the endpoints to every worker through env. Workers then see "external" endpoints
 * and never start their own. Kafka starts beside the lakehouse chain, which is sequential by need:
 * the catalog writes to S3, Trino reads through both.
 */
import { stackEnv, startIcebergCatalog, startKafka, startS3, startTrino, type IcebergCatalogEndpoint, type KafkaEndpoint, type S3Endpoint, type TrinoEndpoint } from './index.js';
import { defaultStateDir } from './local/paths.js';

declare global {
  var __TESTKIT__: { kafka: KafkaEndpoint; s3: S3Endpoint; catalog: IcebergCatalogEndpoint; trino: TrinoEndpoint } | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const took: Record<string, number> = {};
  const timed = async <T>(name: string, start: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    const value = await start();
    took[name] = Date.now() - t0;
    return value;
  };
  const [kafka, { s3, catalog, trino }] = await Promise.all([
    timed('kafka', () => startKafka()),
    (async () => {
      const s3 = await timed('s3', () => startS3());
      const catalog = await timed('catalog', () => startIcebergCatalog(s3));
      const trino = await timed('trino', () => startTrino(s3, catalog));
      return { s3, catalog, trino };
    })(),
  ]);
  globalThis.__TESTKIT__ = { kafka, s3, catalog, trino };
  Object.assign(process.env, stackEnv(kafka, s3, { catalog, trino }), {
    TESTKIT_MODE: kafka.mode,
    TESTKIT_STATE_DIR: defaultStateDir(),
  });
  console.log(
    `\n[testkit] mode: kafka=${kafka.mode} (${kafka.settings.brokers.join(',')}), s3=${s3.mode} (${s3.settings.endpoint}), ` +
      `iceberg-rest=${catalog.mode} (${catalog.uri}), trino=${trino.mode} (${trino.uri}), ready in ${Date.now() - started} ms ` +
      `(${Object.entries(took).map(([name, ms]) => `${name} ${ms} ms`).join(', ')})`,
  );
}
