import { z } from 'zod';
import { envBool, envString } from '../config/env-schema.js';

/** S3 connection settings from `S3_*` variables. Without an endpoint the AWS default applies. */
export const s3SettingsSchema = z.strictObject({
  endpoint: envString('S3 endpoint URL for non-AWS servers, e.g. http://localhost:9000 (leave unset for AWS)').optional(),
  region: envString('AWS region, e.g. eu-west-1').default('us-east-1'),
  forcePathStyle: envBool('true for MinIO/S3Proxy (bucket in the path), false for AWS virtual-hosted style').default(false),
  accessKeyId: envString('access key id; leave unset on AWS to use the default chain (IRSA, instance role)').optional(),
  secretAccessKey: envString('secret access key matching S3_ACCESS_KEY_ID').optional(),
});

export type S3Settings = z.output<typeof s3SettingsSchema>;
