import { createIdempotentProducer, disconnect, flush, type KafkaSettings, type Producer } from '@spotify-pipeline/shared/kafka';

export interface FeedRecord {
  value: Buffer | null;
  key?: string | null;
  /** Kafka record timestamp (CreateTime); default: now. */
  timestamp?: number;
}

/** Where a record landed, from its delivery report. */
export interface Delivered {
  partition: number;
  offset: number;
}

/**
 * The test's own producer into the listening-events topic (idempotent, like producer-service in
 * real time): every record's partition and offset come back from its delivery report, so a test
 * can follow each input through the DLQ and the quarantine.
 */
export class EventFeed {
  private readonly pending = new Map<number, { resolve: (d: Delivered) => void; reject: (err: Error) => void }>();
  private next = 0;

  private constructor(
    private readonly producer: Producer,
    private readonly topic: string,
  ) {
    producer.on('delivery-report', (err, report) => {
      const id = Number((report.opaque as { id?: number } | undefined)?.id);
      const waiter = this.pending.get(id);
      if (!waiter) return;
      this.pending.delete(id);
      if (err) waiter.reject(new Error(`delivery failed: ${err.message}`));
      else waiter.resolve({ partition: report.partition, offset: report.offset });
    });
  }

  static async open(settings: KafkaSettings, topic: string): Promise<EventFeed> {
    // linger 5 ms: a steady feed goes out in small batches, not one per second.
    return new EventFeed(await createIdempotentProducer(settings, { clientId: 'test-feed', overrides: { 'linger.ms': 5, 'message.max.bytes': 4_000_000 } }), topic);
  }

  /** Produces one record; resolves when the broker has it. */
  send(record: FeedRecord): Promise<Delivered> {
    const id = this.next++;
    const delivered = new Promise<Delivered>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    this.producer.produce(this.topic, null, record.value as Buffer, record.key ?? null, record.timestamp ?? Date.now(), { id } as never);
    return delivered;
  }

  /**
   * Produces `make(i)` for i = 0, 1, ... at about `perSecond` until `stop()` says so (checked
   * between ticks of 100 ms); resolves with how many were delivered.
   */
  async steady(make: (i: number) => FeedRecord, perSecond: number, stop: () => boolean): Promise<number> {
    const perTick = Math.max(1, Math.round(perSecond / 10));
    const deliveries: Array<Promise<Delivered>> = [];
    let i = 0;
    while (!stop()) {
      const tick = Date.now();
      for (let k = 0; k < perTick; k++) deliveries.push(this.send(make(i++)));
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - tick))));
    }
    await Promise.all(deliveries);
    return i;
  }

  async close(): Promise<void> {
    await flush(this.producer, 30_000);
    await disconnect(this.producer);
  }
}
