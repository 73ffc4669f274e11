import { readFile, rm } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import type { Logger } from 'pino';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { LISTENING_EVENTS_COLUMNS, LISTENING_EVENTS_TABLE, type LakeFileManifest, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import type { ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { deserializeBound } from '@spotify-pipeline/shared/iceberg';
import { deadLetterRecord, type OutgoingRecord } from '@spotify-pipeline/shared/kafka';
import type { EtlMetrics } from '../metrics.js';
import { fieldsOf, type ColumnFields } from '../parquet/copy-options.js';
import type { DuckDbEncoder } from '../parquet/duckdb-encoder.js';
import { EngineRejectedInput, isolateRejectedLines, LinesRejectedByEngine, VouchedObjectNeedsLineCheck } from '../parquet/engine-rejection.js';
import { putFile, type LakeStore } from '../sink/lake-store.js';
import { MemorySchemaCatalog } from '../sink/memory-schema-catalog.js';
import { TableSchemas } from '../sink/table-schemas.js';
import type { FileFooter } from '../parquet/file-metrics.js';
import { type ExtraColumn } from '../transform/lake-sql.js';
import { listeningEventColumnNames } from '../transform/spec-table-sql.js';
import { specTableColumnNames } from '../transform/spec-table-sql.js';
import { REJECT_REASONS, type RejectReason } from '../validate/reasons.js';
import { publishedWatermarkMs } from './event-time-watermark.js';
import { fieldPartitionValues, lakeFileKey, quarantineKey, specFileKey, specPartitionValues } from './lake-keys.js';
import type { EventTimeBounds } from '../validate/event-time-window.js';
import type { HourBucket, PreparedObject, RejectedLine } from './staged-object-preparer.js';

/** What one staged object turns into: the objects are durable, the records are not yet produced. */
export interface ObjectOutcome {
  /** `pipeline.lake-files` manifests (add + quarantine). */
  manifests: LakeFileManifest[];
  /** The rejected lines as DLQ records. */
  dlq: OutgoingRecord[];
  rowsOut: number;
}

export interface WriterTopics {
  dlq: string;
  /** KAFKA_MESSAGE_MAX_BYTES: a dead letter is cut to fit it (default librdkafka's 1,000,000). */
  messageMaxBytes?: number;
}

export interface WriterOptions {
  /** The wall clock: `written_at_ms`, and the bound of the published watermark (publishedWatermarkMs). */
  now?: () => number;
  /**
   * The tables' schemas: field ids for every column, new columns committed to the table first.
   * The worker passes the catalog's; without one (benchmark, offline replays) an in-memory
   * catalog gives a fresh table's ids.
   */
  schemas?: TableSchemas;
  /**
   * The table spec of a table other than listening_events: its files are cut per event hour and
   * field-partition values and written with the SQL the spec implies. Without one, the writer
   * writes listening_events.
   */
  spec?: ResolvedTableSpec;
}

/** A file the encoder wrote for one bucket of the prepared object. */
type EncodedFile = { path: string } & FileFooter;

/**
 * Writes a prepared staged object to the lake: one Parquet data file per event hour (Iceberg field
 * ids from the table's schema, column metrics from the footer), one quarantine object per reject
 * reason, all at deterministic keys, then describes them as manifests. Nothing written here is
 * part of the table until catalog-sync commits the manifests in a snapshot.
 */
export class LakeObjectWriter {
  /** Highest event time seen per source partition, bounded by the clock (publishedWatermarkMs): the manifests' watermark. */
  private readonly watermarks = new Map<string, number>();
  private readonly now: () => number;
  private readonly schemas: TableSchemas;
  private readonly spec: ResolvedTableSpec | undefined;
  /** The lake table this writer writes. */
  readonly table: string;

  constructor(
    private readonly encoder: DuckDbEncoder,
    private readonly store: LakeStore,
    private readonly topics: WriterTopics,
    private readonly metrics: EtlMetrics,
    private readonly logger: Logger,
    options: WriterOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.schemas = options.schemas ?? new TableSchemas(new MemorySchemaCatalog(), logger);
    this.spec = options.spec;
    this.table = options.spec?.table ?? LISTENING_EVENTS_TABLE;
  }

  /** Every column a file of the prepared object holds, in order (the table's, then its new ones). */
  private columnNames(extras: ExtraColumn[]): string[] {
    return this.spec ? specTableColumnNames(this.spec, extras) : listeningEventColumnNames(extras);
  }

  /** Files in bucket order: listening_events in one partitioned COPY, a spec table one COPY per bucket. */
  private async encode(prepared: PreparedObject, input: { lines: string[] } | { ndjsonPath: string; lineCount: number }, dir: string, fields: ColumnFields): Promise<EncodedFile[]> {
    if (this.spec) return this.encoder.encodeSpecBuckets(this.spec, prepared.buckets.map((b) => ({ lines: b.lines ?? [] })), prepared.extras, dir, fields);
    const files = await this.encoder.encodeListeningEventsByHour(input, prepared.extras, dir, fields);
    if (files.length !== prepared.buckets.length) throw new PipelineError('INTERNAL', `DuckDB wrote ${files.length} hour files, validation found ${prepared.buckets.length} hours`);
    return prepared.buckets.map((bucket) => {
      // JS and DuckDB must agree on every row's hour, or a row is in the wrong partition.
      const file = files.find((f) => f.dt === bucket.partition.dt && f.hour === bucket.partition.hour);
      if (!file) throw new PipelineError('INTERNAL', `partition ${bucket.partition.dt}/${bucket.partition.hour}: DuckDB wrote no file, validation counted ${bucket.rowCount} rows`);
      return file;
    });
  }

  private probe(lines: readonly string[], extras: ExtraColumn[], fields: ColumnFields): Promise<void> {
    return this.spec ? this.encoder.probeSpec(this.spec, lines, extras, fields) : this.encoder.probe(lines, extras, fields);
  }

  /** Where a bucket's file goes, and its partition values beyond the event hour (spec tables). */
  private placement(bucket: HourBucket, source: StagedFileManifest['source']): { key: string; partitionValues?: LakeFileManifest['partition_values'] } {
    if (!this.spec) return { key: lakeFileKey(LISTENING_EVENTS_TABLE, bucket.partition, source) };
    const tuple = specPartitionValues(this.spec, bucket.partition, bucket.partitionKey);
    const partitionValues = fieldPartitionValues(this.spec.partitionSpec, tuple);
    return { key: specFileKey(this.spec, bucket.partition, tuple, source), ...(partitionValues ? { partitionValues } : {}) };
  }

  /**
   * Encodes the object's valid lines; when DuckDB refuses them, finds the lines it refuses (by
   * bisection) and reports them, so the object is prepared again with those lines quarantined
   * instead of failing as a whole on every retry.
   */
  private async encodeOrIsolate(prepared: PreparedObject, input: Parameters<DuckDbEncoder['encodeListeningEventsByHour']>[0], dir: string, fields: ColumnFields): Promise<EncodedFile[]> {
    try {
      return await this.encode(prepared, input, dir, fields);
    } catch (err) {
      if (!(err instanceof EngineRejectedInput)) throw err;
      const lines = prepared.validLinesPath
        ? (await readFile(prepared.validLinesPath, 'utf8')).split('\n').filter((l) => l.length > 0)
        : this.spec
          ? prepared.buckets.flatMap((b) => b.lines ?? [])
          : prepared.lines;
      const rejected = await isolateRejectedLines(lines, (chunk) => this.probe(chunk, prepared.extras, fields));
      this.logger.warn({ staged: prepared.manifest.key, lines: lines.length, rejected: rejected.size, reason: err.message }, 'EngineRejectedLinesIsolated');
      // Refused whole, yet no line alone: nothing to quarantine line by line; the object is poison.
      if (rejected.size === 0) throw err;
      throw new LinesRejectedByEngine(prepared.manifest.key, rejected);
    }
  }

  /** Staged objects this writer encodes at once (the encoder's DuckDB connections). */
  get parallelWrites(): number {
    return this.encoder.parallelWrites;
  }

  /**
   * Watermarks are taken in the order writes start (input order: a manifest's watermark covers
   * every earlier object, never a later one), though encodes on parallel connections end in any order.
   */
  private watermarkTurn: Promise<void> = Promise.resolve();

  async write(prepared: PreparedObject): Promise<ObjectOutcome> {
    const previousTurn = this.watermarkTurn;
    let endTurn!: () => void;
    this.watermarkTurn = new Promise<void>((resolve) => (endTurn = resolve));
    try {
      return await this.writeObject(prepared, async (buckets) => {
        await previousTurn;
        const staged = prepared.manifest;
        const watermarkKey = `${staged.source.topic}:${staged.source.partition}`;
        // The staged max is a Kafka timestamp (bounded only at year 9999): never past this writer's clock.
        const objectMaxMs = Math.max(staged.event_time_max_ms, ...buckets.map((b) => b.eventTimeMaxMs));
        const watermarkMs = publishedWatermarkMs(this.watermarks.get(watermarkKey), objectMaxMs, this.now());
        this.watermarks.set(watermarkKey, watermarkMs);
        return watermarkMs;
      });
    } finally {
      endTurn();
    }
  }

  /**
   * The buckets and files of a vouched object, from what DuckDB wrote: one file per event hour,
   * its rows and event-time range. Throws VouchedObjectNeedsLineCheck when the rows hold what the
   * line check would have dropped (a repeated event id, an event time out of range) or DuckDB
   * refuses the object: prepared again line by line, that check names and quarantines it.
   */
  private async encodeVouched(prepared: PreparedObject, eventTimes: EventTimeBounds, dir: string, fields: ColumnFields): Promise<{ buckets: HourBucket[]; files: EncodedFile[] }> {
    const key = prepared.manifest.key;
    let files: Awaited<ReturnType<DuckDbEncoder['encodeListeningEventsByHour']>>;
    try {
      files = await this.encoder.encodeListeningEventsByHour({ ndjsonPath: prepared.validLinesPath!, lineCount: prepared.lineCount }, [], dir, fields);
    } catch (err) {
      // A refused line, a row count other than the manifest's, bytes that are not gzip ("IO Error: Input
      // is not a GZIP stream", which reads like a local IO failure): not what the sink vouched for, and
      // the line check names it (a torn gzip is poison there, not retried forever). Only the machine
      // failing under DuckDB is rethrown as it is; the line check would meet it too.
      if (err instanceof PipelineError && (err.code === 'LOCAL_DISK_FULL' || err.code === 'LOCAL_OUT_OF_MEMORY')) throw err;
      throw new VouchedObjectNeedsLineCheck(key, (err as Error).message);
    }
    const distinct = await this.encoder.distinctEventIds(files.map((f) => f.path));
    if (distinct !== prepared.lineCount) throw new VouchedObjectNeedsLineCheck(key, `${prepared.lineCount - distinct} line(s) repeat an event id`);
    // Each file's event-time range from its footer's bounds of `ts` (exact for timestamps): no second read of the rows.
    const tsId = String(fields.get('ts')?.id);
    const boundMs = (bound: string | undefined): number | undefined => (bound === undefined ? undefined : Math.floor(Number(deserializeBound('timestamp', Buffer.from(bound, 'base64'))) / 1000));
    const buckets = files.map((file): HourBucket => {
      const minMs = boundMs(file.metrics.lower_bounds[tsId]);
      const maxMs = boundMs(file.metrics.upper_bounds[tsId]);
      if (minMs === undefined || maxMs === undefined) throw new VouchedObjectNeedsLineCheck(key, `${file.path} has no bounds of ts in its footer`);
      return { partition: { dt: file.dt, hour: file.hour }, rowCount: file.rows, eventTimeMinMs: minMs, eventTimeMaxMs: maxMs };
    });
    for (const bucket of buckets) {
      const problem = eventTimes.problem(new Date(bucket.eventTimeMinMs).toISOString()) ?? eventTimes.problem(new Date(bucket.eventTimeMaxMs).toISOString());
      if (problem) throw new VouchedObjectNeedsLineCheck(key, problem);
    }
    return { buckets, files };
  }

  /** write() once its turn for the watermark is arranged: `watermark` is called after encoding, with the object's buckets. */
  private async writeObject(prepared: PreparedObject, watermark: (buckets: readonly HourBucket[]) => Promise<number>): Promise<ObjectOutcome> {
    const { manifest: staged } = prepared;
    const manifests: LakeFileManifest[] = [];
    let rowsOut = 0;
    let buckets = prepared.buckets;
    const baseOf = (watermarkMs: number) => ({
      schema_version: 1 as const,
      table: this.table,
      bucket: this.store.bucket,
      source: staged.source,
      staged_key: staged.key,
      input: { staged_record_count: prepared.lineCount, rejected_count: prepared.rejected.length, duplicate_count: prepared.duplicateCount },
      watermark_ms: watermarkMs,
      replaces: [],
    });
    // What every manifest of the object shares; its watermark is known once the object is encoded.
    let base!: ReturnType<typeof baseOf>;

    const validCount = prepared.vouched ? prepared.lineCount : buckets.reduce((sum, b) => sum + b.rowCount, 0);
    if (validCount === 0) {
      base = baseOf(await watermark(buckets));
    } else {
      const dir = this.encoder.tempPath('.out');
      try {
        const started = performance.now();
        // New columns reach the table before any file holding them: ids and types are the table's.
        const tableFields = await this.schemas.fields(this.table, [...(this.spec?.columns ?? LISTENING_EVENTS_COLUMNS), ...prepared.extras]);
        const fields = fieldsOf(tableFields, this.columnNames(prepared.extras));
        let files: EncodedFile[];
        if (prepared.vouched) {
          if (this.spec) throw new PipelineError('INTERNAL', `vouched object ${staged.key} routed to spec table ${this.spec.table}: vouches are for listening_events`);
          ({ buckets, files } = await this.encodeVouched(prepared, prepared.vouched.eventTimes, dir, fields));
        } else {
          const input = prepared.validLinesPath ? { ndjsonPath: prepared.validLinesPath, lineCount: validCount } : { lines: prepared.lines };
          files = await this.encodeOrIsolate(prepared, input, dir, fields);
        }
        this.metrics.parquetWrite.observe((performance.now() - started) / 1000);
        base = baseOf(await watermark(buckets));
        for (const [i, bucket] of buckets.entries()) {
          const file = files[i]!;
          if (file.rows !== bucket.rowCount) {
            throw new PipelineError('INTERNAL', `partition ${bucket.partition.dt}/${bucket.partition.hour}${bucket.partitionKey ? ` ${bucket.partitionKey}` : ''}: DuckDB wrote ${file.rows} rows, validation counted ${bucket.rowCount}`);
          }
          const { key, partitionValues } = this.placement(bucket, staged.source);
          const stored = await putFile(this.store, key, file.path);
          rowsOut += file.rows;
          this.metrics.fileSize.observe(stored.sizeBytes);
          this.count('add', stored.sizeBytes);
          manifests.push({
            ...base,
            operation: 'add',
            key,
            partition: bucket.partition,
            ...(partitionValues ? { partition_values: partitionValues } : {}),
            size_bytes: stored.sizeBytes,
            sha256: stored.sha256,
            row_count: file.rows,
            event_time_min_ms: bucket.eventTimeMinMs,
            event_time_max_ms: bucket.eventTimeMaxMs,
            new_columns: prepared.extras.map((c) => ({ name: c.name, type: c.type })),
            written_at_ms: this.now(),
            metrics: file.metrics,
          });
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
        if (prepared.validLinesPath) await rm(prepared.validLinesPath, { force: true });
      }
    }

    const byReason = new Map<RejectReason, RejectedLine[]>();
    for (const r of prepared.rejected) byReason.set(r.reason, [...(byReason.get(r.reason) ?? []), r]);
    for (const [reason, lines] of [...byReason].sort(([a], [b]) => a.localeCompare(b))) {
      const key = quarantineKey(this.table, reason, staged.source);
      const body = gzipSync(
        lines
          .map((r) =>
            JSON.stringify({ reason, message: r.message, source: { topic: staged.source.topic, partition: staged.source.partition, offset: r.offset }, line: r.line }),
          )
          .join('\n') + '\n',
      );
      const stored = await this.store.put(key, body, 'application/x-ndjson');
      this.count('quarantine', stored.sizeBytes);
      this.metrics.rowsRejected.inc({ reason }, lines.length);
      manifests.push({
        ...base,
        operation: 'quarantine',
        key,
        partition: null,
        size_bytes: stored.sizeBytes,
        sha256: stored.sha256,
        row_count: lines.length,
        event_time_min_ms: staged.event_time_min_ms,
        event_time_max_ms: staged.event_time_max_ms,
        new_columns: [],
        written_at_ms: this.now(),
      });
    }

    const dlq = prepared.rejected.map((r) => this.dlqRecord(prepared, r));
    this.metrics.stagedObjects.inc();
    if (prepared.vouched) this.metrics.vouchedObjects.inc({ outcome: 'taken' });
    this.metrics.rowsIn.inc(prepared.lineCount);
    this.metrics.rowsOut.inc({ table: this.table }, rowsOut);
    this.metrics.rowsDuplicate.inc(prepared.duplicateCount);
    this.logger.debug({ staged: staged.key, files: manifests.length, rowsOut, rejected: prepared.rejected.length }, 'StagedObjectWritten');
    return { manifests, dlq, rowsOut };
  }

  private count(operation: string, bytes: number): void {
    this.metrics.filesWritten.inc({ operation });
    this.metrics.bytesWritten.inc({ operation }, bytes);
  }

  private dlqRecord(prepared: PreparedObject, rejected: RejectedLine): OutgoingRecord {
    const { source } = prepared.manifest;
    return deadLetterRecord({
      topic: this.topics.dlq,
      value: Buffer.from(rejected.line),
      key: null,
      code: REJECT_REASONS[rejected.reason],
      reason: `${rejected.reason}: ${rejected.message}`,
      source: { topic: source.topic, partition: source.partition, offset: rejected.offset },
      stage: 'etl',
      messageMaxBytes: this.topics.messageMaxBytes ?? 1_000_000,
    });
  }
}
