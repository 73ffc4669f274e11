import KafkaJs from '@confluentinc/kafka-javascript';
import type { KafkaConsumer, LibrdKafkaError, Message, TopicPartition, TopicPartitionOffset } from '@confluentinc/kafka-javascript';
import { callback } from './kafka-error.js';
import { consumeColumns, consumesColumns, messagesFromColumns } from './message-columns.js';
import { connect } from './producer.js';
import { checkRetentionLoss, type RetentionLossCheck } from './retention-loss.js';
import { type KafkaSettings, type LibrdkafkaConfig, librdkafkaConfig } from './settings.js';

export type { KafkaConsumer, Message, TopicPartition, TopicPartitionOffset } from '@confluentinc/kafka-javascript';

export const ERR_ASSIGN_PARTITIONS = -175;
export const ERR_REVOKE_PARTITIONS = -174;

export interface RebalanceListener {
  /** Called before the partitions are taken away: drop their uncommitted state here. */
  onRevoke?(partitions: TopicPartition[], lost: boolean): void;
  onAssign?(partitions: TopicPartition[]): void;
}

export interface ConsumerOptions {
  clientId: string;
  groupId: string;
  rebalance?: RebalanceListener;
  overrides?: LibrdkafkaConfig;
  /**
   * Reports, once per assignment, records that retention deleted before this group read them
   * (committed offset below the log start). For consumers that commit; off when absent.
   */
  retentionCheck?: RetentionLossCheck;
}

/**
 * A group consumer for exactly-once pipelines: `read_committed` (aborted transactions are never
 * seen), no auto-commit and no auto offset store (offsets move only through our transactions),
 * cooperative-sticky so a rebalance revokes only the partitions that move.
 */
export async function createConsumer(settings: KafkaSettings, options: ConsumerOptions): Promise<KafkaConsumer> {
  let consumer: KafkaConsumer;
  const onRebalance = (err: LibrdKafkaError, assignment: TopicPartition[]): void => {
    try {
      const cooperative = consumer.rebalanceProtocol() === 'COOPERATIVE';
      if (err.code === ERR_ASSIGN_PARTITIONS) {
        options.rebalance?.onAssign?.(assignment);
        if (cooperative) consumer.incrementalAssign(assignment);
        else consumer.assign(assignment);
        // Off the callback and off the poll path: the consumer starts fetching meanwhile. Its first
        // commit needs a consumed and processed batch, well after these two round trips answer.
        if (options.retentionCheck) void checkRetentionLoss(consumer, options.groupId, assignment, options.retentionCheck, settings.requestTimeoutMs);
      } else if (err.code === ERR_REVOKE_PARTITIONS) {
        options.rebalance?.onRevoke?.(assignment, consumer.assignmentLost());
        if (cooperative) consumer.incrementalUnassign(assignment);
        else consumer.unassign();
      }
    } catch (error) {
      // Thrown inside librdkafka's callback, an error would kill the process. While the consumer
      // closes, (un)assign fails with "Erroneous state" and nothing is lost: the group rebalances
      // without us. Otherwise report it the way the client does, as a 'rebalance.error' event.
      if (consumer.isConnected()) consumer.emit('rebalance.error', error as Error);
    }
  };
  consumer = new KafkaJs.KafkaConsumer({
    ...librdkafkaConfig(settings, options.clientId),
    'group.id': options.groupId,
    'isolation.level': 'read_committed',
    'enable.auto.commit': false,
    'enable.auto.offset.store': false,
    'auto.offset.reset': 'earliest',
    'partition.assignment.strategy': 'cooperative-sticky',
    'session.timeout.ms': 10_000,
    'heartbeat.interval.ms': 1_000,
    'fetch.wait.max.ms': 100,
    // When a partition's local queue is over queued.min.messages / queued.max.messages.kbytes,
    // librdkafka (>= 2.1) postpones its next fetch by this long, 1 s by default: a consumer that
    // drains its queue in ~200 ms then waits ~800 ms for the broker. Measured with this client
    // (consumer-service/README.md, "where a record's time goes"): consume-and-discard went from
    // 131k to 250k events/s at 10 ms for the same CPU per event; the sink's 16 MiB queue cap made
    // the stall frequent.
    'fetch.queue.backoff.ms': 10,
    rebalance_cb: onRebalance,
    ...options.overrides,
  } as never);
  // consume(n) otherwise waits up to the consume timeout for EACH message: under a steady trickle
  // (one record every few ms, never a gap as long as the timeout) a poll returns only once n records
  // came, so a sink asking for 5,000 at 150 records/s sat 30 s in one poll while its flush timers
  // could not fire (bench/src/freshness.ts). Waiting for the first message only returns what has
  // arrived, which is what every loop here wants: a bounded poll.
  consumer.setDefaultIsTimeoutOnlyForFirstMessage(true);
  await connect(consumer as never, settings.requestTimeoutMs);
  return consumer;
}

// The runtime has these (cooperative rebalancing); the bundled typings do not declare them.
declare module '@confluentinc/kafka-javascript' {
  interface KafkaConsumer {
    rebalanceProtocol(): string;
    incrementalAssign(assignments: TopicPartition[]): void;
    incrementalUnassign(assignments: TopicPartition[]): void;
    assignmentLost(): boolean;
    setDefaultIsTimeoutOnlyForFirstMessage(isTimeoutOnlyForFirstMessage: boolean): void;
  }
}

/**
 * Fetches up to `max` messages: waits at most the consumer's consume timeout for the first, then
 * takes what has arrived. Through the addon's `consumeColumns` when it has it (a client built with
 * native/kafka-consume-columns): the client's own consume spends ~4 µs of the event loop per message
 * building its message object, the columns ~0.5 (consumer-service/README.md, "where a record's time goes").
 */
export function consumeBatch(consumer: KafkaConsumer, max: number): Promise<Message[]> {
  if (consumesColumns(consumer)) {
    return callback<Message[]>('consume', 'KAFKA_UNAVAILABLE', (done) =>
      consumeColumns(consumer, max, (err, columns) => {
        if (err) return done(err);
        // As the client does: its 'partition.eof' events are emitted before the batch is handed over.
        for (const eof of columns!.eofs) consumer.emit('partition.eof', eof);
        done(null, messagesFromColumns(columns!));
      }),
    );
  }
  return callback<Message[]>('consume', 'KAFKA_UNAVAILABLE', (done) => consumer.consume(max, done));
}

export function seek(consumer: KafkaConsumer, target: TopicPartitionOffset, timeoutMs = 5_000): Promise<void> {
  return callback<void>('seek', 'KAFKA_UNAVAILABLE', (done) => consumer.seek(target, timeoutMs, done));
}

/** Leaves the group (its partitions move to the others at once) and closes the client. */
export function closeConsumer(consumer: KafkaConsumer): Promise<void> {
  return new Promise((resolve) => {
    if (!consumer.isConnected()) {
      resolve();
      return;
    }
    consumer.disconnect(() => resolve());
  });
}
