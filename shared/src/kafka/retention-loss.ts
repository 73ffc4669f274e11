import type { KafkaConsumer, TopicPartition, TopicPartitionOffset } from '@confluentinc/kafka-javascript';
import { Counter, type Registry } from 'prom-client';
import type { Logger } from '../logging/index.js';
import { committedOffsets } from './committed-offsets.js';
import { callback } from './kafka-error.js';

/**
 * What a consumer needs to report records that retention deleted before its group read them. The
 * client cannot read a topic's retention.ms (no DescribeConfigs), so this looks at the loss itself:
 * a committed offset below the partition's log start. With `auto.offset.reset=earliest` the consumer
 * would otherwise jump to the first retained record without a word.
 */
export interface RetentionLossCheck {
  logger: Logger;
  /** `pipeline_<service>_kafka_records_lost_to_retention_total{topic,partition}`: see retentionLossCounter. */
  lostRecords: Counter<'topic' | 'partition'>;
}

export interface RetentionLoss {
  topic: string;
  partition: number;
  /** Where the group would have resumed. */
  committedOffset: number;
  /** The partition's first retained offset (low watermark), where the consumer resumes instead. */
  logStartOffset: number;
  /** `logStartOffset - committedOffset`: offsets deleted unread (transaction markers and aborted records included). */
  lostRecords: number;
}

/**
 * The counter a group consumer reports into. Each service names it beside its other metrics
 * (`pipeline_<service>_kafka_records_lost_to_retention_total`), as a literal: dashboards and alarms
 * are checked against the names the services' sources register (k8s/validate metric-names).
 */
export function retentionLossCounter(options: { name: string; registers: Registry[] }): Counter<'topic' | 'partition'> {
  return new Counter({
    name: options.name,
    help: "Offsets deleted by the topic's retention before this service's consumer group read them (committed offset below the log start, seen at assignment)",
    labelNames: ['topic', 'partition'],
    registers: options.registers,
  });
}

/**
 * The partitions whose committed offset lies below the log start. A partition the group never
 * committed on (OFFSET_NOT_COMMITTED, as committedOffsets gives it) is not a loss of this group's:
 * a new group starts at the log start.
 */
export function findRetentionLosses(committed: TopicPartitionOffset[], logStarts: ReadonlyMap<string, number>): RetentionLoss[] {
  const losses: RetentionLoss[] = [];
  for (const tp of committed) {
    const logStartOffset = logStarts.get(`${tp.topic}:${tp.partition}`);
    if (tp.offset < 0 || logStartOffset === undefined || tp.offset >= logStartOffset) continue;
    losses.push({ topic: tp.topic, partition: tp.partition, committedOffset: tp.offset, logStartOffset, lostRecords: logStartOffset - tp.offset });
  }
  return losses;
}

/** One error line per topic (an operator reads one line per mistake), one counter update per partition. */
export function reportRetentionLosses(losses: RetentionLoss[], groupId: string, check: RetentionLossCheck): void {
  const byTopic = new Map<string, RetentionLoss[]>();
  for (const loss of losses) byTopic.set(loss.topic, [...(byTopic.get(loss.topic) ?? []), loss]);
  for (const [topic, partitions] of byTopic) {
    for (const p of partitions) check.lostRecords.inc({ topic, partition: String(p.partition) }, p.lostRecords);
    check.logger.error(
      {
        topic,
        groupId,
        lostRecords: partitions.reduce((sum, p) => sum + p.lostRecords, 0),
        partitions: partitions.map(({ partition, committedOffset, logStartOffset, lostRecords }) => ({ partition, committedOffset, logStartOffset, lostRecords })),
        fix:
          `retention deleted these records before group ${groupId} read them; they are not in the lake. Raise retention.ms on ${topic} above the longest lag the group can build ` +
          `(kafka-configs --alter --entity-type topics --entity-name ${topic} --add-config retention.ms=...; the pipeline's own topics are created with retention.ms=-1, shared/src/schemas/topics.ts), ` +
          'then replay the lost range from its producer if it still has it',
      },
      'RecordsLostToRetention',
    );
  }
}

function logStartOffset(consumer: KafkaConsumer, tp: TopicPartition, timeoutMs: number): Promise<number> {
  return callback<{ lowOffset: number }>('queryWatermarkOffsets', 'KAFKA_UNAVAILABLE', (done) =>
    consumer.queryWatermarkOffsets(tp.topic, tp.partition, timeoutMs, done as never),
  ).then((offsets) => offsets.lowOffset);
}

/**
 * Compares the group's committed offsets of newly assigned partitions with their log starts, and
 * reports what retention took. Two broker round trips per assignment (OffsetFetch, ListOffsets per
 * partition), none per poll. Never throws: a failed check is a warning, not a reason to stop consuming.
 */
export async function checkRetentionLoss(
  consumer: KafkaConsumer,
  groupId: string,
  partitions: TopicPartition[],
  check: RetentionLossCheck,
  timeoutMs: number,
): Promise<RetentionLoss[]> {
  if (partitions.length === 0) return [];
  const wanted = partitions.map(({ topic, partition }) => ({ topic, partition }));
  try {
    const [committed, starts] = await Promise.all([
      committedOffsets(consumer, wanted, timeoutMs),
      Promise.all(wanted.map(async (tp) => [`${tp.topic}:${tp.partition}`, await logStartOffset(consumer, tp, timeoutMs)] as const)),
    ]);
    const losses = findRetentionLosses(committed, new Map(starts));
    reportRetentionLosses(losses, groupId, check);
    check.logger.debug({ groupId, partitions: wanted.length, lossy: losses.length }, 'RetentionChecked');
    return losses;
  } catch (err) {
    check.logger.warn({ err, groupId, partitions: wanted }, 'RetentionCheckFailed');
    return [];
  }
}
