import { isPipelineError, type PipelineError } from '@spotify-pipeline/shared/errors';
import { backoffDelayMs, sleep } from '@spotify-pipeline/shared/retry';
import type { Logger } from '@spotify-pipeline/shared/logging';
import type { FlushedBatch, TransactionCommitter } from './commit/transaction-committer.js';
import type { SinkMetrics } from './metrics.js';
import { partitionsOverCap } from './pipeline/backpressure.js';
import type { PartitionBatch } from './pipeline/partition-batch.js';
import type { PartitionBatcher } from './pipeline/partition-batcher.js';
import { partitionId, type SourceRecord } from './pipeline/source-record.js';
import type { BatchStager } from './sink/batch-stager.js';
import { forEachLimited } from './sink/staging-uploader.js';
import type { PartitionSource } from './source/partition-source.js';

export interface SinkLoopOptions {
  pollMaxRecords: number;
  maxBufferedBytes: number;
  maxInflightUploads: number;
}

export interface SinkParts {
  source: PartitionSource;
  batcher: PartitionBatcher;
  stager: BatchStager;
  committer: TransactionCommitter;
  metrics: SinkMetrics;
  logger: Logger;
  /**
   * Told on every idle turn of the loop and when a round settles (committed or abandoned): liveness
   * is "the loop turns and no round is stuck", readiness "rounds commit".
   */
  onRound?: (outcome: 'idle' | 'committed' | 'abandoned') => void;
  /** Backoff after an abandoned round, growing with abandoned rounds in a row (default 1 s … 60 s). */
  retryBaseDelayMs?: number;
  retryMaxDelayMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** A flush round running beside the poll loop; `failure` is set when it settled badly. */
interface InflightRound {
  batches: PartitionBatch[];
  /** Compressed bytes the round holds until its uploads finish: still counted against the buffer cap. */
  heldBytes: number;
  settled: boolean;
  failure: unknown;
  done: Promise<void>;
}

/**
 * The sink's loop, as docs/delivery-semantics.md writes it:
 *   poll → batcher.add → batcher.ready → upload each (retried; paused while S3 is down)
 *   → one transaction (manifests + dead letters + offsets) → on failure: abort, drop state, rewind.
 *
 * One round at a time is in flight, and the loop keeps polling and batching while it uploads and
 * commits: consuming overlaps the S3 and transaction latency instead of waiting for it. Rounds still
 * commit one after another, in offset order per partition, so nothing is committed that a later
 * failure could undo. A failed round is handled between two polls (never while a poll is pending):
 * every batch is dropped, including those read meanwhile, and every partition rewinds to its
 * committed offset.
 */
export class StagingSink {
  private stopping = false;
  private round: InflightRound | undefined;
  /** Rounds abandoned in a row: the backoff before reading again grows with them. */
  private abandoned = 0;

  constructor(
    private readonly parts: SinkParts,
    private readonly options: SinkLoopOptions,
  ) {}

  /** Runs until `stop()`; then flushes what is open (reason `shutdown`). Rejects only on a fatal error. */
  async run(): Promise<void> {
    const { source, batcher } = this.parts;
    while (!this.stopping) {
      const records = await source.poll(this.options.pollMaxRecords);
      this.receive(records);
      this.relieveMemory();
      if (this.round?.settled) await this.finishRound();
      if (!this.round) this.startRound(batcher.ready());
      this.report();
      // Alive while the loop turns and no round is stuck: a round in flight past the budget fails liveness.
      if (!this.round) this.parts.onRound?.('idle');
    }
    await this.awaitRound();
    batcher.closeAll('shutdown');
    this.startRound(batcher.ready());
    await this.awaitRound();
  }

  /** Waits for the round in flight, if any, and settles it (shutdown: nothing polls meanwhile). */
  private async awaitRound(): Promise<void> {
    if (!this.round) return;
    await this.round.done;
    await this.finishRound();
  }

  stop(): void {
    this.stopping = true;
  }

  private receive(records: SourceRecord[]): void {
    if (records.length === 0) return;
    const { batcher, metrics } = this.parts;
    // One metric update per topic per poll, not per record.
    const perTopic = new Map<string, { records: number; bytes: number }>();
    const nowMs = batcher.now();
    for (const record of records) {
      batcher.add(record, nowMs);
      let totals = perTopic.get(record.topic);
      if (!totals) perTopic.set(record.topic, (totals = { records: 0, bytes: 0 }));
      totals.records += 1;
      totals.bytes += record.value?.length ?? 0;
    }
    for (const [topic, totals] of perTopic) {
      metrics.recordsIn.inc({ topic }, totals.records);
      metrics.bytesIn.inc({ topic }, totals.bytes);
    }
  }

  /** Bytes held: open and closed batches, plus the round in flight until its uploads finish. */
  private get heldBytes(): number {
    return this.parts.batcher.bufferedBytes + (this.round?.heldBytes ?? 0);
  }

  /** Past the buffered-bytes cap: close the biggest batches now and stop fetching them until a round frees memory. */
  private relieveMemory(): void {
    const { batcher, source } = this.parts;
    const over = partitionsOverCap(this.heldBytes, this.options.maxBufferedBytes, batcher.openBySize());
    if (over.length === 0) return;
    batcher.closeAll('buffer_full', over);
    source.pause(over);
  }

