import { EventEmitter } from 'node:events';
import type { Producer } from '@confluentinc/kafka-javascript';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { createProducerMetrics } from '../../../src/publish/producer-metrics';
import { ERR_QUEUE_FULL, RecordPublisher } from '../../../src/publish/record-publisher';

/**
 * A producer whose local queue holds `capacity` records until the test finishes them. Like a
 * librdkafka producer made with PUBLISHER_PRODUCER_SETTINGS, it reports failures only, and its
 * statistics say how many records it took per topic and how many it still holds.
 */
class FakeProducer extends EventEmitter {
  queued: Array<{ topic: string; value: Buffer; key: string }> = [];
  taken = new Map<string, number>();
  constructor(private readonly capacity: number) {
    super();
  }
  produce(topic: string, _partition: null, value: Buffer, key: string): void {
    if (this.queued.length >= this.capacity) throw Object.assign(new Error('Local: Queue full'), { code: ERR_QUEUE_FULL });
    this.queued.push({ topic, value, key });
    this.taken.set(topic, (this.taken.get(topic) ?? 0) + 1);
  }
  poll(): void {}
  flush(_timeoutMs: number, done: (err?: unknown) => void): void {
    this.finish(this.queued.length);
    done();
  }
  /** The broker acknowledges (or, with `error`, librdkafka fails) the oldest `count` records. */
  finish(count: number, error?: { code: number; message: string }): void {
    for (const record of this.queued.splice(0, count)) {
      if (error) this.emit('delivery-report', error, { topic: record.topic, partition: 0, offset: -1, size: record.value.length });
    }
  }
  statistics(extra: Record<string, unknown> = {}): string {
    const queued = (topic: string): number => this.queued.filter((record) => record.topic === topic).length;
    const partitions = (topic: string, msgs: number) => ({ '0': { partition: 0, msgs, msgq_cnt: queued(topic), msgs_inflight: 0 }, '-1': { partition: -1, msgs: 7, msgq_cnt: 0 } });
    const topics = Object.fromEntries([...this.taken].map(([topic, msgs]) => [topic, { partitions: partitions(topic, msgs) }]));
    return JSON.stringify({ msg_cnt: this.queued.length, topics, brokers: {}, ...extra });
  }
  emitStatistics(json = this.statistics()): void {
    this.emit('event.stats', { message: json });
  }
}

/** Lets the publisher read what the fake emitted (it reads statistics on the next turn). */
const settled = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 5));

function setup(capacity: number) {
  const fake = new FakeProducer(capacity);
  const registry = createRegistry('test', false);
  const metrics = createProducerMetrics(registry);
  const publisher = new RecordPublisher(fake as unknown as Producer, metrics, createLogger({ service: 'test', level: 'silent' }));
  return { fake, registry, metrics, publisher };
}

