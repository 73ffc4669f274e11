import type { StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import type { LakeObjectWriter, ObjectOutcome } from './lake-object-writer.js';
import type { PreparedObject, StagedObjectPreparer } from './staged-object-preparer.js';

export interface OverlapOptions {
  /** Wraps each prepare (the worker retries transient S3 and checksum failures there). */
  prepare?: (manifest: StagedFileManifest, run: () => Promise<PreparedObject>) => Promise<PreparedObject>;
}

/**
 * Processes staged objects in order with two stages in flight: JS reads and validates object i+1
 * while DuckDB (its own threads) writes object i. At most two prepared objects are held at once,
 * which bounds memory at about two staged objects.
 */
export async function prepareAndWrite(
  manifests: StagedFileManifest[],
  preparer: StagedObjectPreparer,
  writer: LakeObjectWriter,
  options: OverlapOptions = {},
): Promise<ObjectOutcome[]> {
  const writes: Array<Promise<ObjectOutcome>> = [];
  let chain: Promise<unknown> = Promise.resolve();
  try {
    for (const manifest of manifests) {
      if (writes.length >= 2) await writes[writes.length - 2];
      const run = () => preparer.prepare(manifest);
      const prepared = await (options.prepare ? options.prepare(manifest, run) : run());
      const outcome = chain.then(() => writer.write(prepared));
      chain = outcome.catch(() => undefined);
      writes.push(outcome);
    }
  } finally {
    // Never leave a write running unobserved when an earlier step failed.
    await Promise.allSettled(writes);
  }
  return Promise.all(writes);
}
