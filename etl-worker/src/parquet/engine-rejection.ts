import { PipelineError } from '@spotify-pipeline/shared/errors';

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
