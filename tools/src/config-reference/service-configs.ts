import type { z } from 'zod';
import { configSchema as catalogSync } from '@spotify-pipeline/catalog-sync/config';
import { configSchema as consumerService } from '@spotify-pipeline/consumer-service/config';
import { configSchema as etlWorker } from '@spotify-pipeline/etl-worker/config';
import { configSchema as insightsService } from '@spotify-pipeline/insights-service/config';
import { configSchema as producerService } from '@spotify-pipeline/producer-service/config';

/** A service and the one schema its main.ts parses the environment with. */
export interface ServiceConfig {
  service: string;
  /** One line on what the service does, above its table. */
  role: string;
  schema: z.ZodObject;
}

/** Every deployable, in pipeline order: the reference documents exactly these schemas. */
export const SERVICE_CONFIGS: readonly ServiceConfig[] = [
  { service: 'producer-service', role: 'simulates or replays Spotify listening events into Kafka', schema: producerService },
  { service: 'consumer-service', role: 'the exactly-once sink from Kafka to S3 staging', schema: consumerService },
  { service: 'etl-worker', role: 'staged NDJSON to the Parquet data files of the Iceberg tables', schema: etlWorker },
  { service: 'catalog-sync', role: 'the Iceberg committer, janitor and SQL CLI', schema: catalogSync },
  { service: 'insights-service', role: 'live one-minute windows over the listening events, their JSON API and the live page', schema: insightsService },
];
