import type { StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import type { LakeObjectWriter, ObjectOutcome } from './lake-object-writer.js';
import type { PreparedObject, StagedObjectPreparer } from './staged-object-preparer.js';

export interface OverlapOptions {
  /** Wraps each prepare (the worker retries transient S3 and checksum failures there). */
  prepare?: (manifest: StagedFileManifest, run: () => Promise<PreparedObject>) => Promise<PreparedObject>;
}

const ignore = (): undefined => undefined;

/**
 * Processes staged objects in order, with stages in flight: JS reads and validates object i+1
 * while DuckDB writes the objects before it, up to `writer.parallelWrites` at once (one DuckDB
 * connection each). Writes start in input order (a write's watermark includes every earlier
 * object), and object i+1 is prepared only once object i-parallelWrites is written, which bounds
 * memory at parallelWrites + 1 prepared objects.
 */
export async function prepareAndWrite(
  manifests: StagedFileManifest[],
  preparer: StagedObjectPreparer,
  writer: LakeObjectWriter,
  options: OverlapOptions = {},
): Promise<ObjectOutcome[]> {
  const parallel = Math.max(1, writer.parallelWrites);
  const writes: Array<Promise<ObjectOutcome>> = [];
  let previousStart: Promise<unknown> = Promise.resolve();
  try {
    for (const manifest of manifests) {
      if (writes.length > parallel) await writes[writes.length - parallel - 1];
      const run = () => preparer.prepare(manifest);
      const prepared = await (options.prepare ? options.prepare(manifest, run) : run());
      // Starts after the previous write started and once a connection is free (the write `parallel` back ended).
      const start = Promise.all([previousStart, writes[writes.length - parallel]?.catch(ignore)]);
      previousStart = start;
      writes.push(start.then(() => writer.write(prepared)));
    }
  } finally {
    // Never leave a write running unobserved when an earlier step failed.
    await Promise.allSettled(writes);
  }
  return Promise.all(writes);
}
