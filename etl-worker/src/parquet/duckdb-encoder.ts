import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { classifyEngineError } from './engine-rejection.js';
import { claimWorkDir, pidAlive, removeStaleWorkDirs, WORK_DIR_PREFIX } from './stale-work-dirs.js';
import type { DataFileMetrics } from '@spotify-pipeline/shared/schemas';
import type { ResolvedTableSpec } from '@spotify-pipeline/shared/table-spec';
import { copyToHourPartitions, copyToParquet, HOUR_KEY_COLUMN, TRACK_DURATIONS_TABLE, type ExtraColumn, sqlString } from '../transform/lake-sql.js';
import { listeningEventsSelect } from '../transform/spec-table-sql.js';
import { ETL_LOOKUP_RELATIONS, specTableSelect } from '../transform/spec-table-sql.js';
import type { ColumnFields } from './copy-options.js';
import { footerQuery, summariseFooters, type FileFooter } from './file-metrics.js';

export interface EncoderOptions {
  tmpDir?: string;
  threads: number;
  memoryLimitMb: number;
  rowGroupRows: number;
  /** Staged objects encoded at once, each on its own connection (default 1). */
  parallelWrites?: number;
}

/** One DuckDB connection and its queue: one statement at a time on it. */
class Lane {
  private tail: Promise<unknown> = Promise.resolve();
  pending = 0;

  constructor(readonly connection: DuckDBConnection) {}

  run<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    this.pending++;
    const result = this.tail.then(() => fn(this.connection)).finally(() => this.pending--);
    this.tail = result.catch(() => undefined);
    return result;
  }

  async drain(): Promise<void> {
    await this.tail;
  }
}

/**
 * Parquet is written by DuckDB: it parses NDJSON and writes Parquet ~25× faster than the JS
 * writers (bench/src/etl.ts). It only reads files, so validated lines go through a temp file.
 * Each connection (lane) runs one statement at a time. A partitioned COPY of one staged object
 * uses a core badly when DuckDB splits it over threads (~1.6× the CPU of one thread, measured in
 * bench/src/etl.ts), so the worker runs DuckDB with one thread and encodes several staged objects
 * at once instead, one per lane; compaction and the tracks snapshot use the first lane.
 */
