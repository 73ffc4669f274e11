/**
 * Where a run's records go: the idempotent RecordPublisher, or the exactly-once TransactionalRun.
 * `tryProduce` false means "no room now": offer the record again through `offer`, which waits.
 */
export interface RecordSink {
  /**
   * True when the sink keeps the value buffers it was given after `tryProduce` returns (the
   * exactly-once run keeps a transaction's records to resend them after an abort), so their memory
   * must not be reused; false when librdkafka's copy is the only one left.
   */
  readonly retainsValues: boolean;
  tryProduce(topic: string, key: string, value: Buffer, timestampMs: number): boolean;
  /** False only when `signal` stopped the wait: the record was not queued. */
  offer(topic: string, key: string, value: Buffer, timestampMs: number, signal: AbortSignal): Promise<boolean>;
}

/**
 * The exactly-once bookkeeping a finite run calls per unit of its deterministic stream: `skip()` is
 * true for units an earlier process already committed (do not produce or count them); after a unit
 * is produced and counted, `handled()` says whether a transaction is due, then `commit()` it.
 */
export interface RunCheckpoints {
  skip(): boolean;
  handled(): boolean;
  commit(): Promise<void>;
}
