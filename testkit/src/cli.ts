/**
 * `npm run stack -- up|down|status`: the same local Kafka and S3 server the tests use, for people.
 * `up` prints the endpoints and the env to export; the processes keep running until `down`.
 */
import { ensureJars } from './local/jars.js';
import { readRecord, stopLocal } from './local/local-process.js';
import { isAlive, portOpen } from './local/processes.js';
import { defaultStateDir, stackEnv, startKafka, startS3 } from './index.js';

async function up(): Promise<void> {
  const kafka = await startKafka({ owner: 'cli' });
  const s3 = await startS3({ owner: 'cli' });
  console.log(`mode: kafka=${kafka.mode} s3=${s3.mode}`);
  console.log(`kafka: ${kafka.settings.brokers.join(',')}`);
  console.log(`s3:    ${s3.settings.endpoint} (access key ${s3.settings.accessKeyId})`);
  console.log('\n# export these to point services and tools at the stack:');
  for (const [name, value] of Object.entries(stackEnv(kafka, s3))) console.log(`export ${name}=${value}`);
}

/** Fetches the jars only (CI does this up front so test time is test time). */
async function fetchJars(): Promise<void> {
  for (const set of ['kafka', 's3proxy'] as const) console.log(`${set}: ${await ensureJars(set)}`);
}

async function down(): Promise<void> {
  const stateDir = defaultStateDir();
  await stopLocal(stateDir, 'kafka');
  await stopLocal(stateDir, 's3');
  console.log(`stopped local stack in ${stateDir}`);
}

async function status(): Promise<boolean> {
  const stateDir = defaultStateDir();
  let allUp = true;
  for (const component of ['kafka', 's3'] as const) {
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
  const command = process.argv[2];
  switch (command) {
    case 'up':
      await up();
      return 0;
    case 'down':
      await down();
      return 0;
    case 'fetch':
      await fetchJars();
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
