import { rm } from 'node:fs/promises';
import type { Logger } from 'pino';
import type { TransactionalProducer } from '@spotify-pipeline/shared/kafka';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { currentSchema, defaultSpec, deserializeBound, partitionToPath, type LoadedTable, type TableReader } from '@spotify-pipeline/shared/iceberg';
import { lakeTableDefinition, lakeTables, type LakeFileManifest } from '@spotify-pipeline/shared/schemas';
import { commitLakeTransaction } from '../commit/lake-commit.js';
import type { TransactionQueue } from '../commit/transaction-queue.js';
import type { EtlMetrics } from '../metrics.js';
import type { DuckDbEncoder } from '../parquet/duckdb-encoder.js';
import { compactedFileKey, compactedFileKeyIn, hourStartMs, manifestKey } from '../pipeline/lake-keys.js';
import { putFile, type LakeStore } from '../sink/lake-store.js';
import { partitionEndMs, planCompaction, tablePolicy, type CompactionPlan, type CompactionPolicy, type TableParquet } from './compaction-plan.js';
import { InFlightCompactions } from './in-flight-compactions.js';
import type { ManifestFollower } from './manifest-follower.js';
import { mergeFiles, type MergedFile } from './merge-files.js';
import { hoursOf } from './table-hours.js';

export interface CompactorDeps {
  follower: Pick<ManifestFollower, 'poll' | 'owns' | 'watermarks' | 'sourceTopics'>;
  /** The tables' current metadata (LakeCatalog). */
  tables: { load(table: string): Promise<LoadedTable> };
  reader: Pick<TableReader, 'currentFiles'>;
  encoder: DuckDbEncoder;
  store: LakeStore;
  txn: TransactionalProducer;
  transactions: TransactionQueue;
  lakeFilesTopic: string;
  /** Every table's policy, but for the target size of a table whose spec sets one (`parquet`). */
  policy: CompactionPolicy;
  /**
   * Each table's spec `parquet` settings, by table: its merged files get the spec's codec and, when
   * the spec sets one, its target size. A table not listed is compacted to ZSTD at `policy.targetBytes`.
   */
  parquet: ReadonlyMap<string, TableParquet>;
  metrics: EtlMetrics;
  logger: Logger;
  now?: () => number;
}

/** The tables the compactor looks after: those partitioned by event time (hour or day), spec tables included. */
const timePartitionedTables = (): string[] => lakeTables().filter((t) => t.partitioning !== undefined).map((t) => t.name);

/**
 * Merges the small files of closed hours. It plans from the table's current snapshot (what is
 * live is what Iceberg says), acts only on hours this member owns (ManifestFollower), writes the
 * merged files at keys derived from their inputs, and announces them with `compact` manifests
 * naming the replaced keys, all in one Kafka transaction: catalog-sync commits them as one
 * replace snapshot, so a reader sees the old files or the new, never both, never neither. The old
 * objects stay where they are (readers of older snapshots may still read them) until snapshot
 * expiry and orphan-file removal take them.
 */
export class Compactor {
  /** Per table: a generation is settled against the live files of its own table. */
  private readonly inFlight = new Map<string, InFlightCompactions>();

  constructor(private readonly deps: CompactorDeps) {}

  /** One round over every time-partitioned table; returns how many hours it compacted. A failure waits for the next round. */
  async runOnce(): Promise<number> {
    let compacted = 0;
    this.deps.metrics.compactionRounds.inc();
    try {
      await this.deps.follower.poll();
      for (const table of timePartitionedTables()) compacted += await this.runTable(table);
    } catch (err) {
      if (isShutdown(err)) throw err;
      this.deps.metrics.compactionFailures.inc();
      this.deps.logger.warn({ err }, 'CompactionRoundFailed');
    }
    return compacted;
  }

  private async runTable(table: string): Promise<number> {
    const { follower, logger } = this.deps;
    const policy = tablePolicy(this.deps.policy, this.deps.parquet.get(table));
    const now = (this.deps.now ?? Date.now)();
    const loaded = await this.deps.tables.load(table);
    const live = await this.deps.reader.currentFiles(loaded.metadata);
    const { hours, liveKeys } = hoursOf(table, live, defaultSpec(loaded.metadata), this.deps.store.bucket);
    const inFlight = this.inFlight.get(table) ?? new InFlightCompactions();
    this.inFlight.set(table, inFlight);
    for (const { generation, reason } of inFlight.settle(liveKeys, now)) logger.info({ table, generation, reason }, 'CompactionSettled');
    const watermarkMs = follower.watermarks.get(table) ?? 0;
    let compacted = 0;
    for (const hour of hours) {
      if (!follower.owns(manifestKey(table, hour.partition))) continue;
      const plan = planCompaction(hour, watermarkMs, policy, (key) => inFlight.busy(key));
      if (!plan) continue;
      try {
        await this.compact(plan, loaded, watermarkMs);
        inFlight.add(plan.generation, plan.inputs.map((f) => f.key), now);
        compacted++;
      } catch (err) {
        if (isShutdown(err)) throw err;
        // One hour's failure (a missing object, a refused column) must not hold back the others.
        this.deps.metrics.compactionFailures.inc();
        logger.warn({ err, table, hour: hour.partition, generation: plan.generation }, 'CompactionFailed');
      }
    }
    return compacted;
  }

