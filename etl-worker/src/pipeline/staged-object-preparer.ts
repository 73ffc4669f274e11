import { rm } from 'node:fs/promises';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { LISTENING_EVENTS_COLUMNS, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import { copyLinesExcept } from '../source/spooled-lines.js';
import { downloadStagedObject, type LinesRead, readSpooledLines, readStagedLines, type StagedObjectSource } from '../source/staged-object-reader.js';
import type { ExtraColumn } from '../transform/lake-sql.js';
import type { ExtraColumnType, LineChecker, LineSummary } from '../validate/event-validator.js';
import { DEFAULT_EVENT_TIME_WINDOW, EventTimeBounds, type EventTimeWindow } from '../validate/event-time-window.js';
import { ExtraColumnTypes } from '../validate/extra-column-types.js';
import type { RejectReason } from '../validate/reasons.js';
import { detached, ExactEventIds, HashedEventIds, type EventIdFilter } from './event-id-filter.js';
import { hourPartitionOf, type HourPartition } from './lake-keys.js';

export interface RejectedLine {
  reason: RejectReason;
  message: string;
  line: string;
  /** Kafka offset of the record, exact when the staged object's offsets are contiguous. */
  offset: number;
}

export interface HourBucket {
  partition: HourPartition;
  /**
   * The Iceberg values of the table's field partitions (identity, bucket) as the validator gave
   * them (a JSON array, in spec order), for tables that have them: one file per hour and value.
   */
  partitionKey?: string;
  /** The bucket's valid lines, in input order, when the object is cut per bucket (spec tables). */
  lines?: string[];
  rowCount: number;
  eventTimeMinMs: number;
  eventTimeMaxMs: number;
}

/** How a table's lines are cut into files beyond the event hour (table specs); none for listening_events. */
export interface BucketLayout {
  /** Keep each bucket's lines apart: its file is written from them. */
  linesPerBucket: boolean;
  /**
   * Per field partition (spec order), the most distinct values one staged object may hold
   * (identity fields with max_distinct_per_object); undefined for a bucket[N] field, bounded by N.
   */
  maxDistinct?: ReadonlyArray<number | undefined>;
}

/** One staged object, downloaded, checked and validated: everything the writer needs, nothing written yet. */
export interface PreparedObject {
  manifest: StagedFileManifest;
  /** Valid, de-duplicated raw lines, in input order, when there is no spool (empty when `validLinesPath` is set). */
  lines: string[];
  /**
   * A local NDJSON file (tmpfs) of exactly the valid, de-duplicated lines, in input order, as they were
   * downloaded: the spooled staged object itself when nothing was dropped, else a filtered copy of it.
   * DuckDB reads it; the writer deletes it.
   */
  validLinesPath?: string;
  /**
   * The sink vouched that every line is in the canonical form this worker checks (the manifest's
   * `canonical_form`): nothing was read here, `validLinesPath` is the staged object itself (gzip,
   * checksum verified), `buckets` is empty and `lineCount` the manifest's record count. The writer
   * has DuckDB read it and takes the buckets from what DuckDB wrote, after checking what a line
   * check would still have caught (repeated event ids, event times out of range); if any is found
   * the object is prepared again line by line (VouchedObjectNeedsLineCheck).
   */
  vouched?: {
    /** The event times accepted, as of this prepare (what the line check would have applied). */
    eventTimes: EventTimeBounds;
  };
  buckets: HourBucket[];
  extras: ExtraColumn[];
  rejected: RejectedLine[];
  duplicateCount: number;
  lineCount: number;
}

const MAX_CHUNKS_IN_FLIGHT = 4;

type LineSource = (onLines: (lines: string[]) => Promise<void>) => Promise<LinesRead>;

/** What one read of a staged object's lines found. */
interface ValidationPass {
  /** Valid, first-seen lines, only when there is no spool. */
  lines: string[];
  /** Indices of rejected and repeated lines. */
  dropped: Set<number>;
  rejected: RejectedLine[];
  buckets: Map<string, OpenBucket>;
  extras: Map<string, ExtraColumnType>;
  duplicateCount: number;
  lineCount: number;
  /** An event id's hash repeated: the pass must be redone with exact ids. */
  unsure: boolean;
  /** Some line is not valid UTF-8: its bytes are not the text that was validated. */
  invalidUtf8: boolean;
}

interface OpenBucket {
  hourKey: string;
  partitionKey?: string;
  lines?: string[];
  partition: HourPartition;
  rowCount: number;
  minTs: string;
  maxTs: string;
}

/**
 * Download → sha256 → gunzip → validate → de-duplicate → bucket by event hour. A new column's
 * type is the table's (ExtraColumnTypes): a field of another type is a breaking change and is
 * quarantined, never coerced.
 */
export class StagedObjectPreparer {
  constructor(
    private readonly source: StagedObjectSource,
    private readonly checker: LineChecker,
    /** A fresh local path (tmpfs) for the spooled staged object; without it there is no fast path. */
    private readonly spoolPath?: () => string,
    /** The event-id filter of a first pass over a spooled object (tests inject colliding hashes). */
    private readonly firstPassIds: () => EventIdFilter = () => new HashedEventIds(),
    /** Types of new columns, shared with the writer's table schemas (app.ts seeds it from the table). */
    private readonly extraTypes: ExtraColumnTypes = new ExtraColumnTypes(new Set(LISTENING_EVENTS_COLUMNS.map((c) => c.name))),
    /** Event times accepted (others are quarantined), as of the clock's now at each object. */
    private readonly eventTimes: { window: EventTimeWindow; now: () => number } = { window: DEFAULT_EVENT_TIME_WINDOW, now: Date.now },
    /** How a spec table's lines are cut beyond the event hour; listening_events has no layout. */
    private readonly layout?: BucketLayout,
    /** Objects the sink vouched for skip the line check (ETL_TRUST_SINK_VOUCH; PreparedObject.vouched). */
    private readonly trustVouches = true,
  ) {}

  /**
   * `engineRejected`: lines (exact text) the Parquet engine refused in an earlier attempt, with its
   * message; they are quarantined as `engine_rejected` this time (see LinesRejectedByEngine).
   */
  async prepare(manifest: StagedFileManifest, engineRejected?: ReadonlyMap<string, string>, lineByLine = engineRejected !== undefined): Promise<PreparedObject> {
    const spool = this.spoolPath?.();
    if (spool && !lineByLine && this.takesVouch(manifest)) {
      // DuckDB picks gzip from the name.
      const gzipPath = `${spool}.gz`;
      try {
        await downloadStagedObject(this.source, manifest, gzipPath);
      } catch (err) {
        await rm(gzipPath, { force: true });
        throw err;
      }
      return { manifest, lines: [], validLinesPath: gzipPath, vouched: { eventTimes: new EventTimeBounds(this.eventTimes.window, this.eventTimes.now()) }, buckets: [], extras: [], rejected: [], duplicateCount: 0, lineCount: manifest.record_count };
    }
    try {
      // With a spool, ids are remembered as hashes; a repeated hash means "validate it all again,
      // exactly", from the spooled copy (see event-id-filter.ts). Without one there is no second read.
      let pass = await this.validatePass(manifest, (onLines) => readStagedLines(this.source, manifest, onLines, spool), spool === undefined, spool ? this.firstPassIds() : new ExactEventIds(), engineRejected);
      if (pass.unsure && spool) pass = await this.validatePass(manifest, (onLines) => readSpooledLines(spool, onLines), false, new ExactEventIds(), engineRejected);
      let validLinesPath = spool;
      // A line that is not valid UTF-8 was validated as decoded (U+FFFD for the bad bytes); DuckDB
      // would refuse the raw file, and the object would fail on every retry. The filtered copy
      // writes such lines as they were validated.
      if (spool && (pass.dropped.size > 0 || pass.invalidUtf8)) {
        validLinesPath = `${spool}.valid`;
        const copied = await copyLinesExcept(spool, validLinesPath, pass.dropped);
        const kept = pass.lineCount - pass.dropped.size;
        if (copied !== kept) throw new PipelineError('INTERNAL', `staged object ${manifest.key}: copied ${copied} valid lines, validation kept ${kept}`);
        await rm(spool, { force: true });
      }
      return {
        validLinesPath,
        manifest,
        lines: pass.lines,
        buckets: [...pass.buckets.keys()].sort().map((k) => {
          const { partition, partitionKey, lines, rowCount, minTs, maxTs } = pass.buckets.get(k)!;
          return { partition, ...(partitionKey !== undefined ? { partitionKey } : {}), ...(lines ? { lines } : {}), rowCount, eventTimeMinMs: Date.parse(minTs), eventTimeMaxMs: Date.parse(maxTs) };
        }),
        extras: [...pass.extras].sort(([a], [b]) => a.localeCompare(b)).map(([name, type]) => ({ name, type })),
        rejected: pass.rejected,
        duplicateCount: pass.duplicateCount,
        lineCount: pass.lineCount,
      };
    } catch (err) {
      if (spool) await Promise.all([rm(spool, { force: true }), rm(`${spool}.valid`, { force: true })]);
      throw err;
    }
  }

  /**
   * Whether the sink's vouch stands in for the line check: it names exactly the canonical form this
   * worker's checker accepts as is, for plain NDJSON of a table without a bucket layout, and the
   * operator has not turned vouches off (ETL_TRUST_SINK_VOUCH).
   */
  private takesVouch(manifest: StagedFileManifest): boolean {
    return this.trustVouches && manifest.format === 'ndjson' && !this.layout && manifest.canonical_form !== undefined && manifest.canonical_form === this.checker.canonicalForm;
  }

  /**
   * Why a new (hour, partition value) bucket would break an identity field's bound on distinct
   * values per object, if it would; otherwise its values are counted as seen.
   */
  private excessValue(partitionKey: string, distinct: Array<Set<string>>): string | undefined {
    const bounds = this.layout?.maxDistinct;
    if (!bounds) return undefined;
    const values = (JSON.parse(partitionKey) as unknown[]).map((v) => JSON.stringify(v));
    for (const [i, bound] of bounds.entries()) {
      if (bound !== undefined && !distinct[i]!.has(values[i]!) && distinct[i]!.size >= bound) {
        return `partition field ${i + 1} would take a value beyond the ${bound} distinct values one staged object may hold (max_distinct_per_object): ${values[i]!.slice(0, 64)}`;
      }
    }
    values.forEach((v, i) => distinct[i]?.add(v));
    return undefined;
  }

  /** One read of the object's lines: validate, de-duplicate, bucket. */
  private async validatePass(manifest: StagedFileManifest, read: LineSource, keepLines: boolean, ids: EventIdFilter, engineRejected?: ReadonlyMap<string, string>): Promise<ValidationPass> {
    const { source } = manifest;
    const contiguous = manifest.record_count === source.last_offset - source.first_offset + 1;
    const bounds = new EventTimeBounds(this.eventTimes.window, this.eventTimes.now());
    const pass: ValidationPass = { lines: [], dropped: new Set(), rejected: [], buckets: new Map(), extras: new Map(), duplicateCount: 0, lineCount: 0, unsure: false, invalidUtf8: false };
    let lastBucket: OpenBucket | undefined;
    // Distinct values per field partition in this object (identity bounds, BucketLayout.maxDistinct).
    const distinct = (this.layout?.maxDistinct ?? []).map(() => new Set<string>());
    const reject = (reason: RejectReason, message: string, line: string, lineIndex: number): void => {
      pass.dropped.add(lineIndex);
      pass.rejected.push({ reason, message, line: detached(line), offset: contiguous ? source.first_offset + lineIndex : source.first_offset });
    };

    const apply = (line: string, verdict: LineSummary): void => {
      const lineIndex = pass.lineCount++;
      const refused = engineRejected?.get(line);
      if (refused !== undefined) {
        reject('engine_rejected', refused, line, lineIndex);
        return;
      }
      if (!verdict.ok) {
        reject(verdict.reason, verdict.message, line, lineIndex);
        return;
      }
      if (verdict.extras) {
        const conflict = verdict.extras.find(([name, type]) => this.extraTypes.conflict(name, type) !== undefined);
        if (conflict) {
          reject('breaking_change', `field ${conflict[0]} is ${conflict[1]}, its column is ${this.extraTypes.get(conflict[0])}`, line, lineIndex);
          return;
        }
        const newNames = verdict.extras.filter(([name]) => this.extraTypes.get(name) === undefined).map(([name]) => name);
        if (newNames.length > 0 && this.extraTypes.size + newNames.length > this.extraTypes.maxColumns) {
          reject('unsupported_field', `field ${newNames[0]!.slice(0, 64)} would be a new column past the cap of ${this.extraTypes.maxColumns} (ETL_MAX_NEW_COLUMNS)`, line, lineIndex);
          return;
        }
        for (const [name, type] of verdict.extras) {
          this.extraTypes.remember(name, type);
          pass.extras.set(name, type);
        }
      }
      const { eventId, ts } = verdict;
      const outOfRange = bounds.problem(ts);
      if (outOfRange) {
        reject('event_time_out_of_range', outOfRange, line, lineIndex);
        return;
      }
      const fresh = ids.add(eventId);
      if (fresh === false) {
        pass.duplicateCount++;
        pass.dropped.add(lineIndex);
        return;
      }
      // Counted as new for now; the caller redoes the whole object exactly.
      if (fresh === 'maybe') pass.unsure = true;
      const partitionKey = verdict.partition;
      // Lines come mostly in event-time order: the previous line's hour is the likely one, found without a lookup.
      let bucket = lastBucket !== undefined && ts.startsWith(lastBucket.hourKey) && lastBucket.partitionKey === partitionKey ? lastBucket : undefined;
      if (!bucket) {
        const hourKey = ts.slice(0, 13);
        const key = partitionKey === undefined ? hourKey : `${hourKey}|${partitionKey}`;
        bucket = pass.buckets.get(key);
        if (!bucket) {
          const excess = partitionKey === undefined ? undefined : this.excessValue(partitionKey, distinct);
          if (excess) {
            // The line was counted as seen: a repeat of it is a duplicate, as anywhere else.
            reject('too_many_partition_values', excess, line, lineIndex);
            return;
          }
          bucket = { hourKey, partition: hourPartitionOf(ts), rowCount: 0, minTs: ts, maxTs: ts, ...(partitionKey !== undefined ? { partitionKey } : {}), ...(this.layout?.linesPerBucket ? { lines: [] } : {}) };
          pass.buckets.set(key, bucket);
        }
        lastBucket = bucket;
      }
      bucket.lines?.push(line);
      // The raw line goes to DuckDB (it parses faster than we can re-serialise), but a lower-case
      // country was fixed on the parsed copy only; SQL upper() repeats that normalisation.
      if (keepLines && !bucket.lines) pass.lines.push(line);
      bucket.rowCount++;
      // Mostly in order: a new maximum cannot be a new minimum.
      if (isEarlier(bucket.maxTs, ts)) bucket.maxTs = ts;
      else if (isEarlier(ts, bucket.minTs)) bucket.minTs = ts;
    };

    // Chunks are checked concurrently (worker threads) but applied strictly in input order, so
    // "first event_id wins" and new-column typing do not depend on timing. A few chunks in flight
    // keep the checkers busy while memory stays bounded.
    const unsupported = manifest.format !== 'ndjson';
    const inFlight: Array<Promise<void>> = [];
    let applied: Promise<void> = Promise.resolve();
    try {
      const bytes = await read(async (chunk) => {
        const verdicts = unsupported
          ? chunk.map((): LineSummary => ({ ok: false, reason: 'unsupported_format', message: `staged format ${manifest.format} is not read by this worker` }))
          : this.checker.checkLines(chunk);
        applied = applied.then(async () => {
          const list = await verdicts;
          for (let i = 0; i < chunk.length; i++) apply(chunk[i]!, list[i]!);
        });
        inFlight.push(applied);
        if (inFlight.length > MAX_CHUNKS_IN_FLIGHT) await inFlight.shift();
      });
      pass.invalidUtf8 = !bytes.validUtf8;
      await applied;
    } catch (err) {
      await applied.catch(() => undefined);
      throw err;
    }
    return pass;
  }
}

/**
 * Validated `ts` values are ISO-8601 UTC; of equal length they order as strings, which is much
 * cheaper per line than Date.parse. Different precisions fall back to parsing.
 */
function isEarlier(a: string, b: string): boolean {
  return a.length === b.length ? a < b : Date.parse(a) < Date.parse(b);
}
