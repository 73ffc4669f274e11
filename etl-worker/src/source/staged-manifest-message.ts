import type { Message } from '@spotify-pipeline/shared/kafka';
import { stagedFileManifestV1, toKafkaHeaders, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import type { OutgoingRecord } from '@spotify-pipeline/shared/kafka';

export type ParsedManifest = { ok: true; manifest: StagedFileManifest } | { ok: false; dlq: OutgoingRecord };

/** A `pipeline.staged-files` record → its manifest, or a DLQ record when it is not a v1 manifest. */
export function parseStagedManifest(message: Message, dlqTopic: string): ParsedManifest {
  const text = message.value?.toString('utf8') ?? '';
  let reason: string;
  try {
    const result = stagedFileManifestV1.safeParse(JSON.parse(text));
    if (result.success) return { ok: true, manifest: result.data };
    reason = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
  } catch (err) {
    reason = `not JSON: ${(err as Error).message}`;
  }
  return {
    ok: false,
    dlq: {
      topic: dlqTopic,
      value: message.value ?? Buffer.alloc(0),
      key: message.key ?? null,
      headers: toKafkaHeaders({
        'error.code': 'RECORD_INVALID',
        'error.message': `not a StagedFileManifest v1: ${reason}`,
        'source.topic': message.topic,
        'source.partition': message.partition,
        'source.offset': message.offset,
        'failed.stage': 'etl',
      }),
    },
  };
}
