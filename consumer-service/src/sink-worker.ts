// One consumer of a process with SINK_CONSUMERS > 1, started by workers/supervisor.ts with
// PIPELINE_SINK_WORKER=<index>/<count>: the same sink as a single-consumer process (config from the
// same environment, SIGTERM drains it), reporting health and metrics to the supervisor over IPC.
import { runService } from '@spotify-pipeline/shared/lifecycle';
import { buildApp } from './app.js';
import { configSchema, readConfig } from './config.js';
import { HEALTH_REPORT_INTERVAL_MS, type SupervisorMessage, type WorkerMessage } from './workers/protocol.js';
import type { MetricsJson } from './workers/merged-metrics.js';
import { parseWorkerSlot, WORKER_SLOT_ENV } from './workers/worker-slot.js';

const slot = parseWorkerSlot(process.env[WORKER_SLOT_ENV]);
if (!slot || !process.send) {
  process.stderr.write(`sink-worker: started without ${WORKER_SLOT_ENV} or an IPC channel; run consumer-service (main.js) with SINK_CONSUMERS instead\n`);
  process.exit(64);
}
const send = (message: WorkerMessage): void => {
  if (process.connected) process.send!(message);
};
// The supervisor is gone (kill -9 of the pod's main process): die with it, as the whole pod would.
// Nothing is lost: uncommitted rounds are re-read by whoever owns the partitions next.
process.on('disconnect', () => process.kill(process.pid, 'SIGKILL'));

void runService(
  process,
  {
    service: 'consumer-service',
    configSchema,
    loadConfig: readConfig,
    logLevel: (config) => config.log.level,
    build: (config, context) => {
      const app = buildApp(config, { ...context, logger: context.logger.child({ worker: slot.index }) }, slot);
      process.on('message', (raw) => {
        const message = raw as SupervisorMessage;
        if (message.type === 'metrics') {
          void context.registry.getMetricsAsJSON().then((metrics) => send({ type: 'metrics', id: message.id, metrics: metrics as MetricsJson }));
        }
      });
      setInterval(() => send({ type: 'health', live: app.health.live(), ready: app.health.ready(), details: app.health.details?.() }), HEALTH_REPORT_INTERVAL_MS).unref();
      return app;
    },
  },
  process.argv.slice(2),
);
