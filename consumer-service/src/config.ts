import { z } from 'zod';
import { httpSettingsSchema, loadConfig, logSettingsSchema, storageSettingsSchema, topicSettingsSchema, type Env } from '@spotify-pipeline/shared/config';
import { kafkaSettingsSchema } from '@spotify-pipeline/shared/kafka';
import { s3SettingsSchema } from '@spotify-pipeline/shared/s3';

/** consumer-service configuration: every field from one env variable (see shared/config envName). */
export const configSchema = z.strictObject({
  kafka: kafkaSettingsSchema,
  s3: s3SettingsSchema,
  topics: topicSettingsSchema.prefault({}),
  storage: storageSettingsSchema.prefault({}),
  http: httpSettingsSchema.prefault({ port: '9462' }),
  log: logSettingsSchema.prefault({}),
});

export type Config = z.output<typeof configSchema>;

export function readConfig(env: Env): Config {
  return loadConfig(configSchema, env);
}
