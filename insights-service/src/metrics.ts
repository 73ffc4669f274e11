import { Counter, Gauge, type Registry } from '@spotify-pipeline/shared/metrics';

const PREFIX = 'pipeline_insights_service';

export type InsightsMetrics = ReturnType<typeof createInsightsMetrics>;

/**
 * The service's own series (the registry adds process and Node.js defaults). Labels are closed
 * lists: outcome (accepted, late, outside_horizon, future, invalid), reason (the decoder's skip
 * reasons), kind (window, top_tracks, top_artists), outcome of history lookups.
 */
export function createInsightsMetrics(registry: Registry) {
  const registers = [registry];
  return {
    records: new Counter({ name: `${PREFIX}_records_total`, help: 'Records read from the source topic, by what became of them', labelNames: ['outcome'], registers }),
    skipped: new Counter({ name: `${PREFIX}_records_skipped_total`, help: 'Records not counted because the lake would not hold them either, by reason', labelNames: ['reason'], registers }),
    eventsPerSecond: new Gauge({ name: `${PREFIX}_events_per_second`, help: 'Records read per second, over the last ten seconds', registers }),
    windows: new Gauge({ name: `${PREFIX}_windows`, help: 'One-minute windows held in memory', registers }),
    windowsMax: new Gauge({ name: `${PREFIX}_windows_max`, help: 'Most windows the horizon can hold: the memory bound in windows', registers }),
    evictions: new Counter({ name: `${PREFIX}_evictions_total`, help: 'What the memory bound dropped: windows past the horizon, top-sketch counters taken over', labelNames: ['kind'], registers }),
    streamClients: new Gauge({ name: `${PREFIX}_stream_clients`, help: 'Open Server-Sent Events streams of the live page', registers }),
    rebuilding: new Gauge({ name: `${PREFIX}_rebuilding`, help: '1 while the state is being rebuilt from Kafka at start, then 0', registers }),
    rebuildSeconds: new Gauge({ name: `${PREFIX}_rebuild_duration_seconds`, help: 'How long the rebuild from Kafka took (so far, while it runs)', registers }),
    rebuildRecords: new Gauge({ name: `${PREFIX}_rebuild_records`, help: 'Records between the horizon offsets and the high watermarks at start', registers }),
    freshnessSeconds: new Gauge({ name: `${PREFIX}_event_time_lag_seconds`, help: 'Service clock minus the newest event time read', registers }),
    history: new Counter({ name: `${PREFIX}_history_queries_total`, help: 'History panel lookups: served from the cache, queried from the lake, or failed', labelNames: ['outcome'], registers }),
    errors: new Counter({ name: `${PREFIX}_errors_total`, help: 'Errors of the read loop, by error code (retried)', labelNames: ['error_code'], registers }),
  };
}
