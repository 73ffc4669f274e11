import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { retry, type RetryOptions } from '@spotify-pipeline/shared/retry';
import { classifyS3Error } from '@spotify-pipeline/shared/s3';
import type { LakeFile } from '../catalog/catalog.js';

/**
 * Mirrors lake objects into a local directory for DuckDB, which cannot reach S3 here. A file is
 * cached under its key plus its ETag, so a rewritten object is fetched again and an unchanged one
 * never is; the key's dt=/hour= folders are kept so DuckDB reads the partition values from the path.
 */
export class FileMirror {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
    private readonly cacheDir: string,
    private readonly retryOptions: Partial<RetryOptions> = {},
  ) {}

  /** Local paths of `files`, downloading the ones not cached yet (checked against the manifest's sha256). */
  async localPaths(prefix: string, files: LakeFile[]): Promise<Map<string, string>> {
    const etags = await this.listEtags(prefix);
    const paths = new Map<string, string>();
    const missing: Array<{ file: LakeFile; path: string }> = [];
    for (const file of files) {
      const etag = etags.get(file.key);
      if (!etag) {
        throw new PipelineError('S3_NOT_FOUND', `catalog lists s3://${this.bucket}/${file.key}, but the lake does not hold it`, { details: { key: file.key } });
      }
      const path = join(this.cacheDir, this.bucket, `${file.key.replace(/\.parquet$/, '')}.${etag}.parquet`);
      paths.set(file.key, path);
      if (!(await exists(path))) missing.push({ file, path });
    }
    await inParallel(missing, 4, ({ file, path }) => this.download(file, path));
    return paths;
  }

  /**
   * Deletes mirrored files that no longer back any catalog file (replaced by a compaction, or an
   * object rewritten under a new ETag), once older than `graceMs`: a query of another process
   * sharing the cache may still be reading them.
   */
  async prune(keep: ReadonlySet<string>, graceMs: number, now = Date.now()): Promise<number> {
    const root = join(this.cacheDir, this.bucket);
    let entries: string[];
    try {
      entries = await readdir(root, { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    let removed = 0;
    for (const entry of entries) {
      const path = join(root, entry);
      if (!path.endsWith('.parquet') || keep.has(path)) continue;
      const info = await stat(path);
      if (now - info.mtimeMs < graceMs) continue;
      await rm(path, { force: true });
      removed += 1;
    }
    return removed;
  }

  private async listEtags(prefix: string): Promise<Map<string, string>> {
    const etags = new Map<string, string>();
    let token: string | undefined;
    do {
      const page = await retry(async () => {
        try {
          return await this.s3.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
        } catch (err) {
          throw classifyS3Error(err, `list s3://${this.bucket}/${prefix}`);
        }
      }, this.retryOptions);
      for (const o of page.Contents ?? []) etags.set(o.Key!, (o.ETag ?? '').replace(/[^0-9A-Za-z-]/g, ''));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return etags;
  }

  private async download(file: LakeFile, path: string): Promise<void> {
    const body = await retry(async () => {
      try {
        const got = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: file.key }));
        return Buffer.from(await got.Body!.transformToByteArray());
      } catch (err) {
        throw classifyS3Error(err, `get s3://${this.bucket}/${file.key}`);
      }
    }, this.retryOptions);
    const sha256 = createHash('sha256').update(body).digest('hex');
    if (sha256 !== file.sha256) {
      throw new PipelineError('CHECKSUM_MISMATCH', `s3://${this.bucket}/${file.key} has sha256 ${sha256}, its manifest says ${file.sha256}`, {
        details: { key: file.key },
      });
    }
    await mkdir(dirname(path), { recursive: true });
    // Write then rename: a concurrent reader never sees half a file.
    const partial = `${path}.${randomBytes(4).toString('hex')}.partial`;
    await writeFile(partial, body);
    await rename(partial, path);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw err;
  }
}

async function inParallel<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}