export class DuckDbEncoder {
  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly lanes: Lane[],
    readonly workDir: string,
    private readonly options: EncoderOptions,
  ) {}

  static async create(options: EncoderOptions): Promise<DuckDbEncoder> {
    // tmpfs by default: the NDJSON DuckDB reads and the Parquet it writes never need a disk.
    const base = options.tmpDir ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
    await removeStaleWorkDirs(base, pidAlive);
    const workDir = await mkdtemp(join(base, WORK_DIR_PREFIX));
    await claimWorkDir(workDir, process.pid);
    const settings: Record<string, string> = {
      // No network here and none wanted in production: a missing extension must fail, not download.
      autoinstall_known_extensions: 'false',
      autoload_known_extensions: 'false',
      memory_limit: `${options.memoryLimitMb}MB`,
      temp_directory: join(workDir, 'spill'),
      preserve_insertion_order: 'true',
    };
    if (options.threads > 0) settings.threads = String(options.threads);
    const instance = await DuckDBInstance.create(':memory:', settings);
    const lanes: Lane[] = [];
    for (let i = 0; i < Math.max(1, options.parallelWrites ?? 1); i++) lanes.push(new Lane(await instance.connect()));
    await lanes[0]!.connection.run(`CREATE TABLE ${TRACK_DURATIONS_TABLE} (track_uri VARCHAR PRIMARY KEY, duration_ms BIGINT NOT NULL)`);
    return new DuckDbEncoder(instance, lanes, workDir, options);
  }

  /** Statements that are not a staged object's encoding: in order, on the first lane. */
  private serial<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    return this.lanes[0]!.run(fn);
  }

  /**
   * Column names and types of a query, bound but not run (`DESCRIBE SELECT ...`): how table specs'
   * derived columns are checked at start (derivedSqlProblems).
   */
  async describe(sql: string): Promise<Array<{ column_name: string; column_type: string }>> {
    const reader = await this.serial((connection) => connection.runAndReadAll(sql));
    return reader.getRowObjectsJS() as Array<{ column_name: string; column_type: string }>;
  }

  /** The least busy lane, for one staged object's statements (they run in order on it). */
  private freeLane(): Lane {
    return this.lanes.reduce((best, lane) => (lane.pending < best.pending ? lane : best));
  }

  /** A fresh path inside the work dir (tmpfs when configured). */
  tempPath(suffix: string): string {
    return join(this.workDir, `${randomBytes(8).toString('hex')}${suffix}`);
  }

  /** Replaces the durations the completion ratio is computed from (the tracks dimension's latest). */
  async setTrackDurations(durations: ReadonlyMap<string, number>): Promise<void> {
    const path = this.tempPath('.ndjson');
    await writeFile(path, [...durations].map(([uri, ms]) => JSON.stringify({ track_uri: uri, duration_ms: ms })).join('\n'));
    try {
      await this.serial((connection) => connection.run(`DELETE FROM ${TRACK_DURATIONS_TABLE}`));
      if (durations.size > 0) {
        await this.serial((connection) =>
          connection.run(
            `INSERT INTO ${TRACK_DURATIONS_TABLE} SELECT * FROM read_ndjson(${sqlString(path)}, columns = {track_uri: 'VARCHAR', duration_ms: 'BIGINT'})`,
          ),
        );
      }
    } finally {
      await rm(path, { force: true });
    }
  }

  /**
   * Writes validated lines to one Parquet file per event hour under `dir`, in one DuckDB scan, with
   * the Iceberg field ids of `fields` (exactly the columns written); returns the files with their
   * row counts and column metrics, read back from the Parquet footers (not assumed).
   */
  async encodeListeningEventsByHour(
    input: { lines: string[] } | { ndjsonPath: string; lineCount: number },
    extras: ExtraColumn[],
    dir: string,
    fields: ColumnFields,
  ): Promise<Array<{ dt: string; hour: string; path: string } & FileFooter>> {
    const spooled = 'ndjsonPath' in input;
    const ndjsonPath = spooled ? input.ndjsonPath : this.tempPath('.ndjson');
    const lines = spooled ? { length: input.lineCount } : input.lines;
    try {
      if (!spooled) await writeFile(ndjsonPath, input.lines.join('\n'));
      const sql = copyToHourPartitions(listeningEventsSelect(ndjsonPath, extras, true), dir, { rowGroupRows: this.options.rowGroupRows, fields });
      const lane = this.freeLane();
      const written = Number((await lane.run((connection) => connection.runAndReadAll(sql))).getRows()[0]?.[0] ?? -1);
      if (written !== lines.length) throw new PipelineError('INTERNAL', `DuckDB wrote ${written} rows of ${lines.length} validated lines`);
      const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
      const footers = await lane.run((connection) => readFooters(connection, files.map((f) => join(dir, f)), fields));
      return files.map((f) => {
        const match = new RegExp(`${HOUR_KEY_COLUMN}=(\\d{4}-\\d{2}-\\d{2})-(\\d{2})[/\\\\]`).exec(f);
        if (!match || files.filter((x) => x.startsWith(f.slice(0, match[0].length))).length !== 1) {
          throw new PipelineError('INTERNAL', `unexpected DuckDB partition output ${f}`);
        }
        const footer = footers.get(join(dir, f)) ?? { rows: -1, metrics: emptyMetrics() };
        return { dt: match[1]!, hour: match[2]!, path: join(dir, f), ...footer };
      });
    } catch (err) {
      // Our own checks throw PipelineErrors above; DuckDB refusing the lines (the caller isolates
      // them) is told apart from the disk or memory failing under it (retried, never quarantined).
      throw classifyEngineError(err);
    } finally {
      if (!spooled) await rm(ndjsonPath, { force: true });
    }
  }

  /**
   * How many distinct event ids the listening-event files hold together (a repeated id across hour
   * files counts too): for an object the sink vouched for, whose lines this worker never read.
   */
  async distinctEventIds(paths: readonly string[]): Promise<number> {
    const sql = `SELECT count(DISTINCT event_id)::BIGINT FROM read_parquet([${paths.map(sqlString).join(', ')}])`;
    try {
      return Number((await this.freeLane().run((connection) => connection.runAndReadAll(sql))).getRows()[0]?.[0] ?? -1);
    } catch (err) {
      throw classifyEngineError(err);
    }
  }

  /**
   * Encodes a spec table's staged object: one Parquet file per bucket (event hour and field
   * partition values), each from its own lines, in bucket order. Each bucket is its own COPY: the
   * bucket[N] values of Iceberg (murmur3) are not a function DuckDB has, so the validator's values
   * decide which lines share a file.
   */
  async encodeSpecBuckets(spec: ResolvedTableSpec, buckets: ReadonlyArray<{ lines: readonly string[] }>, extras: ExtraColumn[], dir: string, fields: ColumnFields): Promise<Array<{ path: string } & FileFooter>> {
    const lane = this.freeLane();
    const paths: string[] = [];
    try {
      await mkdir(dir, { recursive: true });
      for (const [i, bucket] of buckets.entries()) {
        const path = join(dir, `bucket-${String(i).padStart(5, '0')}.parquet`);
        const written = await this.copySpecLines(lane, spec, bucket.lines, extras, path, fields);
        if (written !== bucket.lines.length) throw new PipelineError('INTERNAL', `DuckDB wrote ${written} rows of ${bucket.lines.length} validated lines (${spec.table})`);
        paths.push(path);
      }
      const footers = await lane.run((connection) => readFooters(connection, paths, fields));
      return paths.map((path) => ({ path, ...(footers.get(path) ?? { rows: -1, metrics: emptyMetrics() }) }));
    } catch (err) {
      throw classifyEngineError(err);
    }
  }

  /** One COPY of a spec table's lines to one Parquet file; the rows written. */
  private async copySpecLines(lane: Lane, spec: ResolvedTableSpec, lines: readonly string[], extras: ExtraColumn[], path: string, fields: ColumnFields): Promise<number> {
    const ndjsonPath = this.tempPath('.ndjson');
    await writeFile(ndjsonPath, lines.join('\n'));
    try {
      const select = specTableSelect(spec, ndjsonPath, { extras, lookupRelations: ETL_LOOKUP_RELATIONS });
      const sql = copyToParquet(select, path, { rowGroupRows: this.options.rowGroupRows, fields, codec: spec.parquet.codec });
      return Number((await lane.run((connection) => connection.runAndReadAll(sql))).getRows()[0]?.[0] ?? -1);
    } finally {
      await rm(ndjsonPath, { force: true });
    }
  }

  /** probe() for a spec table's lines. */
  async probeSpec(spec: ResolvedTableSpec, lines: readonly string[], extras: ExtraColumn[], fields: ColumnFields): Promise<void> {
    const path = this.tempPath('.probe.parquet');
    try {
      await this.copySpecLines(this.freeLane(), spec, lines, extras, path, fields);
    } catch (err) {
      throw classifyEngineError(err);
    } finally {
      await rm(path, { force: true });
    }
  }

  /**
   * Encodes `lines` into a scratch folder and throws it away: only whether DuckDB accepts them
   * counts (EngineRejectedInput if not). Used to isolate the lines of an object DuckDB refused.
   */
  async probe(lines: readonly string[], extras: ExtraColumn[], fields: ColumnFields): Promise<void> {
    const dir = this.tempPath('.probe');
    const ndjsonPath = this.tempPath('.ndjson');
    try {
      await writeFile(ndjsonPath, lines.join('\n'));
      const sql = copyToHourPartitions(listeningEventsSelect(ndjsonPath, extras, true), dir, { rowGroupRows: this.options.rowGroupRows, fields });
      await this.freeLane().run((connection) => connection.runAndReadAll(sql));
    } catch (err) {
      throw classifyEngineError(err);
    } finally {
      await Promise.all([rm(ndjsonPath, { force: true }), rm(dir, { recursive: true, force: true })]);
    }
  }

  /** Row counts and column metrics of written files (compaction, tracks snapshot), from their footers. */
  async describeFiles(paths: string[], fields: ColumnFields): Promise<Map<string, FileFooter>> {
    return this.serial((connection) => readFooters(connection, paths, fields));
  }

  /** Runs a statement (compaction and the tracks snapshot use COPY of their own). */
  async run(sql: string): Promise<number> {
    const reader = await this.serial((connection) => connection.runAndReadAll(sql));
    return Number(reader.getRows()[0]?.[0] ?? 0);
  }

  /** Runs a query and returns its rows as JSON-safe objects. */
  async query(sql: string): Promise<Array<Record<string, unknown>>> {
    const reader = await this.serial((connection) => connection.runAndReadAll(sql));
    return reader.getRowObjectsJson() as Array<Record<string, unknown>>;
  }

  get rowGroupRows(): number {
    return this.options.rowGroupRows;
  }

  /** How many staged objects can be encoded at once (one per connection). */
  get parallelWrites(): number {
    return this.lanes.length;
  }

  async close(): Promise<void> {
    for (const lane of this.lanes) await lane.drain();
    for (const lane of this.lanes) lane.connection.closeSync();
    this.instance.closeSync();
    await rm(this.workDir, { recursive: true, force: true });
  }
}

/** One footer read per file: row counts and metrics from the same parquet_metadata() scan. */
async function readFooters(connection: DuckDBConnection, paths: string[], fields: ColumnFields): Promise<Map<string, FileFooter>> {
  if (paths.length === 0) return new Map();
  const rows = (await connection.runAndReadAll(footerQuery(paths))).getRowObjectsJson();
  return summariseFooters(rows, fields);
}

const emptyMetrics = (): DataFileMetrics => ({ column_sizes: {}, value_counts: {}, null_value_counts: {}, lower_bounds: {}, upper_bounds: {} });
