import { writeFile } from 'node:fs/promises';
import { deliveredTo, type PublishCounters } from './producer-metrics.js';

/**
 * What a run produced, written as JSON with `--summary-file` so a test can reconcile the lake
 * against the source: valid events per event hour ("YYYY-MM-DDTHH", UTC) must equal the lake's
 * COUNT(*) per partition hour, and malformed records the DLQ's count.
 */
export interface RunSummaryJson {
  command: 'simulate' | 'replay';
  topic: string;
  valid: number;
  malformed: { total: number; not_json: number; schema_invalid: number };
  /** Offline plays delivered after their event time. */
  late: number;
  /** Replay only: source records skipped, by reason. */
  badRecords: { total: number; byReason: Record<string, number> };
  /** Records of this run's topic the broker acknowledged (valid + malformed when nothing failed). */
  delivery: { delivered: number; failed: number };
  validByEventHour: Record<string, number>;
  firstEventTime: string | null;
  lastEventTime: string | null;
  completed: boolean;
}

/** The summary's counters as JSON (hours since the epoch as keys), restorable with `restore`. */
export interface RunSummarySnapshot {
  valid: number;
  late: number;
  malformed: { not_json: number; schema_invalid: number };
  badRecords: Record<string, number>;
  byHour: Record<string, number>;
  firstMs: number | null;
  lastMs: number | null;
}

const HOUR_MS = 3_600_000;

/** "YYYY-MM-DDTHH" in UTC: the lake's dt/hour partition of that event time. */
function hourKey(hoursSinceEpoch: number): string {
  return new Date(hoursSinceEpoch * HOUR_MS).toISOString().slice(0, 13);
}

export class RunSummary {
  valid = 0;
  late = 0;
  readonly malformed = { not_json: 0, schema_invalid: 0 };
  readonly badRecords = new Map<string, number>();
  /** Valid events by event hour, keyed by hours since the epoch (no string per event). */
  private readonly byHour = new Map<number, number>();
  /** The hour of the latest valid events and their count not yet in `byHour`: events mostly come hour after hour, so one map update per run of them, not per event. */
  private openHour = Number.NaN;
  private openHourCount = 0;
  private firstMs = Number.POSITIVE_INFINITY;
  private lastMs = Number.NEGATIVE_INFINITY;
  /** Records of the topic earlier processes of a resumed run committed (not in this process's counters). */
  private deliveredBefore = 0;

  constructor(private readonly command: RunSummaryJson['command'], private readonly topic: string) {}

  /** One valid event sent, with its event time in epoch ms. */
  addValid(eventTimeMs: number, late: boolean): void {
    this.valid++;
    if (late) this.late++;
    const hour = Math.floor(eventTimeMs / HOUR_MS);
    if (hour !== this.openHour) {
      this.closeHour();
      this.openHour = hour;
    }
    this.openHourCount++;
    if (eventTimeMs < this.firstMs) this.firstMs = eventTimeMs;
    if (eventTimeMs > this.lastMs) this.lastMs = eventTimeMs;
  }

  private closeHour(): void {
    if (this.openHourCount > 0) this.byHour.set(this.openHour, (this.byHour.get(this.openHour) ?? 0) + this.openHourCount);
    this.openHourCount = 0;
  }

  /** Everything counted so far, as plain JSON: what an exactly-once checkpoint carries. */
  snapshot(): RunSummarySnapshot {
    this.closeHour();
    return {
      valid: this.valid,
      late: this.late,
      malformed: { ...this.malformed },
      badRecords: Object.fromEntries(this.badRecords),
      byHour: Object.fromEntries(this.byHour),
      firstMs: this.valid > 0 ? this.firstMs : null,
      lastMs: this.valid > 0 ? this.lastMs : null,
    };
  }

  /** Continues from a snapshot (a resumed run): the summary then covers the whole run, not the rest. */
  restore(snapshot: RunSummarySnapshot, deliveredBefore: number): void {
    this.deliveredBefore = deliveredBefore;
    this.valid = snapshot.valid;
    this.late = snapshot.late;
    Object.assign(this.malformed, snapshot.malformed);
    this.badRecords.clear();
    for (const [reason, count] of Object.entries(snapshot.badRecords)) this.badRecords.set(reason, count);
    this.byHour.clear();
    this.openHourCount = 0;
    for (const [hour, count] of Object.entries(snapshot.byHour)) this.byHour.set(Number(hour), count);
    this.firstMs = snapshot.firstMs ?? Number.POSITIVE_INFINITY;
    this.lastMs = snapshot.lastMs ?? Number.NEGATIVE_INFINITY;
  }

  addMalformed(kind: keyof RunSummary['malformed']): void {
    this.malformed[kind]++;
  }

  addBadRecord(reason: string): void {
    this.badRecords.set(reason, (this.badRecords.get(reason) ?? 0) + 1);
  }

  toJSON(counters: PublishCounters, completed: boolean): RunSummaryJson {
    this.closeHour();
    let failed = 0;
    for (const count of counters.failed.values()) failed += count;
    let badTotal = 0;
    for (const count of this.badRecords.values()) badTotal += count;
    return {
      command: this.command,
      topic: this.topic,
      valid: this.valid,
      malformed: { total: this.malformed.not_json + this.malformed.schema_invalid, ...this.malformed },
      late: this.late,
      badRecords: { total: badTotal, byReason: Object.fromEntries([...this.badRecords].sort()) },
      delivery: { delivered: this.deliveredBefore + deliveredTo(counters, this.topic), failed },
      validByEventHour: Object.fromEntries([...this.byHour].sort(([a], [b]) => a - b).map(([hour, count]) => [hourKey(hour), count])),
      firstEventTime: this.valid > 0 ? new Date(this.firstMs).toISOString() : null,
      lastEventTime: this.valid > 0 ? new Date(this.lastMs).toISOString() : null,
      completed,
    };
  }

  async write(path: string, counters: PublishCounters, completed: boolean): Promise<void> {
    await writeFile(path, `${JSON.stringify(this.toJSON(counters, completed), null, 2)}\n`);
  }
}
