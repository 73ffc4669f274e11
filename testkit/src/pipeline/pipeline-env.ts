import { stackEnv, type IcebergCatalogEndpoint, type KafkaEndpoint, type S3Endpoint } from '../index.js';

/**
 * The environment every service of a local pipeline shares: the stack's endpoints (the Iceberg REST
 * catalog's as ICEBERG_REST_URI when given). Topic, bucket and namespace names keep their defaults
 * unless the caller's env sets them; the catalog's engine is DuckDB unless CATALOG_ENGINE says otherwise.
 */
export function pipelineEnv(kafka: KafkaEndpoint, s3: S3Endpoint, base: NodeJS.ProcessEnv = process.env, catalog?: IcebergCatalogEndpoint): NodeJS.ProcessEnv {
  return {
    ...base,
    ...stackEnv(kafka, s3, catalog ? { catalog } : {}),
  };
}
