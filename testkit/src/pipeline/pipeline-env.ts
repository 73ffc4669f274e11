import { stackEnv, type KafkaEndpoint, type S3Endpoint } from '../index.js';

/** Ops ports of the four services when they run side by side on one machine. */
export const SERVICE_PORTS = {
  'producer-service': 9461,
  'consumer-service': 9462,
  'etl-worker': 9463,
  'catalog-sync': 9464,
} as const;

/**
 * The environment every service of a local pipeline shares: the stack's endpoints plus the
 * catalog in local mode. Topic and bucket names keep their defaults unless the caller's env sets them.
 */
export function pipelineEnv(kafka: KafkaEndpoint, s3: S3Endpoint, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return {
    ...base,
    ...stackEnv(kafka, s3),
    CATALOG_MODE: base.CATALOG_MODE ?? 'local',
  };
}
