import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { parseS3Uri, type S3FileIO } from '@spotify-pipeline/shared/iceberg';

/** A data file as a snapshot lists it. */
export interface MirroredFile {
  uri: string;
  sizeBytes: number;
}

/**
 * Mirrors a snapshot's data files into a local directory for DuckDB, which cannot reach S3 here
 * (its httpfs extension cannot be installed offline). Iceberg data files are immutable once a
 * snapshot lists them, so a file is cached under its path and size and never fetched twice; no
 * listing of the table's folders is needed (readers never list).
 */
export class FileMirror {
  constructor(
    private readonly io: S3FileIO,
    private readonly cacheDir: string,
  ) {}

  /** Local paths of `files` (by URI), downloading the ones not cached yet (checked against the size the manifest gives). */
  async localPaths(files: MirroredFile[]): Promise<Map<string, string>> {
    const paths = new Map<string, string>();
    const missing: Array<{ file: MirroredFile; path: string }> = [];
    for (const file of files) {
      const { bucket, key } = parseS3Uri(file.uri);
      const path = join(this.cacheDir, bucket, `${key.replace(/\.parquet$/, '')}.${file.sizeBytes}.parquet`);
      paths.set(file.uri, path);
      if (!(await exists(path))) missing.push({ file, path });
    }
    await inParallel(missing, 4, ({ file, path }) => this.download(file, path));
    return paths;
  }

  /**
   * Deletes mirrored files no current snapshot lists any more (compacted away, expired), once
   * older than `graceMs`: a query of another process sharing the cache may still be reading them.
   */
  async prune(keep: ReadonlySet<string>, graceMs: number, now = Date.now()): Promise<number> {
    let entries: string[];
    try {
      entries = await readdir(this.cacheDir, { recursive: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 0;
      throw err;
    }
    let removed = 0;
    for (const entry of entries) {
      const path = join(this.cacheDir, entry);
      if (!path.endsWith('.parquet') || keep.has(path)) continue;
      const info = await stat(path);
      if (now - info.mtimeMs < graceMs) continue;
      await rm(path, { force: true });
      removed += 1;
    }
    return removed;
  }

  private async download(file: MirroredFile, path: string): Promise<void> {
    const body = await this.io.read(file.uri);
    if (body.length !== file.sizeBytes) {
      throw new PipelineError('CHECKSUM_MISMATCH', `${file.uri} has ${body.length} bytes, the table's manifest says ${file.sizeBytes}`, { details: { uri: file.uri } });
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
