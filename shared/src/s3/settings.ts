import { z } from 'zod';
import { envBool, envInt, envString } from '../config/env-schema.js';

/** S3 connection settings from `S3_*` variables. Without an endpoint the AWS default applies. */
export const s3SettingsSchema = z.strictObject({
  endpoint: envString('S3 endpoint URL for non-AWS servers, e.g. http://localhost:9000 (leave unset for AWS)').optional(),
  region: envString('AWS region, e.g. eu-west-1').default('us-east-1'),
  forcePathStyle: envBool('true for MinIO/S3Proxy (bucket in the path), false for AWS virtual-hosted style').default(false),
  accessKeyId: envString('access key id; leave unset on AWS to use the default chain (IRSA, instance role)').optional(),
  secretAccessKey: envString('secret access key matching S3_ACCESS_KEY_ID').optional(),
  connectionTimeoutMs: envInt('give up connecting to S3 after this many ms (then retried)', 100).default(5_000),
  requestTimeoutMs: envInt('give up on an S3 request whose socket stays silent this many ms (a hung GetObject), then retried', 1_000).default(30_000),
});

type ParsedS3Settings = z.output<typeof s3SettingsSchema>;

/** Parsed settings; the timeouts may be left out by callers that build settings by hand (tests, tools). */
export type S3Settings = Omit<ParsedS3Settings, 'connectionTimeoutMs' | 'requestTimeoutMs'> & Partial<Pick<ParsedS3Settings, 'connectionTimeoutMs' | 'requestTimeoutMs'>>;
