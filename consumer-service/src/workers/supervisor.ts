import { randomUUID } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { ServiceApp, ServiceContext } from '@spotify-pipeline/shared/lifecycle';
import { runShutdown } from '@spotify-pipeline/shared/lifecycle';
import { identifyOpsServer, startOpsServer, type OpsServer } from '@spotify-pipeline/shared/metrics';
import { stallBudgetMs } from '../app.js';
import type { Config } from '../config.js';
import { MergedRegistry, type MetricsJson } from './merged-metrics.js';
import { HEALTH_REPORT_INTERVAL_MS, type SupervisorMessage, type WorkerMessage } from './protocol.js';
import { WorkerHealthBoard } from './worker-health.js';
import { formatWorkerSlot, WORKER_SLOT_ENV } from './worker-slot.js';

/** What main.ts hands over from `process`. */
export interface SupervisorHost {
  env: NodeJS.ProcessEnv;
  execArgv: string[];
  /** PIPELINE_INSTANCE_ID: /healthz names it, as a single-consumer process does. */
  instanceId?: string;
}

/** A consumer's metrics must answer within this, or the scrape fails (a 500, not a partial sum). */
const METRICS_TIMEOUT_MS = 5_000;
/** A consumer drains in at most ~25 s (flush, abandon on an S3 outage) plus leaving the group. */
const DRAIN_TIMEOUT_MS = 40_000;

/**
 * `SINK_CONSUMERS` > 1: this process runs no sink itself. It starts one child process per consumer
 * (`sink-worker.js`, the same app as a single-consumer process, with `-w<i>` on its transactional
 * id and no ops server), and keeps the ops server: /healthz and /readyz from all consumers, /metrics
 * merged. Processes, not worker threads: the Kafka client's native addon is not context-aware, so it
 * loads in one thread per process only ("Module did not self-register" in a second thread).
 *
 * - A consumer that exits while the process is not stopping fails the process (exit 1): it never
 *   runs on with fewer consumers; the orchestrator restarts the whole pod, which fences every slot.
 * - SIGTERM: readiness off, SIGTERM to every consumer (each flushes, commits and leaves the group),
 *   exit 0 only when every consumer exited 0.
 * - A supervisor that dies (kill -9) closes the IPC channels; each consumer then kills itself, as if
 *   the pod died, rather than run on unsupervised.
 */
export function buildSupervisor(config: Config, { logger, registry }: ServiceContext, host: SupervisorHost): ServiceApp {
  const count = config.sink.consumers;
  const entry = join(__dirname, '..', 'sink-worker.js');
  const health = new WorkerHealthBoard(count, Date.now, { readyMs: 5 * HEALTH_REPORT_INTERVAL_MS, liveMs: stallBudgetMs(config.sink) });
  const children: ChildProcess[] = [];
  const exits: Array<Promise<number | null>> = [];
  const pending = new Map<number, { left: number; parts: MetricsJson[]; resolve: (parts: MetricsJson[]) => void; reject: (err: Error) => void }>();
  let nextRequest = 0;
  let stopping = false;
  let ops: OpsServer | undefined;
  let failWith: ((err: Error) => void) | undefined;
  const done = new Promise<void>((_, reject) => (failWith = reject));
  // runService handles the rejection; this only keeps it from counting as unhandled before it attaches.
  done.catch(() => undefined);

  function collectMetrics(): Promise<MetricsJson[]> {
    const live = children.filter((c) => c.connected);
    if (live.length === 0) return Promise.resolve([]);
    const id = nextRequest++;
    return new Promise<MetricsJson[]>((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`consumers did not send their metrics within ${METRICS_TIMEOUT_MS} ms`));
      }, METRICS_TIMEOUT_MS);
      pending.set(id, {
        left: live.length,
        parts: [],
        resolve: (parts) => (clearTimeout(timer), resolve(parts)),
        reject: (err) => (clearTimeout(timer), reject(err)),
      });
      const request: SupervisorMessage = { type: 'metrics', id };
      for (const child of live) child.send(request);
    });
  }

  function onMessage(index: number, message: WorkerMessage): void {
    if (message.type === 'health') {
      health.report(index, { live: message.live, ready: message.ready, details: message.details });
    } else if (message.type === 'metrics') {
      const request = pending.get(message.id);
      if (!request) return;
      request.parts.push(message.metrics);
      if (--request.left === 0) {
        pending.delete(message.id);
        request.resolve(request.parts);
      }
    }
  }

  function spawnConsumer(index: number): void {
    const child = fork(entry, [], {
      env: { ...host.env, [WORKER_SLOT_ENV]: formatWorkerSlot({ index, count }) },
      execArgv: host.execArgv,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      // Its own process group: a terminal's Ctrl-C reaches the supervisor only, which drains each consumer once.
      detached: true,
    });
    children.push(child);
    child.on('message', (m) => onMessage(index, m as WorkerMessage));
    exits.push(
      new Promise((resolve) =>
        child.once('exit', (code, signal) => {
          if (!stopping) {
            logger.error({ worker: index, pid: child.pid, code, signal }, 'ConsumerExited');
            failWith?.(new Error(`consumer ${index} (pid ${child.pid}) exited unexpectedly with ${signal ?? `code ${code}`}; the process stops rather than run with fewer consumers`));
          }
          for (const request of pending.values()) request.reject(new Error(`consumer ${index} exited during a metrics scrape`));
          pending.clear();
          resolve(signal ? null : code);
        }),
      ),
    );
    logger.info({ worker: index, pid: child.pid }, 'ConsumerStarted');
  }

  const app: ServiceApp = {
    async start() {
      const merged = new MergedRegistry(registry, collectMetrics);
      identifyOpsServer(merged, { service: 'consumer-service', instanceId: host.instanceId ?? randomUUID() });
      ops = await startOpsServer(merged, health, config.http.port);
      logger.info({ consumers: count, port: ops.port }, 'OpsServerListening');
      for (let index = 0; index < count; index++) spawnConsumer(index);
    },
    done,
    close() {
      stopping = true;
      return runShutdown(
        [
          { name: 'readiness off', run: () => health.markDraining() },
          {
            name: 'drain every consumer (flush, commit, leave the group)',
            run: async () => {
              for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
              const codes = await Promise.all(exits);
              const failed = codes.map((code, index) => ({ index, code })).filter((c) => c.code !== 0);
              if (failed.length > 0) throw new Error(`consumers exited non-zero: ${failed.map((f) => `${f.index}: ${f.code ?? 'signal'}`).join(', ')}`);
            },
            timeoutMs: DRAIN_TIMEOUT_MS,
          },
          {
            name: 'kill consumers still running',
            run: () => {
              for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
            },
          },
          { name: 'ops server', run: () => ops?.close() },
        ],
        logger,
      );
    },
  };
  return app;
}
