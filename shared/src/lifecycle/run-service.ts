import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import { configHelp } from '../config/config-help.js';
import { type Env } from '../config/load-config.js';
import { errorMessage, isPipelineError } from '../errors/index.js';
import { createLogger } from '../logging/index.js';
import { identifyOpsServer } from '../metrics/http-server.js';
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
  /** The schema `loadConfig` parses: `--help` lists its variables, generated like docs/configuration.md. */
  configSchema: z.ZodObject;
  loadConfig(env: Env): C;
  logLevel(config: C): string;
  build(config: C, context: ServiceContext): ServiceApp | Promise<ServiceApp>;
}

/** The slice of `process` main.ts hands over, so nothing else touches it. */
export interface ProcessLike extends SignalSource {
  env: Env;
  stdout: { write(text: string, written?: () => void): unknown };
  stderr: { write(line: string): unknown };
  exit(code: number): never;
  on(event: 'SIGTERM' | 'SIGINT', listener: () => void): unknown;
  /** For fault points: a test may ask the process to SIGKILL itself at an exact step. */
  pid?: number;
  kill?(pid: number, signal: 'SIGKILL'): unknown;
}

/** Exit code for a bad configuration (sysexits EX_CONFIG): distinguishable from a crash. */
export const EXIT_CONFIG = 78;

/** Exit code for a command line the service does not take (sysexits EX_USAGE). */
export const EXIT_USAGE = 64;

const isConfigError = (err: unknown): boolean => isPipelineError(err) && err.code === 'CONFIG_INVALID';

/**
 * The whole life of a service process: `--help` or config (fail fast, one line naming the
 * variable, exit 78) → logger and registry → build → start → run until SIGTERM/SIGINT or a fatal
 * error → close in order → exit. `args` are the command-line arguments after the script.
 */
export async function runService<C>(proc: ProcessLike, spec: ServiceSpec<C>, args: readonly string[] = []): Promise<void> {
  if (args.includes('--help') || args.includes('-h')) {
    // Exit once stdout has taken the text, even when it is a slow pipe.
    proc.stdout.write(`Usage: ${spec.service} [--help]\n\n${configHelp(spec.configSchema)}`, () => proc.exit(0));
    return;
  }
  // Settings come from the environment only: an argument would be silently ignored otherwise.
  if (args.length > 0) {
    proc.stderr.write(`${spec.service}: unexpected argument ${JSON.stringify(args[0])}: it is configured by environment variables only (see --help)\n`);
    proc.exit(EXIT_USAGE);
  }
  // A configuration error is one line on stderr and exit 78, wherever it is found: no stack, no JSON.
  function refuse(err: unknown): never {
    proc.stderr.write(`${spec.service}: ${errorMessage(err)}\n`);
    return proc.exit(isConfigError(err) ? EXIT_CONFIG : 1);
  }
  let config: C;
  try {
    config = spec.loadConfig(proc.env);
  } catch (err) {
    refuse(err);
  }
  const logger = createLogger({ service: spec.service, level: spec.logLevel(config) });
  let faults: FaultPoints;
  try {
    faults = faultPoints(proc.env.PIPELINE_FAULT_POINTS, () => {
      logger.warn('FaultPointReached');
      logger.flush();
      proc.kill?.(proc.pid ?? 0, 'SIGKILL');
    });
  } catch (err) {
    refuse(err);
  }
  const registry = createRegistry(spec.service);
  // A supervisor that gave this process PIPELINE_INSTANCE_ID finds it in /healthz: proof the port is ours.
  identifyOpsServer(registry, { service: spec.service, instanceId: proc.env.PIPELINE_INSTANCE_ID ?? randomUUID() });
  let app: ServiceApp;
  // Signals are taken from the first moment: a Ctrl-C while the service is still starting drains it
  // once started, instead of killing it half-way (the default action of SIGINT/SIGTERM).
  let started = false;
  let stopRequested: string | undefined;
  let stopNow: ((signal: string) => void) | undefined;
  onTerminationSignal(
    proc,
    (signal) => (started && stopNow ? stopNow(signal) : (stopRequested ??= signal)),
    () => proc.exit(130),
  );
  try {
    app = await spec.build(config, { logger, registry, faults });
    await app.start();
  } catch (err) {
    // Some settings can only be judged while building (a catalog client, a file to read).
    if (isConfigError(err)) refuse(err);
    logger.fatal({ err }, 'ServiceStartFailed');
    proc.exit(1);
  }
  logger.info('ServiceStarted');
  let closing: Promise<void> | undefined;
  /** `failureCode`: the exit code when the service stopped because of an error, whatever the close did. */
  const stop = (reason: string, failureCode?: number): Promise<void> => {
    closing ??= (async () => {
      logger.info({ reason }, 'ServiceStopping');
      const clean = await app.close();
      logger.info({ clean }, 'ServiceStopped');
      logger.flush();
      proc.exit(failureCode ?? (clean ? 0 : 1));
    })();
    return closing;
  };
  stopNow = (signal) => void stop(signal);
  started = true;
  if (stopRequested) void stop(stopRequested);
  app.done?.then(
    () => void stop('completed'),
    (err: unknown) => {
      if (isConfigError(err)) {
        proc.stderr.write(`${spec.service}: ${errorMessage(err)}\n`);
        void stop('configuration', EXIT_CONFIG);
      } else {
        logger.fatal({ err }, 'ServiceFailed');
        void stop('fatal error', 1);
      }
    },
  );
}
