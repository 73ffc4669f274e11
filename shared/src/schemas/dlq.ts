import { z } from 'zod';
import { ERROR_CODES } from '../errors/index.js';

export const PIPELINE_STAGES = ['producer', 'sink', 'etl', 'catalog'] as const;
export type PipelineStage = (typeof PIPELINE_STAGES)[number];

/**
 * Headers of a `*.dlq` record. The value is the original bytes untouched, so a fixed consumer can
 * replay it; these headers say why it is there and where it came from.
 */
export const dlqHeadersV1 = z.object({
  'error.code': z.enum(ERROR_CODES),
  'error.message': z.string().max(2000),
  'source.topic': z.string(),
  'source.partition': z.coerce.number().int().min(0),
  'source.offset': z.coerce.number().int().min(0),
  'failed.stage': z.enum(PIPELINE_STAGES),
  /** The original record's Kafka timestamp (the DLQ record's own is the time it was dead-lettered). */
  'source.timestamp': z.coerce.number().int().optional(),
  /** Set when the value was cut to fit the pipeline's message limit (KAFKA_MESSAGE_MAX_BYTES). */
  'value.truncated': z.literal('true').optional(),
  'value.original_bytes': z.coerce.number().int().min(0).optional(),
  'value.original_sha256': z.string().regex(/^[0-9a-f]{64}$/).optional(),
});

export type DlqHeaders = z.output<typeof dlqHeadersV1>;

/** Header list in the shape the Kafka client takes. */
export function toKafkaHeaders(headers: DlqHeaders): Array<Record<string, string>> {
  return Object.entries(headers)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ({ [key]: String(value).slice(0, 2000) }));
}

/** Reads DLQ headers back from a consumed record (values arrive as Buffers). */
export function fromKafkaHeaders(headers: Array<Record<string, string | Buffer>> | undefined): DlqHeaders {
  const flat: Record<string, string> = {};
  for (const header of headers ?? []) {
    for (const [key, value] of Object.entries(header)) flat[key] = value.toString();
  }
  return dlqHeadersV1.parse(flat);
}
