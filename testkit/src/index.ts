import { z } from 'zod';
import { loadConfig } from '@spotify-pipeline/shared/config';
import { kafkaSettingsSchema, type KafkaSettings } from '@spotify-pipeline/shared/kafka';
import type { S3Settings } from '@spotify-pipeline/shared/s3';
import { startMinio, startRedpanda } from './docker/containers.js';
import { containerControl, externalControl, localControl, type Control } from './endpoint-control.js';
import type { IcebergCatalogEndpoint, TrinoEndpoint } from './lakehouse.js';
import { kafkaReady, prepareKafka } from './local/kafka.js';
import { startOrReuse } from './local/local-process.js';
import { defaultStateDir } from './local/paths.js';
import { freePort } from './local/processes.js';
import { LOCAL_S3_CREDENTIALS, prepareS3Proxy, s3Ready } from './local/s3proxy.js';
import { chooseMode, type StackMode } from './mode.js';

export type { StackMode } from './mode.js';
export { chooseMode, dockerReachable } from './mode.js';
export { defaultStateDir } from './local/paths.js';

export interface StartOptions {
  stateDir?: string;
  /** 'cli' stacks outlive the process that started them; 'test' stacks of a dead run are replaced. */
  owner?: 'cli' | 'test';
  env?: NodeJS.ProcessEnv;
}

export interface KafkaEndpoint extends Control {
  mode: StackMode;
  settings: KafkaSettings;
}

export interface S3Endpoint extends Control {
  mode: StackMode;
  settings: S3Settings & { endpoint: string; accessKeyId: string; secretAccessKey: string };
}

export async function startKafka(options: StartOptions = {}): Promise<KafkaEndpoint> {
  const env = options.env ?? process.env;
  const stateDir = options.stateDir ?? defaultStateDir();
  const mode = await chooseMode('kafka', env);
  if (mode === 'external') {
    const settings = loadConfig(z.strictObject({ kafka: kafkaSettingsSchema }), env).kafka;
    return {
      mode: (env.TESTKIT_MODE as StackMode | undefined) ?? 'external',
      settings,
      ...externalControl(stateDir, 'kafka', kafkaReady),
    };
  }
  if (mode === 'docker') {
    const port = await freePort();
    const container = await startRedpanda(port);
    return {
      mode,
      settings: { brokers: [`127.0.0.1:${port}`], securityProtocol: 'PLAINTEXT', requestTimeoutMs: 30_000 },
      ...containerControl(container),
    };
  }
  const start = await startOrReuse({
    component: 'kafka',
    stateDir,
    owner: options.owner ?? 'test',
    prepare: () => prepareKafka(stateDir),
    ready: kafkaReady,
    startTimeoutMs: 120_000,
  });
  return {
    mode,
    settings: { brokers: [`127.0.0.1:${start.record.port}`], securityProtocol: 'PLAINTEXT', requestTimeoutMs: 30_000 },
    ...localControl(stateDir, 'kafka', start, kafkaReady),
  };
}

export async function startS3(options: StartOptions = {}): Promise<S3Endpoint> {
  const env = options.env ?? process.env;
  const stateDir = options.stateDir ?? defaultStateDir();
  const mode = await chooseMode('s3', env);
  if (mode === 'external') {
    return {
      mode: (env.TESTKIT_MODE as StackMode | undefined) ?? 'external',
      settings: {
        endpoint: env.S3_ENDPOINT!,
        region: env.S3_REGION ?? 'us-east-1',
        forcePathStyle: (env.S3_FORCE_PATH_STYLE ?? 'true') === 'true',
        accessKeyId: env.S3_ACCESS_KEY_ID ?? LOCAL_S3_CREDENTIALS.accessKeyId,
        secretAccessKey: env.S3_SECRET_ACCESS_KEY ?? LOCAL_S3_CREDENTIALS.secretAccessKey,
      },
      ...externalControl(stateDir, 's3', s3Ready),
    };
  }
  if (mode === 'docker') {
    const port = await freePort();
    const container = await startMinio(port, LOCAL_S3_CREDENTIALS.accessKeyId, LOCAL_S3_CREDENTIALS.secretAccessKey);
    return {
      mode,
      settings: { endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', forcePathStyle: true, ...LOCAL_S3_CREDENTIALS },
      ...containerControl(container),
    };
  }
  const start = await startOrReuse({
    component: 's3',
    stateDir,
    owner: options.owner ?? 'test',
    prepare: () => prepareS3Proxy(stateDir),
    ready: s3Ready,
    startTimeoutMs: 120_000,
  });
  return {
    mode,
    settings: { endpoint: `http://127.0.0.1:${start.record.port}`, region: 'us-east-1', forcePathStyle: true, ...LOCAL_S3_CREDENTIALS },
    ...localControl(stateDir, 's3', start, s3Ready),
  };
}

/**
 * The environment a service needs to reach this stack, in the variable names of shared/config;
 * with the lakehouse endpoints, ICEBERG_REST_URI and TRINO_URI too.
 */
export function stackEnv(kafka: KafkaEndpoint, s3: S3Endpoint, lakehouse: { catalog?: IcebergCatalogEndpoint; trino?: TrinoEndpoint } = {}): Record<string, string> {
  return {
    KAFKA_BROKERS: kafka.settings.brokers.join(','),
    S3_ENDPOINT: s3.settings.endpoint,
    S3_REGION: s3.settings.region,
    S3_FORCE_PATH_STYLE: String(s3.settings.forcePathStyle),
    S3_ACCESS_KEY_ID: s3.settings.accessKeyId,
    S3_SECRET_ACCESS_KEY: s3.settings.secretAccessKey,
    ...(lakehouse.catalog ? { ICEBERG_REST_URI: lakehouse.catalog.uri } : {}),
    ...(lakehouse.trino ? { TRINO_URI: lakehouse.trino.uri } : {}),
    // Test and bench children on Node 20 machines: the SDK's "Node 22 after January 2027" notice is known (see jest.config.js).
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  };
}

export { startIcebergCatalog, startTrino, TRINO_ICEBERG_CATALOG, type IcebergCatalogEndpoint, type TrinoEndpoint } from './lakehouse.js';
export { TrinoClient, TrinoQueryError, type TrinoClientOptions, type TrinoColumn, type TrinoResult } from './trino/trino-client.js';
export { waitUntil, uniqueName } from './wait.js';
export { processTree, treeRssBytes } from './local/processes.js';
export { ServiceProcess, type ServiceName, type ServiceProcessOptions } from './pipeline/service-process.js';
export { readTopic, header, type ReadTopicOptions } from './pipeline/read-topic.js';
export { FaultProxy, S3FaultProxy, CatalogFaultProxy, s3Request, catalogRequest, type Fault, type FaultScope, type ProxiedRequest, type RequestMatcher, type ResetPoint } from './faults/index.js';
