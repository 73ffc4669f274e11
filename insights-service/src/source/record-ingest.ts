import type { Message } from '@spotify-pipeline/shared/kafka';
import type { InsightsMetrics } from '../metrics.js';
import { PlayMapper } from '../windows/play.js';
import type { Admission, WindowStore } from '../windows/window-store.js';
import type { EventDecoder, SkipReason } from './event-decoder.js';
import { RateMeter } from './rate-meter.js';

export type Outcome = Admission | 'invalid';

/** Counts of one batch, and of everything since start (the API's status). */
export type OutcomeCounts = Record<Outcome, number>;

const emptyCounts = (): OutcomeCounts => ({ accepted: 0, late: 0, outside_horizon: 0, future: 0, invalid: 0 });

/**
 * Records → windows: decode by the lake's rules, map to a play, admit to its window. Malformed
 * records are counted by reason and skipped; nothing a record holds can throw out of here. Metrics
 * are updated once per batch, not per record.
 */
export class RecordIngest {
  private readonly mapper = new PlayMapper();
  readonly totals = emptyCounts();
  readonly skipped = new Map<SkipReason, number>();
  readonly rate = new RateMeter(10);
  /** Service clock when the last record was read (the page's "stale" signal). */
  lastRecordAtMs: number | undefined;

  constructor(
    private readonly decoder: EventDecoder,
    private readonly store: WindowStore,
    private readonly metrics: InsightsMetrics,
  ) {}

  ingest(messages: readonly Message[], nowMs: number): OutcomeCounts {
    const batch = emptyCounts();
    const reasons = new Map<SkipReason, number>();
    const decodedAll = this.decoder.decodeAll(messages.map((m) => m.value), nowMs);
    for (let i = 0; i < messages.length; i++) {
      const message = messages[i]!;
      const decoded = decodedAll[i]!;
      if (!decoded.ok) {
        batch.invalid += 1;
        reasons.set(decoded.reason, (reasons.get(decoded.reason) ?? 0) + 1);
        continue;
      }
      batch[this.store.admit(this.mapper.toPlay(decoded.event), message.partition, nowMs)] += 1;
    }
    if (messages.length > 0) {
      this.lastRecordAtMs = nowMs;
      this.rate.add(nowMs, messages.length);
    }
    for (const [outcome, count] of Object.entries(batch) as Array<[Outcome, number]>) {
      if (count === 0) continue;
      this.totals[outcome] += count;
      this.metrics.records.inc({ outcome }, count);
    }
    for (const [reason, count] of reasons) {
      this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + count);
      this.metrics.skipped.inc({ reason }, count);
    }
    return batch;
  }
}
