/**
 * `npm start`: the whole pipeline on one machine. Starts (or reuses) the local stack (Kafka, S3 and
 * the Iceberg REST catalog; Trino is for tests and `npm run stack -- up`), or uses the endpoints in
 * env, runs the four services as child processes (logs in .stack/logs), the producer
 * simulating listening at a modest rate, and shows a live status screen until Ctrl-C, which stops
 * the services in pipeline order (each drains) and then the stack it started.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { defaultStateDir } from './local/paths.js';
import { startIcebergCatalog, startKafka, startS3 } from './index.js';
import { pipelineEnv, SERVICE_PORTS } from './pipeline/pipeline-env.js';
import { ServiceProcess, type ServiceName } from './pipeline/service-process.js';
import { renderStatus, sampleAll } from './pipeline/status-screen.js';

const ORDER: ServiceName[] = ['producer-service', 'consumer-service', 'etl-worker', 'catalog-sync'];

async function main(): Promise<number> {
  const kafka = await startKafka({ owner: 'cli' });
  const s3 = await startS3({ owner: 'cli' });
  const catalog = await startIcebergCatalog(s3, { owner: 'cli' });
  const logDir = join(defaultStateDir(), 'logs');
  mkdirSync(logDir, { recursive: true });
  const env = pipelineEnv(kafka, s3, { PRODUCER_RATE: '200', ...process.env }, catalog);
  // Buckets are infrastructure (Terraform, compose's init container): the services never create them.
  const client = createS3Client(s3.settings);
  for (const bucket of [env.STORAGE_STAGING_BUCKET ?? 'spotify-staging', env.STORAGE_LAKE_BUCKET ?? 'spotify-lake']) await ensureBucket(client, bucket);
  client.destroy();
  const services = ORDER.map(
    (service) =>
      new ServiceProcess({
        service,
        env: { ...env, HTTP_PORT: String(SERVICE_PORTS[service]) },
        output: join(logDir, `${service}.log`),
        detached: true,
      }),
  );
  // Downstream first, so every stage is consuming before the producer writes.
  for (const service of [...services].reverse()) service.start();

  const header = `Spotify listening pipeline — kafka ${kafka.mode} ${kafka.settings.brokers.join(',')}, s3 ${s3.mode} ${s3.settings.endpoint}, iceberg-rest ${catalog.mode} ${catalog.uri}\nlogs: ${logDir}`;
  const targets = { producer: SERVICE_PORTS['producer-service'], sink: SERVICE_PORTS['consumer-service'], etl: SERVICE_PORTS['etl-worker'], catalog: SERVICE_PORTS['catalog-sync'] };
  const interactive = process.stdout.isTTY === true;
  let lastPrint = 0;
  const timer = setInterval(() => {
    void sampleAll(targets).then((samples) => {
      const screen = renderStatus(samples, header, env.TOPICS_LISTENING_EVENTS);
      if (interactive) process.stdout.write(`\x1b[2J\x1b[H${screen}\n`);
      else if (Date.now() - lastPrint >= 10_000) {
        lastPrint = Date.now();
        console.log(`${screen}\n`);
      }
    });
  }, 2_000);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  clearInterval(timer);
  console.log('\nstopping: producer → sink → etl → catalog (each drains)…');
  let clean = true;
  for (const service of services) {
    // One stuck service (it is SIGKILLed after the timeout) must not keep the others running.
    const code = await service.stop().catch((err: unknown) => {
      console.log(`  ${service.name}: ${err instanceof Error ? err.message : String(err)}; killed`);
      return null;
    });
    console.log(`  ${service.name} exited ${code}`);
    clean &&= code === 0;
    service.close();
  }
  await catalog.stop();
  await Promise.all([kafka.stop(), s3.stop()]);
  return clean ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
