import { request } from 'node:http';
import { existsSync } from 'node:fs';

export type StackMode = 'external' | 'docker' | 'local';

/** Answers true when a Docker engine responds to /_ping on its socket within a second. */
export async function dockerReachable(env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const host = env.DOCKER_HOST;
  if (host && !host.startsWith('unix://')) return true; // tcp:// engines: let testcontainers try
  const socketPath = host ? host.slice('unix://'.length) : '/var/run/docker.sock';
  if (!existsSync(socketPath)) return false;
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: 1_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once('error', () => resolve(false));
    req.once('timeout', () => {
      req.destroy();
      resolve(false);
    });
    req.end();
  });
}

/** The variable that names an already running server of each component. */
export const ENDPOINT_VARIABLES = {
  kafka: 'KAFKA_BROKERS',
  s3: 'S3_ENDPOINT',
  'iceberg-rest': 'ICEBERG_REST_URI',
  trino: 'TRINO_URI',
} as const;

/**
 * external when endpoints are given (KAFKA_BROKERS, S3_ENDPOINT, ICEBERG_REST_URI, TRINO_URI), else
 * docker when an engine answers, else local Java processes. TESTKIT_MODE=local|docker overrides the detection.
 */
export async function chooseMode(component: keyof typeof ENDPOINT_VARIABLES, env: NodeJS.ProcessEnv = process.env): Promise<StackMode> {
  if (env[ENDPOINT_VARIABLES[component]]) return 'external';
  const forced = env.TESTKIT_MODE;
  if (forced === 'local' || forced === 'docker') return forced;
  return (await dockerReachable(env)) ? 'docker' : 'local';
}
