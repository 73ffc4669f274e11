import type { KafkaConsumer, OutgoingRecord, TopicPartitionOffset, TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import type { LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import { manifestKey } from '../pipeline/lake-keys.js';

export const manifestRecord = (topic: string, manifest: LakeFileManifest): OutgoingRecord => ({
  topic,
  key: manifestKey(manifest.table, manifest.partition),
  value: Buffer.from(JSON.stringify(manifest)),
  timestamp: manifest.written_at_ms,
});

/**
 * One Kafka transaction: the manifests of every file written, the DLQ records, and the consumed
 * offsets. A manifest therefore exists exactly when its input is committed; a failure aborts all
 * of it and the caller rewinds (the files are rewritten at the same keys on replay).
 */
export async function commitLakeTransaction(
  txn: TransactionalProducer,
  consumer: KafkaConsumer | undefined,
  lakeFilesTopic: string,
  manifests: LakeFileManifest[],
  extra: OutgoingRecord[],
  offsets: TopicPartitionOffset[],
): Promise<void> {
  await txn.begin();
  try {
    for (const manifest of manifests) txn.produce(manifestRecord(lakeFilesTopic, manifest));
    for (const record of extra) txn.produce(record);
    if (consumer && offsets.length > 0) await txn.sendOffsets(offsets, consumer);
    await txn.commit();
  } catch (err) {
    await txn.abort().catch(() => undefined);
    throw err;
  }
}
