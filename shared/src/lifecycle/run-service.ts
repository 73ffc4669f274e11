import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type Env } from '../config/load-config.js';
import { errorMessage, isPipelineError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { createRegistry } from '../metrics/registry.js';
import { faultPoints, type FaultPoints } from './fault-points.js';
import { onTerminationSignal, type SignalSource } from './signals.js';

/** What app.ts returns: built from config, nothing connected until `start`. */
export interface ServiceApp {
  start(): Promise<void>;
  /** Drains in the documented order; resolves false when a step failed (exit non-zero). */
  close(): Promise<boolean>;
  /** Resolves or rejects when the app stops on its own (a fatal error in its loop). */
  done?: Promise<void>;
}

export interface ServiceContext {
  logger: Logger;
  registry: Registry;
  /** Test-only crash points (PIPELINE_FAULT_POINTS); absent means none. */
  faults?: FaultPoints;
}

export interface ServiceSpec<C> {
  service: string;
  loadConfig(env: Env): C;
  logLevel(config: C): string;
  build(config: C, context: ServiceContext): ServiceApp | Promise<ServiceApp>;
}

/** The slice of `process` main.ts hands over, so nothing else touches it. */
export interface ProcessLike extends SignalSource {
  env: Env;
  stderr: { write(line: string): unknown };
  exit(code: number): never;
  on(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  /** For fault points: a test may ask the process to SIGKILL itself at an exact step. */
  pid?: number;
  kill?(pid: number, signal: 'SIGKILL'): unknown;
}

/** Exit code for a bad configuration (sysexits EX_CONFIG): distinguishable from a crash. */
export const EXIT_CONFIG = 78;

/**
 * The whole life of a service process: config (fail fast, one line naming the variable) → logger
 * and registry → build → start → run until SIGTERM/SIGINT or a fatal error → close in order → exit.
 */
export async function runService<C>(proc: ProcessLike, spec: ServiceSpec<C>): Promise<void> {
  let config: C;
  try {
    config = spec.loadConfig(proc.env);
  } catch (err) {
    proc.stderr.write(`${spec.service}: ${errorMessage(err)}\n`);
    proc.exit(isPipelineError(err) && err.code === 'CONFIG_INVALID' ? EXIT_CONFIG : 1);
  }
  const logger = createLogger({ service: spec.service, level: spec.logLevel(config) });
  const registry = createRegistry(spec.service);
  const faults = faultPoints(proc.env.PIPELINE_FAULT_POINTS, () => {
    logger.warn('FaultPointReached');
    logger.flush();
    proc.kill?.(proc.pid ?? 0, 'SIGKILL');
  });
  let app: ServiceApp;
  try {
    app = await spec.build(config, { logger, registry, faults });
    await app.start();
  } catch (err) {
    logger.fatal({ err }, 'ServiceStartFailed');
    proc.exit(1);
  }
  logger.info('ServiceStarted');
  let closing: Promise<void> | undefined;
  const stop = (reason: string, crashed: boolean): Promise<void> => {
    closing ??= (async () => {
      logger.info({ reason }, 'ServiceStopping');
      const clean = await app.close();
      logger.info({ clean }, 'ServiceStopped');
      logger.flush();
      proc.exit(crashed || !clean ? 1 : 0);
    })();
    return closing;
  };
  onTerminationSignal(proc, (signal) => void stop(signal, false), () => proc.exit(130));
  app.done?.then(
    () => void stop('completed', false),
    (err: unknown) => {
      logger.fatal({ err }, 'ServiceFailed');
      void stop('fatal error', true);
    },
  );
}
