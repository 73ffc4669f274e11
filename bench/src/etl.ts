// etl-worker throughput: the worker's own path (gunzip → JS validate → DuckDB Parquet, overlapped)
// against DuckDB's raw limit (read_ndjson of the same staged .ndjson.gz → COPY TO parquet, same
// typed columns and derived SQL, no validation) on the same data, in the same run.
//   node --import tsx bench/src/etl.ts   (ETL_BENCH_EVENTS=1000000, ETL_BENCH_ROUNDS=3, ETL_BENCH_VALIDATION_THREADS=0 by default)
// The worker runs with its own defaults (ETL_DUCKDB_THREADS, ETL_PARALLEL_WRITES; override with ETL_BENCH_DUCKDB_THREADS,
// ETL_BENCH_PARALLEL_WRITES); the baseline with DuckDB's default of one thread per core, its fastest here.
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { columnsFromContract, listeningEventV1, toDuckDbType, type LakeType, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import {
  copyToParquet,
  createEtlMetrics,
  DirectoryLakeStore,
  DuckDbEncoder,
  etlSettingsSchema,
  EventValidator,
  LakeObjectWriter,
  listeningEventsSelect,
  prepareAndWrite,
  StagedObjectPreparer,
  ValidationPool,
  type StagedObjectSource,
} from '@spotify-pipeline/etl-worker/processing';
import { writeStagedObjects } from './lib/etl-data.js';
import { peakRssMb, ratio, reportResult } from './lib/bench-result.js';

const EVENTS = Number(process.env.ETL_BENCH_EVENTS ?? 1_000_000);
const PER_OBJECT = Number(process.env.ETL_BENCH_EVENTS_PER_OBJECT ?? 100_000);
const ROUNDS = Number(process.env.ETL_BENCH_ROUNDS ?? 3);
const VALIDATION_THREADS = Number(process.env.ETL_BENCH_VALIDATION_THREADS ?? 0);
const ROW_GROUP_ROWS = 122_880;
/** Rows of the Parquet-writer comparison (DuckDB against a pure-JS writer), a slice of the data: the JS writer is slow. */
const WRITER_EVENTS = Number(process.env.ETL_BENCH_WRITER_EVENTS ?? 100_000);
const WORKER = etlSettingsSchema.parse({
  duckdbThreads: process.env.ETL_BENCH_DUCKDB_THREADS,
  parallelWrites: process.env.ETL_BENCH_PARALLEL_WRITES,
});


async function dirBytes(dir: string): Promise<number> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  let total = 0;
  for (const e of entries) if (e.isFile()) total += (await stat(join(e.parentPath, e.name))).size;
  return total;
}

/** The contract has no DATE field (event_date is derived, and not part of this comparison). */
const JS_WRITER_TYPES: Record<Exclude<LakeType, 'date'>, 'STRING' | 'INT64' | 'INT32' | 'DOUBLE' | 'BOOLEAN' | 'TIMESTAMP'> = {
  string: 'STRING',
  bigint: 'INT64',
  int: 'INT32',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  timestamp_ms: 'TIMESTAMP',
};

/**
 * Why Parquet is written by DuckDB (the issue keeps this measurement): the contract's columns of the
 * same NDJSON lines, by DuckDB (read_ndjson → COPY) and by the pure-JS hyparquet-writer (JSON.parse,
 * columns, write), both SNAPPY (hyparquet-writer has no ZSTD of its own), best of two.
 */
