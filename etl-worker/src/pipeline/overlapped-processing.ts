import type { StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import { LinesRejectedByEngine, VouchedObjectNeedsLineCheck } from '../parquet/engine-rejection.js';
import type { LakeObjectWriter, ObjectOutcome } from './lake-object-writer.js';
import type { PreparedObject, StagedObjectPreparer } from './staged-object-preparer.js';

export interface OverlapOptions {
  /** Wraps each prepare (the worker retries transient S3 and checksum failures there). */
  prepare?: (manifest: StagedFileManifest, run: () => Promise<PreparedObject>) => Promise<PreparedObject>;
  /**
   * What a staged object that can never be processed becomes (missing, corrupt, refused whole):
   * an outcome (its manifest dead-lettered) instead of a failed batch; undefined = not poison, rethrow.
   */
  poisoned?: (manifest: StagedFileManifest, err: unknown, phase: 'prepare' | 'write') => ObjectOutcome | undefined;
  /**
   * The preparer and writer of the table a staged object's topic feeds (table specs); undefined
   * for the default pair (listening_events). Every writer shares the one encoder, so one bound on
   * parallel writes holds for all.
   */
  route?: (manifest: StagedFileManifest) => TableRoute | undefined;
  /** A vouched object is being prepared again line by line (logged and counted by the worker). */
  onVouchRefused?: (err: VouchedObjectNeedsLineCheck) => void;
}

/** How one table's staged objects are prepared and written. */
export interface TableRoute {
  preparer: StagedObjectPreparer;
  writer: LakeObjectWriter;
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
      const table = options.route?.(manifest) ?? { preparer, writer };
      const run = () => table.preparer.prepare(manifest);
      let prepared: PreparedObject;
      try {
        prepared = await (options.prepare ? options.prepare(manifest, run) : run());
      } catch (err) {
        const outcome = options.poisoned?.(manifest, err, 'prepare');
        if (!outcome) throw err;
        writes.push(Promise.resolve(outcome));
        continue;
      }
      // Starts after the previous write started and once a connection is free (the write `parallel` back ended).
      const start = Promise.all([previousStart, writes[writes.length - parallel]?.catch(ignore)]);
      previousStart = start;
      writes.push(
        start
          .then(() => writeIsolating(manifest, prepared, table.preparer, table.writer, options))
          .catch((err: unknown) => {
            const outcome = options.poisoned?.(manifest, err, 'write');
            if (!outcome) throw err;
            return outcome;
          }),
      );
    }
  } finally {
    // Never leave a write running unobserved when an earlier step failed.
    await Promise.allSettled(writes);
  }
  return Promise.all(writes);
}

/** Rounds of "the engine refused these lines, prepare again without them" before the object counts as poison. */
const MAX_ISOLATION_ROUNDS = 3;

/**
 * Writes a prepared object; when the Parquet engine refuses some of its lines, prepares the object
 * again with exactly those lines quarantined (`engine_rejected`) and writes that: one bad line never
 * fails its whole object, let alone on every retry. A vouched object the writer finds needs the
 * line check (VouchedObjectNeedsLineCheck) is prepared again line by line, once.
 */
async function writeIsolating(
  manifest: StagedFileManifest,
  first: PreparedObject,
  preparer: StagedObjectPreparer,
  writer: LakeObjectWriter,
  options: OverlapOptions,
): Promise<ObjectOutcome> {
  const refused = new Map<string, string>();
  let prepared = first;
  if (first.vouched) {
    try {
      return await writer.write(first);
    } catch (err) {
      if (!(err instanceof VouchedObjectNeedsLineCheck)) throw err;
      options.onVouchRefused?.(err);
      const run = () => preparer.prepare(manifest, undefined, true);
      prepared = await (options.prepare ? options.prepare(manifest, run) : run());
    }
  }
  for (let round = 1; ; round++) {
    try {
      return await writer.write(prepared);
    } catch (err) {
      if (!(err instanceof LinesRejectedByEngine) || round >= MAX_ISOLATION_ROUNDS) throw err;
      for (const [line, message] of err.rejected) refused.set(line, message);
      const run = () => preparer.prepare(manifest, refused);
      prepared = await (options.prepare ? options.prepare(manifest, run) : run());
    }
  }
}
