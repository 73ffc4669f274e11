/**
 * `npm start`: the whole pipeline on one machine. Starts (or reuses) the local stack, or uses the
 * endpoints in env, then runs the four services as child processes with the stack's env, until
 * Ctrl-C, which stops the services (SIGTERM, they drain) and then the stack it started.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './local/paths.js';
import { stackEnv, startKafka, startS3 } from './index.js';

const SERVICES = [
  { name: 'producer-service', port: 9461 },
  { name: 'consumer-service', port: 9462 },
  { name: 'etl-worker', port: 9463 },
  { name: 'catalog-sync', port: 9464 },
] as const;

async function main(): Promise<void> {
  const kafka = await startKafka({ owner: 'cli' });
  const s3 = await startS3({ owner: 'cli' });
  console.log(`[start] kafka=${kafka.mode} ${kafka.settings.brokers.join(',')}  s3=${s3.mode} ${s3.settings.endpoint}`);
  const env = { ...process.env, ...stackEnv(kafka, s3) };
  const children: ChildProcess[] = SERVICES.map(({ name, port }) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, name, 'dist', 'main.js')], {
      env: { ...env, HTTP_PORT: String(port) },
      stdio: ['ignore', 'inherit', 'inherit'],
      // Own process group: Ctrl-C reaches only this script, which then stops each service once, in order.
      detached: true,
    });
    child.once('exit', (code, signal) => console.log(`[start] ${name} exited (${signal ?? code})`));
    return child;
  });
  console.log(`[start] metrics: ${SERVICES.map((s) => `${s.name} :${s.port}/metrics`).join(', ')}`);
  console.log('[start] Ctrl-C stops the services; `npm run stack -- down` stops Kafka and S3.');
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    for (const child of children) child.kill('SIGTERM');
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await Promise.all(children.map((c) => new Promise((resolve) => (c.exitCode !== null ? resolve(undefined) : c.once('exit', resolve)))));
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