describe('RecordPublisher', () => {
  it('says "no room" instead of buffering when the local queue is full, and counts the wait', () => {
    const { publisher, metrics } = setup(2);
    expect(publisher.tryProduce('t', 'k', Buffer.from('a'), 1)).toBe(true);
    expect(publisher.tryProduce('t', 'k', Buffer.from('b'), 1)).toBe(true);
    expect(publisher.tryProduce('t', 'k', Buffer.from('c'), 1)).toBe(false);
    expect(metrics.counters.accepted).toBe(2);
    expect(metrics.counters.queueFullWaits).toBe(1);
    expect(publisher.inFlight).toBe(2);
  });

  it('produce() waits while the queue is full, then queues the record', async () => {
    const { publisher, fake } = setup(1);
    await publisher.produce('t', 'k', Buffer.from('a'), 1);
    let queued = false;
    const second = publisher.produce('t', 'k', Buffer.from('b'), 1).then(() => (queued = true));
    await settled();
    expect(queued).toBe(false);
    fake.finish(1);
    await second;
    expect(fake.queued.map((r) => r.value.toString())).toEqual(['b']);
  });

  it('offer() returns false when stopped while waiting, without queuing', async () => {
    const { publisher, fake } = setup(1);
    await publisher.produce('t', 'k', Buffer.from('a'), 1);
    const stop = new AbortController();
    const offered = publisher.offer('t', 'k', Buffer.from('b'), 1, stop.signal);
    stop.abort();
    expect(await offered).toBe(false);
    expect(fake.queued).toHaveLength(1);
  });

  it('counts deliveries from the statistics and failures from their reports, by topic and code, as metrics', async () => {
    const { publisher, fake, registry, metrics } = setup(100);
    publisher.tryProduce('tracks', 'k', Buffer.from('xy'), 1);
    for (let i = 0; i < 3; i++) publisher.tryProduce('events', 'k', Buffer.from('12345'), 1);
    fake.finish(4);
    publisher.tryProduce('events', 'k', Buffer.from('fails'), 1);
    // Until a flush, bytes of records not yet finished are estimated from the topic's mean size: same sizes here.
    publisher.tryProduce('events', 'k', Buffer.from('later'), 1);
    fake.finish(1, { code: -192, message: 'Local: Message timed out' });
    fake.emitStatistics();
    await settled();
    expect(publisher.inFlight).toBe(1);
    const text = await registry.metrics();
    expect(text).toContain('pipeline_producer_service_events_produced_total{topic="events",service="test"} 3');
    expect(text).toContain('pipeline_producer_service_events_produced_total{topic="tracks",service="test"} 1');
    expect(text).toContain('pipeline_producer_service_produced_bytes_total{topic="events",service="test"} 15');
    expect(text).toContain('pipeline_producer_service_events_failed_total{error_code="-192",service="test"} 1');
    expect(text).toContain('pipeline_producer_service_queue_depth_records{service="test"} 1');
    // A second scrape adds nothing that did not happen.
    expect(await registry.metrics()).toContain('pipeline_producer_service_events_produced_total{topic="events",service="test"} 3');
    await publisher.flush(1_000);
    expect(publisher.inFlight).toBe(0);
    expect(metrics.counters.delivered).toBe(5);
    expect(metrics.counters.topics.get('events')).toEqual({ delivered: 4, bytes: 20 });
  });

  it('never counts a failed record as delivered, even when the statistics come in before its report is read', async () => {
    const { publisher, fake, metrics } = setup(100);
    for (let i = 0; i < 10; i++) publisher.tryProduce('events', 'k', Buffer.from('v'), 1);
    // librdkafka handled the failures, then wrote statistics that no longer hold those records.
    const failed = fake.queued.splice(0, 4);
    const statistics = fake.statistics();
    fake.emitStatistics(statistics);
    for (const record of failed) fake.emit('delivery-report', { code: -192, message: 'Local: Message timed out' }, { topic: record.topic, size: 1 });
    await settled();
    expect(metrics.counters.delivered).toBe(0);
    expect(publisher.inFlight).toBe(6);
    fake.finish(6);
    fake.emitStatistics();
    await settled();
    expect(metrics.counters.delivered).toBe(6);
    expect(publisher.inFlight).toBe(0);
  });

  it('ignores statistics older than what it knows, and never takes a count back', async () => {
    const { publisher, fake, metrics } = setup(100);
    for (let i = 0; i < 10; i++) publisher.tryProduce('events', 'k', Buffer.from('v'), 1);
    const early = fake.statistics();
    fake.finish(10);
    fake.emitStatistics();
    await settled();
    expect(metrics.counters.delivered).toBe(10);
    fake.emitStatistics(early);
    await settled();
    expect(metrics.counters.delivered).toBe(10);
    expect(publisher.inFlight).toBe(0);
  });

  it('flush() resolves once every accepted record is finished, with exact counts and no statistics needed', async () => {
    const { publisher, metrics } = setup(100);
    for (let i = 0; i < 10; i++) publisher.tryProduce('events', 'k', Buffer.from('v'), 1);
    await publisher.flush(1_000);
    expect(metrics.counters.delivered).toBe(10);
    expect(metrics.counters.topics.get('events')).toEqual({ delivered: 10, bytes: 10 });
  });

  it("exports librdkafka's delivery latency quantiles from the slowest broker", async () => {
    const { fake, registry } = setup(100);
    const window = (p50: number, p99: number) => ({ p50, p99, cnt: 3 });
    fake.emitStatistics(
      fake.statistics({
        brokers: {
          'b1:9092/1': { int_latency: window(1_000, 20_000), outbuf_latency: window(100, 2_000), rtt: window(2_000, 8_000) },
          'b2:9092/2': { int_latency: window(500, 1_000), outbuf_latency: window(0, 0), rtt: window(1_000, 2_000) },
          'b3:9092/bootstrap': { int_latency: window(0, 0), outbuf_latency: window(0, 0), rtt: { p50: 0, p99: 0, cnt: 0 } },
        },
      }),
    );
    await settled();
    const text = await registry.metrics();
    expect(text).toContain('pipeline_producer_service_delivery_latency_seconds{quantile="0.5",service="test"} 0.0031');
    expect(text).toContain('pipeline_producer_service_delivery_latency_seconds{quantile="0.99",service="test"} 0.03');
  });

  it('classifies a record too large for the producer', () => {
    const { publisher, fake } = setup(1);
    fake.produce = () => {
      throw Object.assign(new Error('Broker: Message size too large'), { code: 10 });
    };
    expect(() => publisher.tryProduce('t', 'k', Buffer.alloc(10), 1)).toThrow(expect.objectContaining({ code: 'RECORD_TOO_LARGE' }));
  });
});