  /** Starts uploading and committing these batches beside the poll loop; never rejects (see `finishRound`). */
  private startRound(ready: PartitionBatch[]): void {
    if (ready.length === 0) return;
    const round: InflightRound = { batches: ready, heldBytes: ready.reduce((sum, b) => sum + b.heldBytes, 0), settled: false, failure: undefined, done: Promise.resolve() };
    round.done = this.flush(ready).then(
      () => {
        round.settled = true;
      },
      (err: unknown) => {
        round.failure = err;
        round.settled = true;
      },
    );
    this.round = round;
  }

  /**
   * Called between polls once the round settled. A fatal error goes up; a retriable one abandons
   * the round: nothing of it was committed, so every batch (also those read since) is dropped and
   * every partition rewinds to its committed offset. Partitions paused for memory or for S3 resume.
   */
  private async finishRound(): Promise<void> {
    const round = this.round!;
    this.round = undefined;
    const { source, batcher, metrics, logger } = this.parts;
    if (round.failure !== undefined) {
      const err = round.failure;
      if (!isPipelineError(err) || err.code === 'KAFKA_FENCED' || err.code === 'SHUTDOWN' || err.code === 'INTERNAL') throw err;
      metrics.roundsAbandoned.inc({ error_code: err.code });
      for (const batch of round.batches) batch.discard();
      batcher.dropAll();
      await source.rewind();
      // A permanent S3 error (AccessDenied, NoSuchBucket) fails every round the same way: re-reading
      // and re-compressing the backlog at once, in a hot loop, helps nobody. Wait, longer each time.
      this.abandoned++;
      const delayMs = backoffDelayMs(this.abandoned, this.parts.retryBaseDelayMs ?? 1_000, this.parts.retryMaxDelayMs ?? 60_000, Math.random);
      logger.warn({ err, code: (err as PipelineError).code, abandonedInARow: this.abandoned, delayMs }, 'RoundAbandoned');
      this.parts.onRound?.('abandoned');
      await (this.parts.sleep ?? sleep)(delayMs);
    } else {
      this.abandoned = 0;
      this.parts.onRound?.('committed');
    }
    if (this.heldBytes <= this.options.maxBufferedBytes) source.resumeAll();
  }

  private async flush(ready: PartitionBatch[]): Promise<void> {
    const { stager, committer, source, metrics, logger } = this.parts;
    // The assignment each batch was read under: a partition revoked (and perhaps won back) while the
    // round runs is re-read by its owner from the committed offset, so this round must not commit it.
    const epochs = ready.map((batch) => source.assignmentEpoch(partitionId(batch.topic, batch.partition)));
    // In batch order, whatever order the uploads finish in: manifests of a partition go out in offset order.
    const flushed: FlushedBatch[] = new Array<FlushedBatch>(ready.length);
    await forEachLimited(ready, this.options.maxInflightUploads, async (batch, index) => {
      flushed[index] = await stager.stage(batch);
    });
    // A partition revoked meanwhile belongs to its new owner now: its object stays an orphan.
    const owned = flushed.filter(({ batch }, index) => epochs[index] !== undefined && source.assignmentEpoch(partitionId(batch.topic, batch.partition)) === epochs[index]);
    const started = performance.now();
    await committer.commit(owned);
    metrics.commitLatency.observe((performance.now() - started) / 1000);
    this.counted(owned);
    logger.debug({ objects: owned.length, partitions: owned.map(({ batch }) => `${partitionId(batch.topic, batch.partition)}@${batch.lastOffset + 1}`) }, 'OffsetsCommitted');
  }

  private counted(flushed: FlushedBatch[]): void {
    const { metrics } = this.parts;
    for (const { batch, object } of flushed) {
      metrics.batches.inc({ reason: batch.closedBy ?? 'shutdown' });
      for (const letter of batch.deadLetters) metrics.dlqRecords.inc({ error_code: letter.code });
      if (!object) continue;
      metrics.recordsOut.inc({ topic: batch.topic }, object.recordCount);
      metrics.bytesOut.inc({ topic: batch.topic }, object.body.length);
    }
  }

  private report(): void {
    const { source, batcher, metrics } = this.parts;
    metrics.bufferedBytes.set(batcher.bufferedBytes);
    metrics.pausedPartitions.set(source.pausedCount);
  }

  /** Lag gauges; called on a timer by the app rather than per round (position lookups are not free). */
  reportLag(nowMs: number): void {
    const { source, metrics } = this.parts;
    metrics.lagRecords.reset();
    metrics.lagSeconds.reset();
    for (const lag of source.lag()) {
      const labels = { topic: lag.topic, partition: String(lag.partition) };
      metrics.lagRecords.set(labels, lag.records);
      const behind = lag.records > 0 && lag.newestTimestampMs !== undefined;
      metrics.lagSeconds.set(labels, behind ? Math.max(0, (nowMs - lag.newestTimestampMs!) / 1000) : 0);
    }
  }
}
