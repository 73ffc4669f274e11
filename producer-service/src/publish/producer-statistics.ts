/**
 * The parts of librdkafka's statistics (`statistics.interval.ms`, the 'event.stats' JSON) that
 * account for deliveries without a delivery report per record. Field meanings are librdkafka's
 * STATISTICS.md: `msg_cnt` counts the records it holds (queued, in flight, or failed and not yet
 * reported), a partition's `msgs` counts the records ever assigned to it, and partition -1 holds
 * the records still waiting for one (topic metadata unknown yet).
 */
export interface QueueSnapshot {
  /** Records librdkafka had taken, by topic, when it wrote the statistics. */
  taken: Map<string, number>;
  /** Of those, records not yet finished (neither acknowledged nor failed and reported), all topics together. */
  unfinished: number;
  /**
   * Records known unfinished per topic: in a partition's queue, in flight to its broker, or waiting
   * for a partition. The rest of `unfinished` (in a broker thread's send queue, or failed and not
   * yet reported) is not broken down by topic in the statistics.
   */
  waiting: Map<string, number>;
}

/** One librdkafka latency window (microseconds), reduced to the quantiles we export. */
export interface LatencyQuantiles {
  p50: number;
  p99: number;
}

export interface ProducerStatistics {
  queue: QueueSnapshot;
  /**
   * produce() to acknowledgement over the last interval, from the slowest broker: its queue wait
   * (`int_latency`), output-buffer wait (`outbuf_latency`) and round trip (`rtt`), summed per
   * quantile. Undefined when no request completed in the interval.
   */
  deliveryLatencyUs: LatencyQuantiles | undefined;
}

interface Window {
  p50?: number;
  p99?: number;
  cnt?: number;
}

interface RawStatistics {
  msg_cnt?: number;
  topics?: Record<string, { partitions?: Record<string, { partition?: number; msgs?: number; msgq_cnt?: number; msgs_inflight?: number }> }>;
  brokers?: Record<string, { int_latency?: Window; outbuf_latency?: Window; rtt?: Window }>;
}

const UNASSIGNED_PARTITION = -1;

export function parseProducerStatistics(json: string): ProducerStatistics {
  const raw = JSON.parse(json) as RawStatistics;
  const taken = new Map<string, number>();
  const waiting = new Map<string, number>();
  for (const [topic, { partitions = {} }] of Object.entries(raw.topics ?? {})) {
    let records = 0;
    let unfinished = 0;
    for (const partition of Object.values(partitions)) {
      const queued = partition.msgq_cnt ?? 0;
      // Partition -1 counts a record again when it gets its partition: take only what still waits there.
      records += partition.partition === UNASSIGNED_PARTITION ? queued : (partition.msgs ?? 0);
      unfinished += queued + (partition.msgs_inflight ?? 0);
    }
    taken.set(topic, records);
    waiting.set(topic, unfinished);
  }
  let latency: LatencyQuantiles | undefined;
  for (const broker of Object.values(raw.brokers ?? {})) {
    if (!broker.rtt?.cnt) continue;
    const windows = [broker.int_latency, broker.outbuf_latency, broker.rtt];
    const sum = (quantile: 'p50' | 'p99'): number => windows.reduce((total, window) => total + (window?.[quantile] ?? 0), 0);
    const p50 = sum('p50');
    const p99 = sum('p99');
    if (!latency || p99 > latency.p99) latency = { p50, p99 };
  }
  return { queue: { taken, unfinished: raw.msg_cnt ?? 0, waiting }, deliveryLatencyUs: latency };
}
