import { closeConsumer, consumeBatch, createConsumer, type KafkaSettings } from '@spotify-pipeline/shared/kafka';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { decodeCheckpoint, type RunCheckpoint } from './run-checkpoint.js';

/**
 * Every checkpoint goes to this partition of the checkpoint topic (created with one), so the
 * latest checkpoint of a run is found by reading one partition, whatever the topic's size.
 */
export const CHECKPOINT_PARTITION = 0;

/**
 * The last committed checkpoint of `runId`, or undefined for a new run. Reads the checkpoint
 * partition read_committed to its end: call it after initTransactions, which aborts a crashed
 * process's open transaction, so the end (the last stable offset) is reachable and what is read is
 * exactly what the crashed process committed.
 */
export async function readLastCheckpoint(settings: KafkaSettings, topic: string, runId: string, timeoutMs = 60_000): Promise<RunCheckpoint | undefined> {
  const consumer = await createConsumer(settings, { clientId: 'producer-service-checkpoints', groupId: `producer-service-checkpoints-${runId}` });
  try {
    const high = await new Promise<number>((resolve, reject) =>
      consumer.queryWatermarkOffsets(topic, CHECKPOINT_PARTITION, settings.requestTimeoutMs, (err, offsets) =>
        err ? reject(new PipelineError('KAFKA_UNAVAILABLE', `checkpoint watermarks of ${topic}: ${err.message}`, { cause: err })) : resolve(offsets.highOffset),
      ),
    );
    let last: Buffer | undefined;
    if (high <= 0) return undefined;
    const tp = { topic, partition: CHECKPOINT_PARTITION };
    consumer.assign([{ ...tp, offset: 0 }]);
    consumer.setDefaultConsumeTimeout(200);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const message of await consumeBatch(consumer, 1_000)) {
        if (message.key?.toString() === runId && message.value) last = message.value;
      }
      // Compaction and transaction markers leave gaps: the position, not a count, says we are through.
      const position = consumer.position([tp])[0]?.offset ?? -1;
      if (position >= high) break;
      if (Date.now() > deadline) throw new PipelineError('TIMEOUT', `reading checkpoints of ${topic} to offset ${high} took more than ${timeoutMs} ms (at ${position})`);
    }
    return last ? decodeCheckpoint(last, runId) : undefined;
  } finally {
    await closeConsumer(consumer);
  }
}
