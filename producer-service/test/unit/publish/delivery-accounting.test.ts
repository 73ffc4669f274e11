import { DeliveryAccounting } from '../../../src/publish/delivery-accounting';
import { parseProducerStatistics } from '../../../src/publish/producer-statistics';

function accept(accounting: DeliveryAccounting, topic: string, records: number, bytes = 10): void {
  for (let i = 0; i < records; i++) accounting.accept(topic, bytes);
}

describe('DeliveryAccounting', () => {
  it('places unfinished records by topic where the statistics say, and charges the rest to every topic (a count may lag, never run ahead)', () => {
    const accounting = new DeliveryAccounting();
    accept(accounting, 'tracks', 100);
    accept(accounting, 'events', 50);
    // tracks: 5 queued or in flight; events: none; 20 more somewhere (a broker thread's send queue).
    accounting.observe({ taken: new Map([['tracks', 100], ['events', 50]]), unfinished: 25, waiting: new Map([['tracks', 5], ['events', 0]]) });
    expect(accounting.delivered()).toEqual(new Map([['tracks', { records: 75, bytes: 750 }], ['events', { records: 30, bytes: 300 }]]));
    expect(accounting.unfinished).toBe(25);
    accounting.observe({ taken: new Map([['tracks', 100], ['events', 50]]), unfinished: 5, waiting: new Map([['tracks', 5], ['events', 0]]) });
    expect(accounting.delivered()).toEqual(new Map([['tracks', { records: 95, bytes: 950 }], ['events', { records: 50, bytes: 500 }]]));
  });

  it('counts only what librdkafka had taken when it wrote the statistics, not what came after', () => {
    const accounting = new DeliveryAccounting();
    accept(accounting, 'events', 1_000);
    accounting.observe({ taken: new Map([['events', 600]]), unfinished: 100, waiting: new Map([['events', 100]]) });
    expect(accounting.delivered().get('events')).toEqual({ records: 500, bytes: 5_000 });
    expect(accounting.unfinished).toBe(500);
  });

  it('never counts a failed record as delivered, and is exact once settled', () => {
    const accounting = new DeliveryAccounting();
    accept(accounting, 'events', 10, 4);
    accept(accounting, 'events', 10, 6);
    for (let i = 0; i < 3; i++) accounting.fail('events', 6);
    accounting.observe({ taken: new Map([['events', 20]]), unfinished: 0, waiting: new Map() });
    expect(accounting.delivered().get('events')).toEqual({ records: 17, bytes: 82 });
    accounting.settle();
    expect(accounting.delivered().get('events')).toEqual({ records: 17, bytes: 82 });
    expect(accounting.unfinished).toBe(0);
  });

  it('ignores a view older than the one it has (fewer records finished)', () => {
    const accounting = new DeliveryAccounting();
    accept(accounting, 'events', 100);
    accounting.observe({ taken: new Map([['events', 100]]), unfinished: 0, waiting: new Map() });
    accounting.observe({ taken: new Map([['events', 100]]), unfinished: 40, waiting: new Map([['events', 40]]) });
    expect(accounting.delivered().get('events')?.records).toBe(100);
  });
});

describe('parseProducerStatistics', () => {
  it("sums the records each topic's partitions took (of partition -1 only those still waiting there) and those they hold", () => {
    const json = JSON.stringify({
      msg_cnt: 12,
      topics: {
        events: { partitions: { '0': { partition: 0, msgs: 30, msgq_cnt: 5, msgs_inflight: 3 }, '1': { partition: 1, msgs: 20, msgq_cnt: 0, msgs_inflight: 0 }, '-1': { partition: -1, msgs: 45, msgq_cnt: 2 } } },
        tracks: { partitions: { '0': { partition: 0, msgs: 8, msgq_cnt: 0 } } },
      },
      brokers: { 'b:9092/1': { int_latency: { p50: 10, p99: 100, cnt: 5 }, outbuf_latency: { p50: 1, p99: 2, cnt: 5 }, rtt: { p50: 100, p99: 900, cnt: 5 } } },
    });
    const statistics = parseProducerStatistics(json);
    expect(statistics.queue).toEqual({ taken: new Map([['events', 52], ['tracks', 8]]), unfinished: 12, waiting: new Map([['events', 10], ['tracks', 0]]) });
    expect(statistics.deliveryLatencyUs).toEqual({ p50: 111, p99: 1_002 });
  });

  it('has no latency for an interval in which no request completed', () => {
    const idle = JSON.stringify({ msg_cnt: 0, topics: {}, brokers: { 'b:9092/1': { int_latency: { cnt: 0 }, outbuf_latency: { cnt: 0 }, rtt: { cnt: 0 } } } });
    expect(parseProducerStatistics(idle).deliveryLatencyUs).toBeUndefined();
  });
});
