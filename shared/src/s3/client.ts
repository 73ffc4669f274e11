import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { S3Settings } from './settings.js';

/**
 * The S3 client every service uses. Checksums are computed and validated only when an operation
 * requires them: the SDK's newer default (CRC32 on every request, streamed trailers) is rejected
 * or mishandled by several S3-compatible servers. Integrity is ours to check anyway: every object
 * carries its sha256 in metadata and in its manifest.
 */
export function createS3Client(settings: S3Settings, maxAttempts = 3): S3Client {
  return new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.accessKeyId && settings.secretAccessKey
      ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
      : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts,
    // Without these a blackholed connection (accepted, never answered) hangs a GetObject forever
    // with the pod still Ready; with them it fails as a retriable timeout.
    requestHandler: new NodeHttpHandler({ connectionTimeout: settings.connectionTimeoutMs ?? 5_000, requestTimeout: settings.requestTimeoutMs ?? 30_000 }),
  });
}
