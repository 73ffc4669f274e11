import { z } from 'zod';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import type { RunSummarySnapshot } from '../publish/run-summary.js';

const count = z.number().int().nonnegative();

/**
 * What a finite run has committed so far, written in the same Kafka transaction as its records to a
 * compacted topic keyed by run id. `position` counts units of the run's deterministic stream already
 * handled (simulate: records emitted, valid and malformed; replay: export elements read, bad ones
 * included), so a restart regenerates the stream and skips exactly that many.
 */
export const runCheckpointV1 = z.strictObject({
  version: z.literal(1),
  run_id: z.string().min(1),
  position: count,
  completed: z.boolean(),
  /** Records of the events topic committed by the run (the summary's delivered count). */
  delivered: count,
  delivered_bytes: count,
  summary: z.strictObject({
    valid: count,
    late: count,
    malformed: z.strictObject({ not_json: count, schema_invalid: count }),
    badRecords: z.record(z.string(), count),
    byHour: z.record(z.string(), count),
    firstMs: z.number().nullable(),
    lastMs: z.number().nullable(),
  }) satisfies z.ZodType<RunSummarySnapshot>,
  committed_at: z.iso.datetime(),
});

export type RunCheckpoint = z.output<typeof runCheckpointV1>;

export function encodeCheckpoint(checkpoint: RunCheckpoint): Buffer {
  return Buffer.from(JSON.stringify(checkpoint));
}

/** A checkpoint we cannot read is a stop, not a fresh start: starting over would duplicate the run. */
export function decodeCheckpoint(value: Buffer, runId: string): RunCheckpoint {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch (err) {
    throw new PipelineError('RECORD_INVALID', `checkpoint of run ${runId} is not JSON`, { cause: err });
  }
  const result = runCheckpointV1.safeParse(parsed);
  if (!result.success) throw new PipelineError('RECORD_INVALID', `checkpoint of run ${runId} is invalid: ${result.error.message}`);
  if (result.data.run_id !== runId) throw new PipelineError('RECORD_INVALID', `checkpoint under key ${runId} names run ${result.data.run_id}`);
  return result.data;
}
