import { EventEmitter } from 'node:events';
import type { Producer } from '@confluentinc/kafka-javascript';
import { createLogger } from '@spotify-pipeline/shared/logging';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { createProducerMetrics } from '../../../src/publish/producer-metrics';
import { ERR_QUEUE_FULL, RecordPublisher } from '../../../src/publish/record-publisher';

/** A producer whose local queue holds `capacity` records until the test delivers them. */
class FakeProducer extends EventEmitter {
  queued: Array<{ topic: string; value: Buffer; key: string; opaque: unknown }> = [];
  constructor(private readonly capacity: number) {
    super();
  }
  produce(topic: string, _partition: null, value: Buffer, key: string, _ts: number, opaque: unknown): void {
    if (this.queued.length >= this.capacity) throw Object.assign(new Error('Local: Queue full'), { code: ERR_QUEUE_FULL });
    this.queued.push({ topic, value, key, opaque });
  }
  poll(): void {}
  flush(_timeoutMs: number, done: (err?: unknown) => void): void {
    this.deliver(this.queued.length);
    done();
  }
  deliver(count: number, error?: { code: number; message: string }): void {
    for (const record of this.queued.splice(0, count)) {
      this.emit('delivery-report', error ?? null, { topic: record.topic, partition: 0, offset: 0, size: record.value.length, opaque: record.opaque });
    }
  }
}

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

  it('produce() waits for delivery reports to free room, then queues the record', async () => {
    const { publisher, fake } = setup(1);
    await publisher.produce('t', 'k', Buffer.from('a'), 1);
    let queued = false;
    const second = publisher.produce('t', 'k', Buffer.from('b'), 1).then(() => (queued = true));
    await new Promise((r) => setImmediate(r));
    expect(queued).toBe(false);
    fake.deliver(1);
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

  it('counts deliveries and bytes by topic, failures by error code, and exposes them as metrics', async () => {
    const { publisher, fake, registry } = setup(100);
    for (let i = 0; i < 3; i++) publisher.tryProduce('events', 'k', Buffer.from('12345'), 1);
    publisher.tryProduce('tracks', 'k', Buffer.from('xy'), 1);
    fake.deliver(4);
    publisher.tryProduce('events', 'k', Buffer.from('z'), 1);
    fake.deliver(1, { code: -192, message: 'Local: Message timed out' });
    expect(publisher.inFlight).toBe(0);
    const text = await registry.metrics();
    expect(text).toContain('pipeline_producer_service_events_produced_total{topic="events",service="test"} 3');
    expect(text).toContain('pipeline_producer_service_events_produced_total{topic="tracks",service="test"} 1');
    expect(text).toContain('pipeline_producer_service_produced_bytes_total{topic="events",service="test"} 15');
    expect(text).toContain('pipeline_producer_service_events_failed_total{error_code="-192",service="test"} 1');
    expect(text).toContain('pipeline_producer_service_queue_depth_records{service="test"} 0');
    // A second scrape adds nothing that did not happen.
    expect(await registry.metrics()).toContain('pipeline_producer_service_events_produced_total{topic="events",service="test"} 3');
  });

  it('flush() resolves once every accepted record is acknowledged', async () => {
    const { publisher, metrics } = setup(100);
    for (let i = 0; i < 10; i++) publisher.tryProduce('events', 'k', Buffer.from('v'), 1);
    await publisher.flush(1_000);
    expect(metrics.counters.delivered).toBe(10);
  });

  it('classifies a record too large for the producer', () => {
    const { publisher, fake } = setup(1);
    fake.produce = () => {
      throw Object.assign(new Error('Broker: Message size too large'), { code: 10 });
    };
    expect(() => publisher.tryProduce('t', 'k', Buffer.alloc(10), 1)).toThrow(expect.objectContaining({ code: 'RECORD_TOO_LARGE' }));
  });
});
