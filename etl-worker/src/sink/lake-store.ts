import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { retry } from '@spotify-pipeline/shared/retry';
import { classifyS3Error } from '@spotify-pipeline/shared/s3';

export interface StoredObject {
  key: string;
  sizeBytes: number;
  sha256: string;
}

/** Where lake objects go: S3 in the worker, a directory in the benchmark. */
export interface LakeStore {
  readonly bucket: string;
  put(key: string, body: Buffer, contentType: string): Promise<StoredObject>;
  /** Downloads an object to a local file (compaction reads its inputs this way: DuckDB reads files). */
  download(key: string, path: string): Promise<void>;
}

export const sha256Hex = (body: Buffer): string => createHash('sha256').update(body).digest('hex');

export async function putFile(store: LakeStore, key: string, path: string): Promise<StoredObject> {
  return store.put(key, await readFile(path), 'application/vnd.apache.parquet');
}

/** Lake objects in S3: retried with backoff on retriable errors, a bounded number of times. */
export class S3LakeStore implements LakeStore {
  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    private readonly signal?: AbortSignal,
  ) {}

  async put(key: string, body: Buffer, contentType: string): Promise<StoredObject> {
    const sha256 = sha256Hex(body);
    await retry(
      async () => {
        try {
          await this.s3.send(
            new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType, ContentLength: body.length, Metadata: { sha256 } }),
          );
        } catch (err) {
          throw classifyS3Error(err, `put lake object ${key}`, this.bucket);
        }
      },
      { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 10_000, signal: this.signal },
    );
    return { key, sizeBytes: body.length, sha256 };
  }

  async download(key: string, path: string): Promise<void> {
    await retry(
      async () => {
        try {
          const response = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
          await writeFile(path, await response.Body!.transformToByteArray());
        } catch (err) {
          throw classifyS3Error(err, `get lake object ${key}`, this.bucket);
        }
      },
      { maxAttempts: 8, baseDelayMs: 200, maxDelayMs: 10_000, signal: this.signal },
    );
  }
}
