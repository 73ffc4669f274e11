/**
 * `npm run stack -- up|down|status|fetch`: the same local Kafka, S3 server, Iceberg REST catalog and
 * Trino the tests use, for people. `up` prints the endpoints and the env to export; the processes
 * keep running until `down`.
 */
import { ensureJars } from './local/jars.js';
import { readRecord, stopLocal } from './local/local-process.js';
import { isAlive, portOpen } from './local/processes.js';
import type { Component } from './local/state.js';
import { ensureTrinoServer } from './local/trino-dist.js';
import { defaultStateDir, stackEnv, startIcebergCatalog, startKafka, startS3, startTrino } from './index.js';

/** Start order; `down` goes the other way (Trino reads through the catalog, the catalog writes to S3). */
const COMPONENTS: Component[] = ['kafka', 's3', 'iceberg-rest', 'trino'];

async function up(): Promise<void> {
  const [kafka, s3] = await Promise.all([startKafka({ owner: 'cli' }), startS3({ owner: 'cli' })]);
  const catalog = await startIcebergCatalog(s3, { owner: 'cli' });
  const trino = await startTrino(s3, catalog, { owner: 'cli' });
  console.log(`mode: kafka=${kafka.mode} s3=${s3.mode} iceberg-rest=${catalog.mode} trino=${trino.mode}`);
  console.log(`kafka:        ${kafka.settings.brokers.join(',')}`);
  console.log(`s3:           ${s3.settings.endpoint} (access key ${s3.settings.accessKeyId})`);
  console.log(`iceberg-rest: ${catalog.uri}`);
  console.log(`trino:        ${trino.uri} (catalog iceberg)`);
  console.log('\n# export these to point services and tools at the stack:');
  for (const [name, value] of Object.entries(stackEnv(kafka, s3, { catalog, trino }))) console.log(`export ${name}=${value}`);
}

/** Fetches the jars and the Trino server only (CI does this up front so test time is test time). */
async function fetchAll(): Promise<void> {
  for (const set of ['kafka', 's3proxy', 'iceberg-rest'] as const) console.log(`${set}: ${await ensureJars(set)}`);
  console.log(`trino: ${await ensureTrinoServer()}`);
}

async function down(): Promise<void> {
  const stateDir = defaultStateDir();
  for (const component of [...COMPONENTS].reverse()) await stopLocal(stateDir, component);
  console.log(`stopped local stack in ${stateDir}`);
}

async function status(): Promise<boolean> {
  const stateDir = defaultStateDir();
  let allUp = true;
  for (const component of COMPONENTS) {
    const record = await readRecord(stateDir, component);
    if (!record) {
      console.log(`${component}: not running`);
      allUp = false;
      continue;
    }
    const alive = isAlive(record.pid);
    const open = alive && (await portOpen(record.port));
    allUp &&= open;
    console.log(`${component}: pid ${record.pid} ${alive ? 'alive' : 'dead'}, port ${record.port} ${open ? 'open' : 'closed'}, log ${record.logFile}`);
  }
  return allUp;
}

async function main(): Promise<number> {
  // `up` creates the catalog's warehouse bucket through the AWS SDK, whose once-per-process
  // "Node 22 after January 2027" notice is known here (see jest.config.js).
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const command = process.argv[2];
  switch (command) {
    case 'up':
      await up();
      return 0;
    case 'down':
      await down();
      return 0;
    case 'fetch':
      await fetchAll();
      return 0;
    case 'status':
      return (await status()) ? 0 : 1;
    default:
      console.error('usage: npm run stack -- up|down|status|fetch');
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
