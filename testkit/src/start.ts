/**
 * `npm start`: the whole pipeline on one machine. Starts (or reuses) the local stack (Kafka, S3 and
 * the Iceberg REST catalog; Trino is for tests and `npm run stack -- up`), or uses the endpoints in
 * env, runs the five services as child processes (logs in .stack/logs) on free ops ports, the
 * producer simulating listening at a modest rate, prints the URL of insights-service's live page, and
 * shows a live status screen until Ctrl-C (or SIGTERM, or the terminal closing), which stops the
 * services in pipeline order (each drains) and then the stack it started. The only file of
 * `npm start` that touches `process`.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { EXIT_CONFIG } from '@spotify-pipeline/shared/lifecycle';
import { createS3Client, ensureBucket } from '@spotify-pipeline/shared/s3';
import { defaultStateDir } from './local/paths.js';
import { startIcebergCatalog, startKafka, startS3 } from './index.js';
import { checkPinnedPorts, OpsPortError } from './pipeline/ops-ports.js';
import { pipelineEnv } from './pipeline/pipeline-env.js';
import { REPO_ROOT } from './local/paths.js';
import { onStopRequest, type StopSignal } from './pipeline/stop-request.js';
import { renderStatus, stateSignature } from './pipeline/status-screen.js';
import { PipelineSupervisor } from './pipeline/supervisor.js';

/** The sink's default flush (60 s) leaves a first look at an empty lake; 5 s fills it within a minute. */
const START_SINK_FLUSH_INTERVAL_MS = '5000';
const REFRESH_MS = 2_000;
/** Piped output gets no redraw: a screen on every change of a stage's state, and this often besides. */
const PIPED_PRINT_EVERY_MS = 10_000;

/**
 * Writes to a stream until its reader goes away (`npm start | head`, a `tee` stopped by the same
 * Ctrl-C, a closed terminal). Unhandled, that EPIPE would crash the supervisor mid-drain and leave
 * the services, which run in their own process groups, running on with nobody to stop them.
 */
function writerTo(stream: NodeJS.WriteStream): (text: string) => void {
  let open = true;
  stream.on('error', () => {
    open = false;
  });
  return (text) => {
    if (open) stream.write(text);
  };
}

const out = writerTo(process.stdout);
const err = writerTo(process.stderr);
const say = (line: string): void => out(`${line}\n`);

async function main(): Promise<number> {
  // A taken or invalid pin fails here, in one line, before anything starts (the stack included).
  await checkPinnedPorts(process.env);
  let stopSignal: StopSignal | undefined;
  const stopping = new AbortController();
  let supervisor: PipelineSupervisor | undefined;
  onStopRequest(process, {
    stop: (signal) => {
      stopSignal = signal;
      stopping.abort();
    },
    force: (signal) => {
      say(`\n${signal} again: killing every service now (kill -9 is safe: each stage resumes from its committed offsets). The local stack keeps running; npm run stack -- down stops it.`);
      supervisor?.signalAll('SIGKILL');
      void (supervisor?.waitForAll(10_000) ?? Promise.resolve()).then(() => process.exit(130));
    },
  });

  const kafka = await startKafka({ owner: 'cli' });
  const s3 = await startS3({ owner: 'cli' });
  const catalog = await startIcebergCatalog(s3, { owner: 'cli' });
  const logDir = join(defaultStateDir(), 'logs');
  mkdirSync(logDir, { recursive: true });
  const flushSet = Boolean(process.env.SINK_FLUSH_INTERVAL_MS);
  const env = pipelineEnv(
    kafka,
    s3,
    {
      PRODUCER_RATE: '200',
      // insights-service's DuckDB copies of the lake's files: with the stack's state, not in the checkout.
      HISTORY_CACHE_DIR: join(defaultStateDir(), 'insights-history'),
      // Tables of your own topics: the specs in the checkout's specs/ folder (docs/table-specs.md).
      TABLE_SPECS_DIR: join(REPO_ROOT, 'specs'),
      ...process.env,
      SINK_FLUSH_INTERVAL_MS: process.env.SINK_FLUSH_INTERVAL_MS || START_SINK_FLUSH_INTERVAL_MS,
    },
    catalog,
  );
  // Buckets are infrastructure (Terraform, compose's init container): the services never create them.
  const client = createS3Client(s3.settings);
  for (const bucket of [env.STORAGE_STAGING_BUCKET ?? 'spotify-staging', env.STORAGE_LAKE_BUCKET ?? 'spotify-lake']) await ensureBucket(client, bucket);
  client.destroy();

  const stopStack = async (): Promise<void> => {
    await catalog.stop();
    await Promise.all([kafka.stop(), s3.stop()]);
  };
  supervisor = new PipelineSupervisor({ env, logDir, say });
  // Last resort when the supervisor itself fails: no service may outlive it unasked.
  process.on('exit', () => supervisor?.signalAll('SIGTERM'));
  try {
    if (!stopping.signal.aborted) await supervisor.start();
  } catch (error) {
    if (!(error instanceof OpsPortError)) throw error;
    err(`npm start: ${error.message}\n`);
    await supervisor.drain();
    await stopStack();
    return EXIT_CONFIG;
  }

  const flush = flushSet
    ? `sink flush every ${Number(env.SINK_FLUSH_INTERVAL_MS) / 1000} s (SINK_FLUSH_INTERVAL_MS from your environment)`
    : `sink flush every ${Number(START_SINK_FLUSH_INTERVAL_MS) / 1000} s (SINK_FLUSH_INTERVAL_MS=${START_SINK_FLUSH_INTERVAL_MS} under npm start; the service's default is 60 s)`;
  const header = [
    `Spotify listening pipeline — kafka ${kafka.mode} ${kafka.settings.brokers.join(',')}, s3 ${s3.mode} ${s3.settings.endpoint}, iceberg-rest ${catalog.mode} ${catalog.uri}`,
    `${flush} · logs: ${logDir}`,
    `ops ports: ${supervisor.describe()}`,
    `live page: ${supervisor.pageUrl() ?? '(insights-service not started)'} (JSON API under /api/, see insights-service/README.md)`,
  ].join('\n');
  // Once on its own line too, so it stays findable when the screen is piped or redrawn.
  say(`insights-service live page: ${supervisor.pageUrl() ?? '(not started)'}`);
  const interactive = process.stdout.isTTY === true;
  let printedAt = 0;
  let printed = '';
  while (!stopping.signal.aborted) {
    const states = await supervisor.sample();
    if (stopping.signal.aborted) break;
    const screen = renderStatus(states, header, env.TOPICS_LISTENING_EVENTS);
    if (interactive) out(`\x1b[2J\x1b[H${screen}\n`);
    else if (stateSignature(states) !== printed || Date.now() - printedAt >= PIPED_PRINT_EVERY_MS) {
      printed = stateSignature(states);
      printedAt = Date.now();
      out(`${screen}\n\n`);
    }
    await delay(REFRESH_MS, undefined, { signal: stopping.signal }).catch((error: unknown) => {
      // Cut short by the stop request: the loop condition ends it.
      if (!stopping.signal.aborted) throw error;
    });
  }

  say(`\n${stopSignal ?? 'stop'}: stopping producer → sink → etl → catalog → insights (each drains)…`);
  const clean = await supervisor.drain();
  await stopStack();
  return clean ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof OpsPortError) {
      err(`npm start: ${error.message}\n`);
      process.exit(EXIT_CONFIG);
    }
    err(`npm start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
