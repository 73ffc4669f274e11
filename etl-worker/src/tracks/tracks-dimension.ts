import { createHash } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { closeConsumer, consumeBatch, createConsumer, type KafkaConsumer, type KafkaSettings, type TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { toDuckDbType, trackV1, TRACKS_COLUMNS, TRACKS_TABLE, type LakeFileManifest, type Track } from '@spotify-pipeline/shared/schemas';
import { commitLakeTransaction } from '../commit/lake-commit.js';
import type { TransactionQueue } from '../commit/transaction-queue.js';
import type { EtlMetrics } from '../metrics.js';
import { parquetCopyOptions } from '../parquet/copy-options.js';
import type { DuckDbEncoder } from '../parquet/duckdb-encoder.js';
import { tracksSnapshotKey } from '../pipeline/lake-keys.js';
import { putFile, type LakeStore } from '../sink/lake-store.js';
import type { TableSchemas } from '../sink/table-schemas.js';
import { quoteIdent, sqlString } from '../transform/lake-sql.js';

export interface TracksDimensionDeps {
  settings: KafkaSettings;
  topic: string;
  groupId: string;
  encoder: DuckDbEncoder;
  store: LakeStore;
  /** Field ids of the tracks table's columns (added to the table first if it lacks one). */
  schemas: TableSchemas;
  txn: TransactionalProducer;
  transactions: TransactionQueue;
  lakeFilesTopic: string;
  settleMs: number;
  metrics: EtlMetrics;
  logger: Logger;
  now?: () => number;
}

/**
 * The track dimension: the compacted `tracks` topic read in full by every worker (it is small, and
 * each worker needs all durations for `completion_ratio`), latest value per track_id. When it has
 * changed and then stayed quiet for `settleMs`, a new snapshot is written to
 * `tracks/data/tracks-<content hash>.parquet` and announced by a `compact` manifest of the
 * unpartitioned `tracks` table, which catalog-sync commits as "replace every live file of the
 * table with this one": the table is always exactly one snapshot, whoever wrote the older ones.
 */
export class TracksDimension {
  readonly tracks = new Map<string, Track>();
  private consumer?: KafkaConsumer;
  private lastChangeMs = 0;
  private dirty = false;
  private durationsDirty = false;
  private snapshotKey?: string;

  constructor(private readonly deps: TracksDimensionDeps) {}

  async start(): Promise<void> {
    const { settings, topic, groupId } = this.deps;
    this.consumer = await createConsumer(settings, { clientId: 'etl-tracks', groupId });
    const metadata = await new Promise<{ topics: Array<{ name: string; partitions: Array<{ id: number }> }> }>((resolve, reject) =>
      this.consumer!.getMetadata({ topic, timeout: 10_000 }, (err, data) => (err ? reject(err) : resolve(data as never))),
    );
    const partitions = metadata.topics.find((t) => t.name === topic)?.partitions ?? [];
    // assign(), not subscribe(): every worker needs every track; offset -2 = from the beginning.
    this.consumer.assign(partitions.map((p) => ({ topic, partition: p.id, offset: -2 })));
    this.consumer.setDefaultConsumeTimeout(100);
  }

  /** Reads what is available; true when every partition is read to its end. */
  async poll(): Promise<boolean> {
    const consumer = this.consumer!;
    const messages = await consumeBatch(consumer, 10_000);
    for (const message of messages) {
      const id = message.key?.toString();
      if (message.value === null || message.value === undefined) {
        if (id && this.tracks.delete(id)) this.touch();
        continue;
      }
      const parsed = trackV1.safeParse(safeJson(message.value.toString('utf8')));
      if (!parsed.success) {
        this.deps.metrics.rowsRejected.inc({ reason: 'schema_invalid' });
        this.deps.logger.warn({ partition: message.partition, offset: message.offset }, 'TrackRejected');
        continue;
      }
      this.tracks.set(parsed.data.track_id, parsed.data);
      this.touch();
    }
    const assignment = consumer.assignments();
    const positions = consumer.position(assignment);
    const highs = await Promise.all(assignment.map((tp) => this.highWatermark(tp.partition)));
    return assignment.every((tp, i) => highs[i] === 0 || (highs[i]! >= 0 && (positions[i]?.offset ?? -1) >= highs[i]!));
  }

  /** Pushes changed durations into DuckDB before the next Parquet write uses them. */
  async syncDurations(): Promise<void> {
    if (!this.durationsDirty) return;
    this.durationsDirty = false;
    await this.deps.encoder.setTrackDurations(new Map([...this.tracks.values()].map((t) => [t.uri, t.duration_ms])));
  }

  /** Writes a snapshot when the dimension changed and has settled; returns its manifest if written. */
  async maybeSnapshot(): Promise<LakeFileManifest | undefined> {
    const now = (this.deps.now ?? Date.now)();
    if (!this.dirty || now - this.lastChangeMs < this.deps.settleMs || this.tracks.size === 0) return undefined;
    this.dirty = false;
    return this.snapshot(now);
  }

  async snapshot(now: number): Promise<LakeFileManifest | undefined> {
    const { encoder, store } = this.deps;
    const rows = [...this.tracks.values()].sort((a, b) => a.track_id.localeCompare(b.track_id)).map((t) => JSON.stringify(t));
    const hash = createHash('sha256').update(rows.join('\n')).digest('hex').slice(0, 16);
    const key = tracksSnapshotKey(hash);
    if (key === this.snapshotKey) return undefined;
    const ndjson = encoder.tempPath('.ndjson');
    const parquet = encoder.tempPath('.parquet');
    try {
      await writeFile(ndjson, rows.join('\n'));
      const columns = `{${TRACKS_COLUMNS.map((c) => `${quoteIdent(c.name)}: ${sqlString(toDuckDbType(c.type))}`).join(', ')}}`;
      const fields = await this.deps.schemas.fields(TRACKS_TABLE, TRACKS_COLUMNS);
      const count = await encoder.run(
        `COPY (SELECT * FROM read_ndjson(${sqlString(ndjson)}, columns = ${columns})) TO ${sqlString(parquet)} ${parquetCopyOptions({ rowGroupRows: encoder.rowGroupRows, fields })}`,
      );
      const footer = (await encoder.describeFiles([parquet], fields)).get(parquet);
      if (!footer || footer.rows !== count) throw new PipelineError('INTERNAL', `tracks snapshot holds ${footer?.rows ?? 'no'} rows, DuckDB wrote ${count}`);
      const stored = await putFile(store, key, parquet);
      const updated = [...this.tracks.values()].map((t) => Date.parse(t.updated_at));
      const manifest: LakeFileManifest = {
        schema_version: 1,
        operation: 'compact',
        table: TRACKS_TABLE,
        bucket: store.bucket,
        key,
        partition: null,
        size_bytes: stored.sizeBytes,
        sha256: stored.sha256,
        row_count: count,
        // A snapshot is the whole compacted topic, not an offset range of one partition: the
        // contract needs a range, so it names the topic and leaves the offsets at zero.
        source: { topic: this.deps.topic, partition: 0, first_offset: 0, last_offset: 0 },
        staged_key: null,
        input: null,
        event_time_min_ms: Math.min(...updated),
        event_time_max_ms: Math.max(...updated),
        watermark_ms: Math.max(...updated),
        new_columns: [],
        // Unpartitioned: the committer replaces every live file of the table, so none is named here.
        replaces: [],
        metrics: footer.metrics,
        written_at_ms: now,
      };
      await this.deps.transactions.run(() => commitLakeTransaction(this.deps.txn, undefined, this.deps.lakeFilesTopic, [manifest], [], []));
      this.snapshotKey = key;
      this.deps.metrics.trackSnapshots.inc();
      this.deps.logger.info({ key, tracks: count }, 'TracksSnapshotWritten');
      return manifest;
    } finally {
      await Promise.all([rm(ndjson, { force: true }), rm(parquet, { force: true })]);
    }
  }

  async close(): Promise<void> {
    if (this.consumer) await closeConsumer(this.consumer);
  }

  private touch(): void {
    this.dirty = true;
    this.durationsDirty = true;
    this.lastChangeMs = (this.deps.now ?? Date.now)();
  }

  private highWatermark(partition: number): Promise<number> {
    return new Promise((resolve) => {
      this.consumer!.queryWatermarkOffsets(this.deps.topic, partition, 5_000, (err, offsets) => resolve(err ? -1 : offsets.highOffset));
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