  /** Merges the plan's inputs, uploads the outputs and commits their manifests in one transaction. */
  async compact(plan: CompactionPlan, table: LoadedTable, watermarkMs: number): Promise<LakeFileManifest[]> {
    const { encoder, store, logger } = this.deps;
    const temp: string[] = [];
    const tempPath = (): string => {
      const path = encoder.tempPath('.parquet');
      temp.push(path);
      return path;
    };
    try {
      const locals = plan.inputs.map(tempPath);
      await Promise.all(plan.inputs.map((f, i) => store.download(f.key, locals[i]!)));
      const schema = currentSchema(table.metadata);
      const declared = new Set((lakeTableDefinition(plan.table)?.columns ?? []).map((c) => c.name));
      const merged = await mergeFiles(encoder, plan, locals, schema, tempPath, { declared, codec: this.deps.parquet.get(plan.table)?.codec });
      const partitionSpec = defaultSpec(table.metadata);
      // The event-time column: the source of the table's hour or day partition.
      const timeSourceId = partitionSpec.fields.find((f) => f.transform === 'hour' || f.transform === 'day')?.['source-id'];
      const folders = plan.tuple ? partitionToPath(partitionSpec, schema, plan.tuple) : undefined;
      const written = (this.deps.now ?? Date.now)();
      const manifests: LakeFileManifest[] = [];
      for (const [index, file] of merged.files.entries()) {
        const key = folders ? compactedFileKeyIn(plan.table, folders, plan.generation, index) : compactedFileKey(plan.table, plan.partition, plan.generation, index);
        const stored = await putFile(store, key, file.path);
        const times = eventTimes(file, timeSourceId, plan);
        manifests.push({
          schema_version: 1,
          operation: 'compact',
          table: plan.table,
          bucket: store.bucket,
          key,
          partition: plan.partition,
          ...(plan.partitionValues ? { partition_values: plan.partitionValues } : {}),
          size_bytes: stored.sizeBytes,
          sha256: stored.sha256,
          row_count: file.rows,
          // A compacted file holds rows of many staged objects: the contract needs one range, so
          // it names the source topic and leaves the offsets at zero (lineage is in the replaced files).
          source: { topic: this.deps.follower.sourceTopics.get(plan.table) ?? plan.table, partition: 0, first_offset: 0, last_offset: 0 },
          staged_key: null,
          input: null,
          event_time_min_ms: times.min,
          event_time_max_ms: times.max,
          watermark_ms: watermarkMs,
          new_columns: merged.extraColumns,
          replaces: plan.inputs.map((f) => f.key),
          written_at_ms: written,
          metrics: file.metrics,
        });
        this.deps.metrics.filesWritten.inc({ operation: 'compact' });
        this.deps.metrics.bytesWritten.inc({ operation: 'compact' }, stored.sizeBytes);
      }
      const inputRows = plan.inputs.reduce((sum, f) => sum + f.rowCount, 0);
      const outputRows = manifests.reduce((sum, m) => sum + m.row_count, 0);
      if (inputRows !== outputRows) throw new PipelineError('INTERNAL', `compaction of ${manifestKey(plan.table, plan.partition)} lost rows: ${inputRows} in, ${outputRows} out`);
      await this.deps.transactions.run(() => commitLakeTransaction(this.deps.txn, undefined, this.deps.lakeFilesTopic, manifests, [], []));
      this.deps.metrics.compactions.inc();
      logger.info({ partition: manifestKey(plan.table, plan.partition), generation: plan.generation, inputs: plan.inputs.length, outputs: manifests.length, rows: outputRows }, 'PartitionCompacted');
      return manifests;
    } finally {
      await Promise.all(temp.map((p) => rm(p, { force: true })));
    }
  }
}

const isShutdown = (err: unknown): boolean => err instanceof PipelineError && err.code === 'SHUTDOWN';

/** A merged file's event-time range from its bounds on the event-time column; the hour itself when the footer had none. */
function eventTimes(file: MergedFile, tsFieldId: number | undefined, plan: CompactionPlan): { min: number; max: number } {
  const lower = tsFieldId === undefined ? undefined : file.metrics.lower_bounds[String(tsFieldId)];
  const upper = tsFieldId === undefined ? undefined : file.metrics.upper_bounds[String(tsFieldId)];
  if (lower === undefined || upper === undefined) return { min: hourStartMs(plan.partition), max: partitionEndMs(plan.partition) - 1 };
  const micros = (b64: string): bigint => deserializeBound('timestamp', Buffer.from(b64, 'base64')) as bigint;
  return { min: Number(micros(lower) / 1000n), max: Number(micros(upper) / 1000n) };
}
