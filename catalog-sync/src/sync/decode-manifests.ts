import type { Message } from '@spotify-pipeline/shared/kafka';
import type { ErrorCode } from '@spotify-pipeline/shared/errors';
import { lakeFileManifestV1, stagedFileManifestV1, type LakeFileManifest, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';

export interface DecodedBatch {
  lake: LakeFileManifest[];
  staged: StagedFileManifest[];
  /** Messages that are not a manifest of their topic: they go to the DLQ, never into the catalog. */
  poison: Array<{ message: Message; code: ErrorCode; reason: string }>;
  /** The message each lake manifest came from, for dead-lettering one the catalog cannot take. */
  origin: Map<LakeFileManifest, Message>;
}

/** Sorts one poll's messages by topic and validates each against its manifest contract. */
export function decodeManifests(messages: Message[], topics: { lakeFiles: string; stagedFiles: string }): DecodedBatch {
  const batch: DecodedBatch = { lake: [], staged: [], poison: [], origin: new Map() };
  for (const message of messages) {
    let raw: unknown;
    try {
      raw = JSON.parse(message.value?.toString('utf8') ?? '');
    } catch (err) {
      batch.poison.push({ message, code: 'RECORD_NOT_JSON', reason: (err as Error).message });
      continue;
    }
    const schema = message.topic === topics.lakeFiles ? lakeFileManifestV1 : message.topic === topics.stagedFiles ? stagedFileManifestV1 : undefined;
    if (!schema) {
      batch.poison.push({ message, code: 'RECORD_INVALID', reason: `unexpected topic ${message.topic}` });
      continue;
    }
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
      const reason = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      batch.poison.push({ message, code: 'RECORD_INVALID', reason });
      continue;
    }
    if (message.topic === topics.lakeFiles) {
      batch.lake.push(parsed.data as LakeFileManifest);
      batch.origin.set(parsed.data as LakeFileManifest, message);
    } else batch.staged.push(parsed.data as StagedFileManifest);
  }
  return batch;
}
