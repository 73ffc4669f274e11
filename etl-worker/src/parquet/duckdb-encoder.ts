import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { copyToHourPartitions, copyToParquet, listeningEventsSelect, TRACK_DURATIONS_TABLE, type ExtraColumn, sqlString } from '../transform/listening-events-sql.js';

export interface EncoderOptions {
  tmpDir?: string;
  threads: number;
  memoryLimitMb: number;
  rowGroupRows: number;
}

/**
 * Parquet is written by DuckDB: it parses NDJSON and writes Parquet ~25× faster than the JS
 * writers (bench/src/etl.ts). It only reads files, so validated lines go through a temp file.
 * One connection, one statement at a time (queued here), is all the worker needs:
 * DuckDB parallelises each query itself.
 */
export class DuckDbEncoder {
  /** One statement at a time on the shared connection (ETL writes, compaction, tracks snapshots). */
  private tail: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly instance: DuckDBInstance,
    private readonly connection: DuckDBConnection,
    readonly workDir: string,
    private readonly options: EncoderOptions,
  ) {}

  static async create(options: EncoderOptions): Promise<DuckDbEncoder> {
    // tmpfs by default: the NDJSON DuckDB reads and the Parquet it writes never need a disk.
    const base = options.tmpDir ?? (existsSync('/dev/shm') ? '/dev/shm' : tmpdir());
    const workDir = await mkdtemp(join(base, 'etl-worker-'));
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
    const connection = await instance.connect();
    await connection.run(`CREATE TABLE ${TRACK_DURATIONS_TABLE} (track_uri VARCHAR PRIMARY KEY, duration_ms BIGINT NOT NULL)`);
    return new DuckDbEncoder(instance, connection, workDir, options);
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.catch(() => undefined);
    return result;
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
      await this.serial(() => this.connection.run(`DELETE FROM ${TRACK_DURATIONS_TABLE}`));
      if (durations.size > 0) {
        await this.serial(() =>
          this.connection.run(
            `INSERT INTO ${TRACK_DURATIONS_TABLE} SELECT * FROM read_ndjson(${sqlString(path)}, columns = {track_uri: 'VARCHAR', duration_ms: 'BIGINT'})`,
          ),
        );
      }
    } finally {
      await rm(path, { force: true });
    }
  }

  /** Writes the lines of one hour partition to `parquetPath`; returns the row count DuckDB wrote. */
  async encodeListeningEvents(lines: string[], extras: ExtraColumn[], parquetPath: string): Promise<number> {
    const ndjsonPath = this.tempPath('.ndjson');
    await writeFile(ndjsonPath, lines.join('\n'));
    try {
      const sql = copyToParquet(listeningEventsSelect(ndjsonPath, extras), parquetPath, this.options);
      const reader = await this.serial(() => this.connection.runAndReadAll(sql));
      const rows = Number(reader.getRows()[0]?.[0] ?? -1);
      if (rows !== lines.length) throw new PipelineError('INTERNAL', `DuckDB wrote ${rows} rows of ${lines.length} validated lines`);
      return rows;
    } catch (err) {
      if (err instanceof PipelineError) throw err;
      throw new PipelineError('INTERNAL', `Parquet encoding failed: ${(err as Error).message}`, { cause: err });
    } finally {
      await rm(ndjsonPath, { force: true });
    }
  }

  /**
   * Writes validated lines to one Parquet file per event hour under `dir`, in one DuckDB scan;
   * returns the files with their row counts (read back from the Parquet footers, not assumed).
   */
  async encodeListeningEventsByHour(
    input: { lines: string[] } | { ndjsonPath: string; lineCount: number },
    extras: ExtraColumn[],
    dir: string,
  ): Promise<Array<{ dt: string; hour: string; path: string; rows: number }>> {
    const spooled = 'ndjsonPath' in input;
    const ndjsonPath = spooled ? input.ndjsonPath : this.tempPath('.ndjson');
    const lines = spooled ? { length: input.lineCount } : input.lines;
    if (!spooled) await writeFile(ndjsonPath, input.lines.join('\n'));
    try {
      const sql = copyToHourPartitions(listeningEventsSelect(ndjsonPath, extras, true), dir, this.options);
      const written = Number((await this.serial(() => this.connection.runAndReadAll(sql))).getRows()[0]?.[0] ?? -1);
      if (written !== lines.length) throw new PipelineError('INTERNAL', `DuckDB wrote ${written} rows of ${lines.length} validated lines`);
      const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.parquet')).sort();
      const counts = await this.query(
        `SELECT file_name, sum(row_group_num_rows)::BIGINT AS rows FROM (SELECT DISTINCT file_name, row_group_id, row_group_num_rows FROM parquet_metadata([${files
          .map((f) => sqlString(join(dir, f)))
          .join(', ')}])) GROUP BY file_name`,
      );
      const rowsOf = new Map(counts.map((c) => [c.file_name as string, Number(c.rows)]));
      return files.map((f) => {
        const match = /dt=(\d{4}-\d{2}-\d{2})[/\\]hour=(\d{2})[/\\]/.exec(f);
        if (!match || files.filter((x) => x.startsWith(f.slice(0, match[0].length))).length !== 1) {
          throw new PipelineError('INTERNAL', `unexpected DuckDB partition output ${f}`);
        }
        return { dt: match[1]!, hour: match[2]!, path: join(dir, f), rows: rowsOf.get(join(dir, f)) ?? -1 };
      });
    } catch (err) {
      if (err instanceof PipelineError) throw err;
      throw new PipelineError('INTERNAL', `Parquet encoding failed: ${(err as Error).message}`, { cause: err });
    } finally {
      if (!spooled) await rm(ndjsonPath, { force: true });
    }
  }

  /** Runs a statement (compaction and the tracks snapshot use COPY of their own). */
  async run(sql: string): Promise<number> {
    const reader = await this.serial(() => this.connection.runAndReadAll(sql));
    return Number(reader.getRows()[0]?.[0] ?? 0);
  }

  /** Runs a query and returns its rows as JSON-safe objects. */
  async query(sql: string): Promise<Array<Record<string, unknown>>> {
    const reader = await this.serial(() => this.connection.runAndReadAll(sql));
    return reader.getRowObjectsJson() as Array<Record<string, unknown>>;
  }

  get rowGroupRows(): number {
    return this.options.rowGroupRows;
  }

  async close(): Promise<void> {
    await this.tail;
    this.connection.closeSync();
    this.instance.closeSync();
    await rm(this.workDir, { recursive: true, force: true });
  }
}