async function compareParquetWriters(encoder: DuckDbEncoder, stagedPath: string, work: string): Promise<{ duckdbRate: number; jsRate: number }> {
  const lines = gunzipSync(await readFile(stagedPath)).toString('utf8').split('\n').filter((l) => l.length > 0).slice(0, WRITER_EVENTS);
  const ndjson = join(work, 'writers.ndjson');
  await writeFile(ndjson, lines.join('\n'));
  const columns = columnsFromContract(listeningEventV1);
  const typed = `{${columns.map((c) => `${c.name}: '${toDuckDbType(c.type)}'`).join(', ')}}`;
  const { parquetWriteBuffer } = await import('hyparquet-writer');
  let duckdbBest = Infinity;
  let jsBest = Infinity;
  for (let round = 0; round < 2; round++) {
    let started = performance.now();
    await encoder.run(`COPY (SELECT * FROM read_ndjson('${ndjson}', columns = ${typed})) TO '${join(work, 'writers-duckdb.parquet')}' (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${ROW_GROUP_ROWS})`);
    duckdbBest = Math.min(duckdbBest, (performance.now() - started) / 1000);
    started = performance.now();
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const columnData = columns.map((c) => ({
      name: c.name,
      type: JS_WRITER_TYPES[c.type as Exclude<LakeType, 'date'>],
      data: events.map((e) => {
        const value = e[c.name];
        if (value === null || value === undefined) return null;
        if (c.type === 'timestamp_ms') return Date.parse(value as string);
        return c.type === 'bigint' ? BigInt(value as number) : value;
      }) as never[],
    }));
    await writeFile(join(work, 'writers-js.parquet'), new Uint8Array(parquetWriteBuffer({ columnData, codec: 'SNAPPY', rowGroupSize: ROW_GROUP_ROWS })));
    jsBest = Math.min(jsBest, (performance.now() - started) / 1000);
  }
  return { duckdbRate: lines.length / duckdbBest, jsRate: lines.length / jsBest };
}

