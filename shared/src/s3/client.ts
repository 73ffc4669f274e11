import { S3Client } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { classifyS3Error } from './s3-error.js';
import type { S3Settings } from './settings.js';

/**
 * The S3 client every service uses. Checksums are computed and validated only when an operation
 * requires them: the SDK's newer default (CRC32 on every request, streamed trailers) is rejected
 * or mishandled by several S3-compatible servers. Integrity is ours to check anyway: every object
 * carries its sha256 in metadata and in its manifest.
 */
export function createS3Client(settings: S3Settings, maxAttempts = 3, options: S3ClientOptions = {}): S3Client {
  const client = new S3Client({
    region: settings.region,
    ...(settings.endpoint ? { endpoint: settings.endpoint } : {}),
    forcePathStyle: settings.forcePathStyle,
    ...(settings.accessKeyId && settings.secretAccessKey
      ? { credentials: { accessKeyId: settings.accessKeyId, secretAccessKey: settings.secretAccessKey } }
      : {}),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts,
    requestHandler: s3RequestHandler(settings),
  });
  const { onOutcome } = options;
  if (onOutcome) {
    // Around the whole call (the SDK's own retries included): what the stage's code sees.
    client.middlewareStack.add(
      (next) => async (args) => {
        try {
          const result = await next(args);
          onOutcome(true);
          return result;
        } catch (err) {
          if (isTransientS3Failure(err)) onOutcome(false, err);
          throw err;
        }
      },
      { step: 'initialize', name: 'pipelineS3Outcome' },
    );
  }
  return client;
}

export interface S3ClientOptions {
  /**
   * Told after every call: `true` when it succeeded, `false` when it failed in a way a retry may
   * heal (a timeout, a reset, 5xx, SlowDown). Answers such as 404 or 304 say nothing about S3's
   * health and are not reported. Readiness follows it (LoopHealth.dependency).
   */
  onOutcome?: (ok: boolean, err?: unknown) => void;
}

function isTransientS3Failure(err: unknown): boolean {
  const status = (err as { $metadata?: { httpStatusCode?: number } } | undefined)?.$metadata?.httpStatusCode;
  if (status !== undefined && status < 500 && status !== 429) return false;
  const classified = classifyS3Error(err, 'S3 call');
  return classified.retriable;
}

/**
 * Without timeouts a blackholed connection (accepted, never answered) hangs a GetObject forever
 * with the pod still Ready; with them it fails as a retriable TimeoutError. S3_REQUEST_TIMEOUT_MS
 * is NodeHttpHandler's `socketTimeout` (the socket silent that long, however long the whole
 * transfer takes). Its `requestTimeout` is not enough: in @smithy/node-http-handler 4.x it only logs a
 * warning unless `throwOnRequestTimeout` is set, and it covers the wait for the response headers,
 * not a body that stops half-way.
 */
export function s3RequestHandler(settings: Pick<S3Settings, 'connectionTimeoutMs' | 'requestTimeoutMs'>): NodeHttpHandler {
  return new NodeHttpHandler({ connectionTimeout: settings.connectionTimeoutMs ?? 5_000, socketTimeout: settings.requestTimeoutMs ?? 30_000 });
}
