import { PipelineError } from '@spotify-pipeline/shared/errors';
import { localDiskFull } from '../source/staged-object-reader.js';

/**
 * DuckDB refused the input of an encoding (malformed JSON it found, a value it cannot cast), as
 * opposed to a failure of ours. Not retriable as it is: retrying the same lines fails the same way.
 */
export class EngineRejectedInput extends PipelineError {
  constructor(message: string, cause: unknown) {
    super('RECORD_INVALID', `Parquet engine refused the input: ${message}`, { cause, retriable: false });
    this.name = 'EngineRejectedInput';
  }
}

/**
 * Sorts what an encoding threw. DuckDB names its error class at the start of the message
 * (`IO Error: …`, `Out of Memory Error: …`, `Conversion Error: …`); the file writes around it throw
 * Node system errors (`code`, `syscall`). A failure of the machine — the temp dir full, the memory
 * limit reached, a file that cannot be read or written — is transient: the batch is retried after a
 * back-off with the same lines. Taken for refused input, it was bisected and the whole valid object
 * quarantined and dead-lettered (issue 14). Only what is left, DuckDB refusing the values themselves,
 * is EngineRejectedInput.
 */
export function classifyEngineError(err: unknown): PipelineError {
  if (err instanceof PipelineError) return err;
  const system = (err ?? {}) as { message?: unknown; code?: unknown; syscall?: unknown };
  // Only the class at the start counts: a refused value is quoted in the message, and a line saying
  // "No space left on device" must stay a refused line, not a disk retried forever.
  const original = typeof system.message === 'string' ? system.message : String(err);
  const message = original.replace(/^Error: /, '');
  const firstLine = message.split('\n', 1)[0]!;
  const ioError = message.startsWith('IO Error');
  if (system.code === 'ENOSPC' || (ioError && firstLine.includes('No space left on device'))) return localDiskFull(undefined, err);
  if (message.startsWith('Out of Memory Error')) {
    return new PipelineError('LOCAL_OUT_OF_MEMORY', `DuckDB reached its memory limit (ETL_DUCKDB_MEMORY_LIMIT_MB): ${firstLine}; retried: raise the limit or lower ETL_PARALLEL_WRITES`, {
      cause: err,
      retriable: true,
    });
  }
  if (ioError || typeof system.syscall === 'string') {
    return new PipelineError('LOCAL_IO_FAILED', `local file I/O of the Parquet encoding failed: ${firstLine}`, { cause: err, retriable: true });
  }
  return new EngineRejectedInput(original, err);
}

/** The lines of one staged object the engine refuses, each with the engine's own message. */
export class LinesRejectedByEngine extends PipelineError {
  constructor(
    readonly stagedKey: string,
    readonly rejected: ReadonlyMap<string, string>,
  ) {
    super('RECORD_INVALID', `${rejected.size} line(s) of ${stagedKey} refused by the Parquet engine`, { retriable: false });
    this.name = 'LinesRejectedByEngine';
  }
}

/** More isolated lines than this and the object is not "a few bad lines": the probes would cost more than they save. */
const MAX_ISOLATED = 1_000;

/**
 * Finds the lines an encoder refuses by bisection: a chunk that encodes is fine, a refused chunk is
 * split in two until single lines remain. k bad lines of n cost O(k log n) probes, so one poison
 * line costs ~2·log2(n) small encodes instead of the whole object (issue: DuckDB rejected a whole
 * staged object for one line and the worker crash-looped on it).
 */
export async function isolateRejectedLines(lines: readonly string[], probe: (chunk: readonly string[]) => Promise<void>): Promise<Map<string, string>> {
  const rejected = new Map<string, string>();
  const search = async (chunk: readonly string[]): Promise<void> => {
    if (chunk.length === 0 || rejected.size >= MAX_ISOLATED) return;
    try {
      await probe(chunk);
    } catch (err) {
      if (!(err instanceof EngineRejectedInput)) throw err;
      if (chunk.length === 1) {
        rejected.set(chunk[0]!, err.message);
        return;
      }
      const middle = Math.ceil(chunk.length / 2);
      await search(chunk.slice(0, middle));
      await search(chunk.slice(middle));
    }
  };
  await search(lines);
  return rejected;
}

/**
 * An object the sink vouched for (every line canonical) holds what the line check would have
 * dropped or named (a repeated event id, an event time out of range, a line DuckDB refuses): it
 * is prepared again line by line, where each such line gets its usual verdict. Not a failure.
 */
export class VouchedObjectNeedsLineCheck extends PipelineError {
  constructor(
    readonly stagedKey: string,
    readonly why: string,
  ) {
    super('RECORD_INVALID', `vouched staged object ${stagedKey} needs the line check: ${why}`, { retriable: false });
    this.name = 'VouchedObjectNeedsLineCheck';
  }
}
