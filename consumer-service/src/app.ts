import type { ServiceApp, ServiceContext } from '@spotify-pipeline/shared/lifecycle';
import { runShutdown } from '@spotify-pipeline/shared/lifecycle';
import { startOpsServer, type OpsServer } from '@spotify-pipeline/shared/metrics';
import type { Config } from './config.js';

/** consumer-service: batching Kafka → S3 staging sink. Builds the object graph; nothing connects until start(). */
export function buildApp(config: Config, { logger, registry }: ServiceContext): ServiceApp {
  let ready = false;
  let ops: OpsServer | undefined;
  return {
    async start() {
      ops = await startOpsServer(registry, { live: () => true, ready: () => ready }, config.http.port);
      ready = true;
      logger.info({ port: ops.port }, 'OpsServerListening');
    },
    close() {
      return runShutdown(
        [
          { name: 'readiness off', run: () => void (ready = false) },
          { name: 'ops server', run: () => ops?.close() },
        ],
        logger,
      );
    },
  };
}
