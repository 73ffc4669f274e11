import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { classifyS3Error } from '@spotify-pipeline/shared/s3';
import { retry, type RetryOptions } from '@spotify-pipeline/shared/retry';

export interface Versioned<T> {
  value: T;
  /** ETag of the object read; undefined when it does not exist yet. */
  etag: string | undefined;
}

const MAX_CONFLICTS = 10;

/**
 * One JSON document in S3, updated with optimistic concurrency: the write carries `If-Match`
 * (or `If-None-Match: *` for the first one), so two writers never overwrite each other's change
 * silently — the loser re-reads and re-applies its change. Readers always see a whole document:
 * a PUT replaces the object atomically.
 */
export class JsonDocument<T> {
  private cached: Versioned<T> | undefined;

  constructor(
    private readonly s3: S3Client,
    readonly bucket: string,
    readonly key: string,
    private readonly empty: () => T,
    private readonly parse: (raw: unknown) => T,
    private readonly retryOptions: Partial<RetryOptions> = {},
  ) {}

  /**
   * Reads the current version from S3. The request is conditional on the version already held, so
   * an unchanged document costs a 304 and no parsing — readers poll it before every query.
   */
  async read(): Promise<Versioned<T>> {
    const known = this.cached;
    const fresh = await retry(async () => {
      try {
        const got = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key, ...(known?.etag ? { IfNoneMatch: known.etag } : {}) }));
        const text = await got.Body!.transformToString();
        return { value: this.parse(JSON.parse(text)), etag: got.ETag };
      } catch (err) {
        if (known && isNotModified(err)) return known;
        const classified = classifyS3Error(err, `read ${this.key}`, this.bucket);
        // No document yet: start empty. A missing bucket is S3_BUCKET_NOT_FOUND and goes up (fatal):
        // taken as "empty", the ledger would start over in a bucket that is not there.
        if (classified.code === 'S3_NOT_FOUND') return { value: this.empty(), etag: undefined };
        throw classified;
      }
    }, this.retryOptions);
    this.cached = fresh;
    return fresh;
  }

  /**
   * Applies `mutate` to a copy of the document and writes it if it changed. `mutate` may run more
   * than once (after a conflict), so it must be a pure function of the document it is given.
   * `beforeWrite` runs after `mutate` and before the write (e.g. the catalog writes a new sync
   * state stands for): when it throws, nothing is written.
   */
  async update(mutate: (doc: T) => boolean, beforeWrite?: (draft: T) => Promise<void>): Promise<T> {
    for (let conflict = 0; ; conflict++) {
      const current = this.cached ?? (await this.read());
      const draft = structuredClone(current.value);
      if (!mutate(draft)) return current.value;
      await beforeWrite?.(draft);
      const body = JSON.stringify(draft);
      try {
        const put = await retry(async () => {
          try {
            return await this.s3.send(
              new PutObjectCommand({
                Bucket: this.bucket,
                Key: this.key,
                Body: body,
                ContentType: 'application/json',
                ...(current.etag ? { IfMatch: current.etag } : { IfNoneMatch: '*' }),
              }),
            );
          } catch (err) {
            if (isPreconditionFailed(err)) throw err;
            throw classifyS3Error(err, `write ${this.key}`, this.bucket);
          }
        }, this.retryOptions);
        this.cached = { value: draft, etag: put.ETag };
        return draft;
      } catch (err) {
        if (!isPreconditionFailed(err)) throw err;
        if (conflict >= MAX_CONFLICTS) {
          throw new PipelineError('CATALOG_UNAVAILABLE', `${this.key} changed under us ${MAX_CONFLICTS} times in a row`, { retriable: true, cause: err });
        }
        // Someone else wrote in between: re-read and re-apply on their version.
        this.cached = undefined;
      }
    }
  }
}

function isNotModified(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NotModified' || e?.$metadata?.httpStatusCode === 304;
}

function isPreconditionFailed(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'PreconditionFailed' || e?.$metadata?.httpStatusCode === 412 || e?.name === 'ConditionalRequestConflict' || e?.$metadata?.httpStatusCode === 409;
}
