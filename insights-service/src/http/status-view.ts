import type { HorizonReader } from '../source/horizon-reader.js';
import type { RecordIngest } from '../source/record-ingest.js';
import type { WindowStore } from '../windows/window-store.js';
import type { StatusView } from './insights-queries.js';

export interface StatusSources {
  store: WindowStore;
  ingest: RecordIngest;
  reader: HorizonReader | undefined;
  staleAfterMs: number;
  now: number;
}

const isoOrNull = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** The service's state for the page's status line and /api/status: rebuild, freshness, what was skipped. */
export function statusView({ store, ingest, reader, staleAfterMs, now }: StatusSources): StatusView {
  const low = store.watermarks.low();
  const last = ingest.lastRecordAtMs;
  return {
    now: new Date(now).toISOString(),
    rebuilding: reader?.rebuild.done !== true,
    rebuildDurationMs: reader?.rebuild.durationMs() ?? 0,
    rebuildRecords: reader?.rebuild.recordsToRead ?? 0,
    partitions: store.watermarks.snapshot().map((p) => ({ partition: p.partition, watermark: p.watermarkMs === null ? null : new Date(p.watermarkMs).toISOString() })),
    newestEventTime: isoOrNull(store.watermarks.high()),
    closedThrough: isoOrNull(low === undefined ? undefined : low - store.policy.allowedLatenessMs),
    lastRecordAt: isoOrNull(last),
    eventsPerSecond: Math.round(ingest.rate.perSecond(now) * 10) / 10,
    stale: last === undefined || now - last > staleAfterMs,
    staleAfterMs,
    records: { ...ingest.totals },
    skipped: Object.fromEntries(ingest.skipped),
    windows: store.size,
    windowsMax: store.maxWindows,
    horizonMs: store.policy.horizonMs,
    allowedLatenessMs: store.policy.allowedLatenessMs,
  };
}