async function main(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'bench-etl-'));
  try {
    const stagedDir = join(work, 'staged');
    await mkdir(stagedDir);
    const manifests = await writeStagedObjects(stagedDir, EVENTS, PER_OBJECT);
    console.log(`data: ${EVENTS} events in ${manifests.length} staged objects, ${(await dirBytes(stagedDir)) >> 20} MiB gzip`);
    const source: StagedObjectSource = { open: async (m: StagedFileManifest) => createReadStream(join(stagedDir, m.key)) };
    const encoder = await DuckDbEncoder.create({ threads: 0, memoryLimitMb: 1_024, rowGroupRows: ROW_GROUP_ROWS });
    const workerEncoder = await DuckDbEncoder.create({
      threads: WORKER.duckdbThreads,
      parallelWrites: WORKER.parallelWrites,
      memoryLimitMb: 1_024,
      rowGroupRows: ROW_GROUP_ROWS,
    });
    console.log(`worker DuckDB: ${WORKER.duckdbThreads || 'one per core'} thread(s), ${WORKER.parallelWrites} staged object(s) encoded at once; baseline DuckDB: one thread per core`);
    try {
      // Rounds alternate baseline and worker; the best of each is compared, since this machine is shared.
      const lake = join(work, 'lake');
      const baseOut = join(work, 'baseline.parquet');
      const metrics = createEtlMetrics(createRegistry('bench-etl', false));
      const cpuSeconds = (since: NodeJS.CpuUsage): number => {
        const used = process.cpuUsage(since);
        return (used.user + used.system) / 1e6;
      };
      const checker = VALIDATION_THREADS > 0 ? new ValidationPool(VALIDATION_THREADS) : new EventValidator();
      console.log(`validation: ${VALIDATION_THREADS > 0 ? `${VALIDATION_THREADS} worker thread(s)` : 'main thread'}`);
      const vouched = manifests.filter((m) => m.canonical_form !== undefined).length;
      console.log(`staged objects vouched for by the sink's check (canonical_form): ${vouched} of ${manifests.length}`);
      // Best of the rounds, per side: wall seconds and CPU seconds (all threads, DuckDB's included).
      const best = { base: { s: Infinity, cpu: Infinity }, vouched: { s: Infinity, cpu: Infinity }, lines: { s: Infinity, cpu: Infinity } };
      let baseRows = 0;
      const workerRows = { vouched: 0, lines: 0 };
      let files = 0;
      let refusals = 0;
      const rounds: string[] = [];
      const measure = async <T>(side: keyof typeof best, run: () => Promise<T>): Promise<{ result: T; seconds: number }> => {
        const cpu = process.cpuUsage();
        const started = performance.now();
        const result = await run();
        const seconds = (performance.now() - started) / 1000;
        best[side].s = Math.min(best[side].s, seconds);
        best[side].cpu = Math.min(best[side].cpu, cpuSeconds(cpu));
        return { result, seconds };
      };
      // The worker: vouched objects go to DuckDB as they are (the default); with trust off, stream-gunzip +
      // sha256, JS validation, de-duplication and hour bucketing, validation of object i+1 overlapping DuckDB on object i.
      const runWorker = async (side: 'vouched' | 'lines'): Promise<number> => {
        await rm(lake, { recursive: true, force: true });
        const preparer = new StagedObjectPreparer(source, checker, () => workerEncoder.tempPath('.ndjson'), undefined, undefined, undefined, undefined, side === 'vouched');
        const writer = new LakeObjectWriter(workerEncoder, new DirectoryLakeStore(lake), { dlq: 'dlq' }, metrics, pino({ level: 'silent' }));
        const { result: outcomes, seconds } = await measure(side, () => prepareAndWrite(manifests, preparer, writer, { onVouchRefused: () => refusals++ }));
        workerRows[side] = outcomes.reduce((sum, o) => sum + o.rowsOut, 0);
        files = outcomes.reduce((sum, o) => sum + o.manifests.length, 0);
        return seconds;
      };
      for (let round = 1; round <= ROUNDS; round++) {
        // Baseline: DuckDB alone, straight from the staged gzip files, same columns and derived SQL.
        const base = await measure('base', () => encoder.run(copyToParquet(listeningEventsSelect(join(stagedDir, '*.ndjson.gz'), []), baseOut, { rowGroupRows: ROW_GROUP_ROWS })));
        baseRows = base.result;
        const vouchedSeconds = await runWorker('vouched');
        const lineSeconds = await runWorker('lines');
        rounds.push(`${Math.round(baseRows / base.seconds).toLocaleString('en-US')} / ${Math.round(EVENTS / vouchedSeconds).toLocaleString('en-US')} / ${Math.round(EVENTS / lineSeconds).toLocaleString('en-US')}`);
        console.log(`round ${round}: duckdb ${base.seconds.toFixed(2)} s, worker (vouched objects) ${vouchedSeconds.toFixed(2)} s, worker (every line checked) ${lineSeconds.toFixed(2)} s (peak RSS so far ${peakRssMb()} MiB)`);
      }
      const baseRate = baseRows / best.base.s;
      const vouchedRate = workerRows.vouched / best.vouched.s;
      const lineRate = workerRows.lines / best.lines.s;
      console.log(`duckdb read_ndjson → COPY parquet (best of ${ROUNDS}): ${baseRows} rows in ${best.base.s.toFixed(2)} s = ${Math.round(baseRate)} rows/s`);
      console.log(`etl-worker, vouched objects (best of ${ROUNDS}): ${workerRows.vouched} rows in ${files} files in ${best.vouched.s.toFixed(2)} s = ${Math.round(vouchedRate)} rows/s (vouches refused: ${refusals})`);
      console.log(`etl-worker, every line checked (best of ${ROUNDS}): ${workerRows.lines} rows in ${best.lines.s.toFixed(2)} s = ${Math.round(lineRate)} rows/s`);
      console.log(`cpu seconds (best): duckdb ${best.base.cpu.toFixed(2)}, worker vouched ${best.vouched.cpu.toFixed(2)}, worker every line ${best.lines.cpu.toFixed(2)}`);
      console.log(`parquet bytes: worker ${(await dirBytes(lake)) >> 20} MiB, baseline ${(await stat(baseOut)).size >> 20} MiB`);
      console.log(`ratio worker/duckdb: vouched ${(vouchedRate / baseRate).toFixed(2)} (target ≥ 0.7), every line checked ${(lineRate / baseRate).toFixed(2)}`);
      console.log(`peak RSS: ${peakRssMb()} MiB`);
      const writers = await compareParquetWriters(encoder, join(stagedDir, manifests[0]!.key), work);
      console.log(
        `Parquet writers on ${Math.min(WRITER_EVENTS, PER_OBJECT)} lines (contract columns, SNAPPY): DuckDB ${Math.round(writers.duckdbRate)} rows/s, ` +
          `hyparquet-writer (pure JS, with JSON.parse) ${Math.round(writers.jsRate)} rows/s: DuckDB ${(writers.duckdbRate / writers.jsRate).toFixed(1)}× faster`,
      );
      reportResult({
        name: 'etl-worker: staged NDJSON.gz → validated, partitioned Parquet',
        description: `${EVENTS.toLocaleString('en-US')} events in ${manifests.length} staged objects, ${vouched} of them vouched for as canonical as the sink checks them; for a vouched object DuckDB reads the gzip as it is and the worker checks what it wrote (row count, repeated event ids, event-time range); with every line checked the worker gunzips, validates (compiled from the zod contract), de-duplicates and buckets in JS. Both derive columns and write ZSTD Parquet per (dt, hour) with DuckDB. Best of ${ROUNDS} alternating rounds.`,
        baselineLabel: 'DuckDB read_ndjson → COPY parquet alone',
        figures: [
          { metric: 'rows/s, objects the sink vouched for (the default)', value: vouchedRate, baseline: baseRate, ratio: ratio(vouchedRate, baseRate), target: '≥ 150,000 rows/s, ratio ≥ 0.7' },
          { metric: 'CPU s for the run, vouched', value: best.vouched.cpu, baseline: best.base.cpu, ratio: ratio(best.base.cpu, best.vouched.cpu) },
          { metric: 'rows/s, every line checked (ETL_TRUST_SINK_VOUCH=false, or lines not canonical)', value: lineRate, baseline: baseRate, ratio: ratio(lineRate, baseRate), target: '≥ 150,000 rows/s, ratio ≥ 0.5' },
          { metric: 'CPU s for the run, every line checked', value: best.lines.cpu, baseline: best.base.cpu, ratio: ratio(best.base.cpu, best.lines.cpu) },
        ],
        peakRssMb: peakRssMb(),
        notes: [
          `validation: ${VALIDATION_THREADS > 0 ? `${VALIDATION_THREADS} worker thread(s)` : 'main thread'}`,
          `worker DuckDB: ${WORKER.duckdbThreads || 'one per core'} thread(s), ${WORKER.parallelWrites} staged objects encoded at once; baseline DuckDB: one thread per core`,
          'CPU ratio is baseline/worker (higher is better), steadier than wall time on a shared machine',
          `every round, rows/s DuckDB alone / worker, vouched / worker, every line checked: ${rounds.join('; ')}; vouches refused (sent through the line check): ${refusals}`,
          `why DuckDB writes the Parquet: on ${Math.min(WRITER_EVENTS, PER_OBJECT).toLocaleString('en-US')} lines (contract columns, SNAPPY) DuckDB read_ndjson → COPY ${Math.round(writers.duckdbRate).toLocaleString('en-US')} rows/s, pure-JS hyparquet-writer (with JSON.parse) ${Math.round(writers.jsRate).toLocaleString('en-US')} rows/s (${(writers.duckdbRate / writers.jsRate).toFixed(1)}×)`,
        ],
      });
      if (checker instanceof ValidationPool) await checker.close();
      if (workerRows.vouched !== EVENTS || workerRows.lines !== EVENTS || baseRows !== EVENTS) {
        throw new Error(`row counts differ: worker ${workerRows.vouched} (vouched) / ${workerRows.lines} (every line), duckdb ${baseRows}, input ${EVENTS}`);
      }
    } finally {
      await workerEncoder.close();
      await encoder.close();
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

void main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
