import type { Message } from '@spotify-pipeline/shared/kafka';
import { stagedFileManifestV1, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import { deadLetterRecord, type OutgoingRecord } from '@spotify-pipeline/shared/kafka';
import type { ErrorCode } from '@spotify-pipeline/shared/errors';

export type ParsedManifest = { ok: true; manifest: StagedFileManifest } | { ok: false; dlq: OutgoingRecord };

/** The DLQ copy of a staged-files record: its original bytes, why, and where it came from. */
export function deadLetterOf(message: Message, dlqTopic: string, code: ErrorCode, reason: string, messageMaxBytes = 1_000_000): OutgoingRecord {
  return deadLetterRecord({
    topic: dlqTopic,
    value: message.value ?? null,
    key: message.key ?? null,
    code,
    reason,
    source: { topic: message.topic, partition: message.partition, offset: message.offset },
    stage: 'etl',
    messageMaxBytes,
  });
}

/**
 * A `pipeline.staged-files` record → its manifest, or a DLQ record when it is not a v1 manifest or
 * names an object outside the staging bucket this worker reads (it could not be read, or would be
 * read from somewhere nobody configured).
 */
export function parseStagedManifest(message: Message, dlqTopic: string, stagingBucket?: string, messageMaxBytes?: number): ParsedManifest {
  const text = message.value?.toString('utf8') ?? '';
  let reason: string;
  try {
    const result = stagedFileManifestV1.safeParse(JSON.parse(text));
    if (result.success && stagingBucket !== undefined && result.data.bucket !== stagingBucket) {
      return { ok: false, dlq: deadLetterOf(message, dlqTopic, 'RECORD_INVALID', `staged object ${result.data.key} is in bucket ${result.data.bucket}, not in the staging bucket ${stagingBucket}`, messageMaxBytes) };
    }
    if (result.success) return { ok: true, manifest: result.data };
    reason = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  } catch (err) {
    reason = `not JSON: ${(err as Error).message}`;
  }
  return { ok: false, dlq: deadLetterOf(message, dlqTopic, 'RECORD_INVALID', `not a StagedFileManifest v1: ${reason}`, messageMaxBytes) };
}
