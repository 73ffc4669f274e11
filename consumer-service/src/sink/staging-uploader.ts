import type { S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Logger } from '@spotify-pipeline/shared/logging';
import { retry } from '@spotify-pipeline/shared/retry';
import { classifyS3Error } from '@spotify-pipeline/shared/s3';
import type { PipelineError } from '@spotify-pipeline/shared/errors';

export interface StagedObject {
  bucket: string;
  key: string;
  body: Buffer;
  sha256: string;
  recordCount: number;
  topic: string;
  partition: number;
  firstOffset: number;
  lastOffset: number;
}

export interface UploaderOptions {
  bucket: string;
  partBytes: number;
  maxAttempts: number;
  maxBackoffMs: number;
  /** Called on each failed attempt that will be retried: the loop pauses fetching while S3 is down. */
  onRetry?: (err: PipelineError, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

/**
 * Puts staged objects with lib-storage (one PUT when small, multipart when large), with the
 * object's record count, offsets and sha256 in its metadata so an object explains itself without
 * the manifest. S3 errors are classified at this boundary; retriable ones back off with jitter up
 * to `maxAttempts`, then the error goes up and the loop abandons the round (nothing committed).
 */
export class StagingUploader {
  constructor(
    private readonly s3: S3Client,
    private readonly options: UploaderOptions,
    private readonly logger: Logger,
  ) {}

  async put(object: StagedObject): Promise<void> {
    await retry(
      async () => {
        const upload = new Upload({
          client: this.s3,
          partSize: this.options.partBytes,
          queueSize: 2,
          leavePartsOnError: false,
          params: {
            Bucket: object.bucket,
            Key: object.key,
            Body: object.body,
            // Not Content-Encoding: gzip, which some HTTP clients undo on download (the sha256 is of the gzip bytes).
            ContentType: 'application/gzip',
            Metadata: {
              'record-count': String(object.recordCount),
              'source-topic': object.topic,
              'source-partition': String(object.partition),
              'first-offset': String(object.firstOffset),
              'last-offset': String(object.lastOffset),
              sha256: object.sha256,
            },
          },
        });
        try {
          await upload.done();
        } catch (err) {
          throw classifyS3Error(err, `upload s3://${object.bucket}/${object.key}`);
        }
      },
      {
        maxAttempts: this.options.maxAttempts,
        baseDelayMs: 100,
        maxDelayMs: this.options.maxBackoffMs,
        ...(this.options.signal ? { signal: this.options.signal } : {}),
        onRetry: (err, attempt, delayMs) => {
          const classified = err as PipelineError;
          this.logger.warn({ key: object.key, attempt, delayMs, code: classified.code, err }, 'UploadRetried');
          this.options.onRetry?.(classified, attempt, delayMs);
        },
      },
    );
  }
}

/** Runs `work` over `items` with at most `limit` at once: the cap on in-flight uploads. */
export async function forEachLimited<T>(items: T[], limit: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  });
  await Promise.all(lanes);
}
