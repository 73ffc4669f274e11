import { Gauge, Registry } from 'prom-client';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { readConfig } from '../../../src/config';
import { createSinkMetrics } from '../../../src/metrics';
import { MergedRegistry } from '../../../src/workers/merged-metrics';
import { WorkerHealthBoard } from '../../../src/workers/worker-health';
import { formatWorkerSlot, parseWorkerSlot, slotTransactionalId } from '../../../src/workers/worker-slot';

describe('consumer slots: transactional ids', () => {
  it('keeps the configured id unchanged for one consumer, so a deployment keeps fencing its predecessor', () => {
    expect(slotTransactionalId('sink-0', undefined)).toBe('sink-0');
    expect(slotTransactionalId('sink-0', { index: 0, count: 1 })).toBe('sink-0');
  });

  it('suffixes -w<index> for several consumers: unique per consumer, stable per pod and slot', () => {
    const ids = [0, 1, 2].map((index) => slotTransactionalId('consumer-service-sink-3', { index, count: 3 }));
    expect(ids).toEqual(['consumer-service-sink-3-w0', 'consumer-service-sink-3-w1', 'consumer-service-sink-3-w2']);
    expect(slotTransactionalId('consumer-service-sink-3', { index: 1, count: 3 })).toBe(ids[1]);
  });

  it('passes the slot to the child as <index>/<count> and refuses anything else', () => {
    expect(parseWorkerSlot(formatWorkerSlot({ index: 1, count: 2 }))).toEqual({ index: 1, count: 2 });
    expect(parseWorkerSlot(undefined)).toBeUndefined();
    for (const bad of ['2/2', '1', 'a/b', '0/0', '-1/2']) expect(() => parseWorkerSlot(bad)).toThrow(/PIPELINE_SINK_WORKER/);
  });

  it('reads SINK_CONSUMERS, default 1', () => {
    expect(readConfig({ KAFKA_BROKERS: 'k:9092' }).sink.consumers).toBe(1);
    expect(readConfig({ KAFKA_BROKERS: 'k:9092', SINK_CONSUMERS: '2' }).sink.consumers).toBe(2);
    expect(() => readConfig({ KAFKA_BROKERS: 'k:9092', SINK_CONSUMERS: '0' })).toThrow(/SINK_CONSUMERS/);
  });
});

describe('WorkerHealthBoard: the process is live/ready when every consumer is', () => {
  let now = 0;
  const board = (count: number) => new WorkerHealthBoard(count, () => now, { readyMs: 5_000, liveMs: 300_000 });
  beforeEach(() => (now = 1_000));

  it('starting consumers are live and not ready; ready once every one reports ready', () => {
    const b = board(2);
    expect(b.live()).toBe(true);
    expect(b.ready()).toBe(false);
    b.report(0, { live: true, ready: true });
    expect(b.ready()).toBe(false);
    b.report(1, { live: true, ready: true });
    expect(b.ready()).toBe(true);
  });

  it('one consumer not ready or not live makes the process so', () => {
    const b = board(2);
    b.report(0, { live: true, ready: true });
    b.report(1, { live: true, ready: false });
    expect(b.ready()).toBe(false);
    expect(b.live()).toBe(true);
    b.report(1, { live: false, ready: false });
    expect(b.live()).toBe(false);
  });

  it('a silent consumer goes not ready after readyMs and not live after liveMs', () => {
    const b = board(2);
    b.report(0, { live: true, ready: true });
    b.report(1, { live: true, ready: true });
    now += 4_000;
    b.report(0, { live: true, ready: true });
    now += 2_000; // consumer 1 silent for 6 s
    expect(b.ready()).toBe(false);
    expect(b.live()).toBe(true);
    now += 300_000;
    expect(b.live()).toBe(false);
  });

  it('details: each consumer as it last reported, with its own details (which one has S3 failing)', () => {
    const b = board(2);
    b.report(1, { live: true, ready: false, details: { batches: 'failing', s3: 'ok' } });
    now += 700;
    expect(b.details()).toEqual({ consumers: [{ state: 'starting' }, { live: true, ready: false, reportedAgoMs: 700, batches: 'failing', s3: 'ok' }] });
  });

  it('draining: not ready, and live (the drain is bounded by its own deadline)', () => {
    const b = board(1);
    b.report(0, { live: false, ready: true });
    b.markDraining();
    expect(b.ready()).toBe(false);
    expect(b.live()).toBe(true);
  });
});

describe('MergedRegistry: /metrics of several consumers', () => {
  it('sums the consumers’ counters, histograms and gauges by label, and keeps the supervisor’s own metrics', async () => {
    const consumers = [createRegistry('consumer-service', false), createRegistry('consumer-service', false)];
    const metrics = consumers.map((r) => createSinkMetrics(r));
    metrics[0]!.recordsIn.inc({ topic: 't' }, 100);
    metrics[1]!.recordsIn.inc({ topic: 't' }, 250);
    metrics[1]!.recordsIn.inc({ topic: 'u' }, 7);
    metrics[0]!.uploadLatency.observe(0.2);
    metrics[1]!.uploadLatency.observe(3);
    metrics[0]!.lagRecords.set({ topic: 't', partition: '0' }, 5);
    metrics[1]!.lagRecords.set({ topic: 't', partition: '1' }, 9);
    metrics[0]!.bufferedBytes.set(1_000);
    metrics[1]!.bufferedBytes.set(2_000);

    const own = new Registry();
    own.setDefaultLabels({ service: 'consumer-service' });
    new Gauge({ name: 'supervisor_only', help: 'h', registers: [own] }).set(1);
    const merged = new MergedRegistry(own, async () => Promise.all(consumers.map(async (r) => (await r.getMetricsAsJSON()) as never)));
    const text = await merged.metrics();

    const line = (prefix: string): number => Number(text.split('\n').find((l) => l.startsWith(prefix))?.split(' ').pop());
    expect(line('pipeline_consumer_service_records_in_total{topic="t",service="consumer-service"}')).toBe(350);
    expect(line('pipeline_consumer_service_records_in_total{topic="u",service="consumer-service"}')).toBe(7);
    expect(line('pipeline_consumer_service_upload_duration_seconds_count')).toBe(2);
    expect(line('pipeline_consumer_service_upload_duration_seconds_sum')).toBeCloseTo(3.2);
    expect(line('pipeline_consumer_service_upload_duration_seconds_bucket{le="0.25"')).toBe(1);
    expect(line('pipeline_consumer_service_consumer_lag_records{topic="t",partition="0"')).toBe(5);
    expect(line('pipeline_consumer_service_consumer_lag_records{topic="t",partition="1"')).toBe(9);
    expect(line('pipeline_consumer_service_buffered_bytes')).toBe(3_000);
    expect(line('supervisor_only')).toBe(1);
    // One HELP/TYPE per metric, as Prometheus requires.
    expect(text.split('\n').filter((l) => l === '# TYPE pipeline_consumer_service_records_in_total counter')).toHaveLength(1);
  });

  it('keeps default process metrics meaningful: summed where prom-client says so', async () => {
    const a = createRegistry('consumer-service', true);
    const b = createRegistry('consumer-service', true);
    const merged = new MergedRegistry(a, async () => [(await b.getMetricsAsJSON()) as never]);
    const text = await merged.metrics();
    expect(text).toContain('pipeline_consumer_service_process_cpu_seconds_total');
    expect(text.split('\n').filter((l) => l.startsWith('# TYPE pipeline_consumer_service_process_resident_memory_bytes'))).toHaveLength(1);
  });
});
