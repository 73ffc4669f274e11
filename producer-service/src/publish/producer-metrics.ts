import { Counter, Gauge, type Registry } from '@spotify-pipeline/shared/metrics';

/**
 * Plain counters the hot path bumps (a number increment per record); Prometheus reads them
 * through collect callbacks at scrape time, so no per-record metric call costs throughput.
 */
export interface PublishCounters {
  accepted: number;
  delivered: number;
  /** Acknowledged records and value bytes by topic (events and tracks share one producer). */
  topics: Map<string, TopicTotals>;
  failed: Map<string, number>;
  queueFullWaits: number;
  kafkaErrors: Map<string, number>;
}

export interface TopicTotals {
  delivered: number;
  bytes: number;
}

export function newPublishCounters(): PublishCounters {
  return { accepted: 0, delivered: 0, topics: new Map(), failed: new Map(), queueFullWaits: 0, kafkaErrors: new Map() };
}

/** Acknowledged records of one topic so far. */
export function deliveredTo(counters: PublishCounters, topic: string): number {
  return counters.topics.get(topic)?.delivered ?? 0;
}

function totalsBy(counters: PublishCounters, field: keyof TopicTotals): Map<string, number> {
  return new Map([...counters.topics].map(([topic, totals]) => [topic, totals[field]]));
}

export interface ProducerMetrics {
  counters: PublishCounters;
  /** produce() to acknowledgement, by quantile (0.5, 0.99), from librdkafka's statistics window. */
  deliveryLatency: Gauge<'quantile'>;
  malformed: Counter<'kind'>;
  late: Counter;
  replayBadRecords: Counter<'reason'>;
  tracksPublished: Counter;
  /** Exactly-once runs: transaction commits, and commit failures retried or aborted and re-sent. */
  transactions: Counter<'outcome'>;
}

const PREFIX = 'pipeline_producer_service';

/** Registers the producer's metrics on the injected registry (never the global one). */
/** Adds to a labelled counter what each label's running total gained since the last scrape. */
function incrementBy<L extends string>(counter: Counter<L>, label: L, totals: Map<string, number>, seen: Map<string, number>): void {
  for (const [value, total] of totals) {
    counter.inc({ [label]: value } as Record<L, string>, total - (seen.get(value) ?? 0));
    seen.set(value, total);
  }
}

export function createProducerMetrics(registry: Registry, now: () => number = Date.now): ProducerMetrics {
  const counters = newPublishCounters();
  const seen = { delivered: new Map<string, number>(), bytes: new Map<string, number>(), failed: new Map<string, number>(), waits: 0, errors: new Map<string, number>() };
  const rate = { at: now(), delivered: 0 };

  new Counter({
    name: `${PREFIX}_events_produced_total`,
    help: 'Records the broker acknowledged (idempotent runs: counted from librdkafka statistics every second, exact after a flush; exactly-once runs: at each commit).',
    labelNames: ['topic'],
    registers: [registry],
    collect() {
      incrementBy(this, 'topic', totalsBy(counters, 'delivered'), seen.delivered);
    },
  });
  new Counter({
    name: `${PREFIX}_events_failed_total`,
    help: 'Records whose delivery failed after librdkafka exhausted its retries (message.timeout.ms), by error code.',
    labelNames: ['error_code'],
    registers: [registry],
    collect() {
      incrementBy(this, 'error_code', counters.failed, seen.failed);
    },
  });
  new Counter({
    name: `${PREFIX}_produced_bytes_total`,
    help: 'Value bytes of acknowledged records (before compression).',
    labelNames: ['topic'],
    registers: [registry],
    collect() {
      incrementBy(this, 'topic', totalsBy(counters, 'bytes'), seen.bytes);
    },
  });
  new Gauge({
    name: `${PREFIX}_queue_depth_records`,
    help: 'Records handed to librdkafka and not yet acknowledged or failed (bounded by queue.buffering.max.messages).',
    registers: [registry],
    collect() {
      let failed = 0;
      for (const count of counters.failed.values()) failed += count;
      this.set(counters.accepted - counters.delivered - failed);
    },
  });
  new Gauge({
    name: `${PREFIX}_events_per_second`,
    help: 'Acknowledged records per second since the previous scrape.',
    registers: [registry],
    collect() {
      const at = now();
      const seconds = (at - rate.at) / 1000;
      if (seconds > 0) this.set((counters.delivered - rate.delivered) / seconds);
      rate.at = at;
      rate.delivered = counters.delivered;
    },
  });
  new Counter({
    name: `${PREFIX}_queue_full_waits_total`,
    help: 'Times the local producer queue was full and the source waited for room (backpressure).',
    registers: [registry],
    collect() {
      this.inc(counters.queueFullWaits - seen.waits);
      seen.waits = counters.queueFullWaits;
    },
  });
  new Counter({
    name: `${PREFIX}_kafka_errors_total`,
    help: 'Client-level errors librdkafka reported (broker down, transport), by error code; it keeps retrying.',
    labelNames: ['error_code'],
    registers: [registry],
    collect() {
      incrementBy(this, 'error_code', counters.kafkaErrors, seen.errors);
    },
  });
  return {
    counters,
    deliveryLatency: new Gauge({
      name: `${PREFIX}_delivery_latency_seconds`,
      help: "From produce() to the broker's acknowledgement over librdkafka's last statistics interval (queue wait + output buffer + round trip, at the quantile), from the slowest broker.",
      labelNames: ['quantile'],
      registers: [registry],
    }),
    malformed: new Counter({
      name: `${PREFIX}_malformed_events_total`,
      help: 'Deliberately malformed records the simulator emitted (--malformed-ratio), by kind.',
      labelNames: ['kind'],
      registers: [registry],
    }),
    late: new Counter({
      name: `${PREFIX}_late_events_total`,
      help: 'Events delivered after their event time (offline plays synced later).',
      registers: [registry],
    }),
    replayBadRecords: new Counter({
      name: `${PREFIX}_replay_bad_records_total`,
      help: 'Records of a Spotify export that could not be mapped to a ListeningEvent, by reason.',
      labelNames: ['reason'],
      registers: [registry],
    }),
    tracksPublished: new Counter({
      name: `${PREFIX}_tracks_published_total`,
      help: 'Track records published to the compacted tracks topic.',
      registers: [registry],
    }),
    transactions: new Counter({
      name: `${PREFIX}_transactions_total`,
      help: 'Exactly-once runs: transactions committed (outcome=committed), commit failures retried (retried) or aborted by the broker and re-sent (aborted_resent).',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  };
}
