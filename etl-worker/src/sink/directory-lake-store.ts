import { copyFile, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { sha256Hex, type LakeStore, type StoredObject } from './lake-store.js';

/** A lake in a local directory: the benchmark and unit tests measure the worker without S3. */
export class DirectoryLakeStore implements LakeStore {
  constructor(
    private readonly root: string,
    readonly bucket = 'local-lake',
  ) {}

  async put(key: string, body: Buffer): Promise<StoredObject> {
    const path = join(this.root, key);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, body);
    return { key, sizeBytes: body.length, sha256: sha256Hex(body) };
  }

  async download(key: string, path: string): Promise<void> {
    await copyFile(join(this.root, key), path);
  }
}
