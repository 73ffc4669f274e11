/**
 * Jest global setup: starts Kafka and S3 once per run (never per file) and hands the endpoints to
 * every worker through env. Workers then see "external" endpoints and never start their own.
 */
import { stackEnv, startKafka, startS3, type KafkaEndpoint, type S3Endpoint } from './index.js';
import { defaultStateDir } from './local/paths.js';

declare global {
  var __TESTKIT__: { kafka: KafkaEndpoint; s3: S3Endpoint } | undefined;
}

export default async function globalSetup(): Promise<void> {
  const started = Date.now();
  const [kafka, s3] = await Promise.all([startKafka(), startS3()]);
  globalThis.__TESTKIT__ = { kafka, s3 };
  Object.assign(process.env, stackEnv(kafka, s3), {
    TESTKIT_MODE: kafka.mode,
    TESTKIT_STATE_DIR: defaultStateDir(),
  });
  console.log(
    `\n[testkit] mode: kafka=${kafka.mode} (${kafka.settings.brokers.join(',')}), s3=${s3.mode} (${s3.settings.endpoint}), ready in ${Date.now() - started} ms`,
  );
}
