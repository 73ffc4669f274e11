import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import pino from 'pino';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { createEtlMetrics } from '../../../src/metrics';
import { DuckDbEncoder } from '../../../src/parquet/duckdb-encoder';
import { classifyEngineError, EngineRejectedInput, isolateRejectedLines, LinesRejectedByEngine } from '../../../src/parquet/engine-rejection';
import { LakeObjectWriter } from '../../../src/pipeline/lake-object-writer';
import { poisonCode } from '../../../src/pipeline/poison-objects';
import { StagedObjectPreparer } from '../../../src/pipeline/staged-object-preparer';
import { DirectoryLakeStore } from '../../../src/sink/directory-lake-store';
import { EventValidator } from '../../../src/validate/event-validator';
import { listeningEvent, stagedObject } from '../../fixtures/listening-events';
import { MemorySource } from '../../fixtures/memory-source';

describe('isolateRejectedLines', () => {
  it('finds each refused line by bisection, with few probes, keeping the engine message', async () => {
    const lines = Array.from({ length: 1_000 }, (_, i) => `line-${i}`);
    const bad = new Set(['line-17', 'line-600']);
    let probes = 0;
    const rejected = await isolateRejectedLines(lines, async (chunk) => {
      probes++;
      const hit = chunk.find((l) => bad.has(l));
      if (hit) throw new EngineRejectedInput(`no low surrogate in ${hit}`, undefined);
    });
    expect([...rejected.keys()].sort()).toEqual(['line-17', 'line-600']);
    expect(rejected.get('line-17')).toContain('no low surrogate in line-17');
    // Two bad lines of 1,000: about 2·2·log2(1000) probes, not 1,000.
    expect(probes).toBeLessThan(50);
  });

  it('finds nothing in lines the engine takes, and lets any other failure through', async () => {
    await expect(isolateRejectedLines(['a', 'b'], async () => undefined)).resolves.toEqual(new Map());
    await expect(isolateRejectedLines(['a'], async () => Promise.reject(new Error('disk full')))).rejects.toThrow('disk full');
  });
});

describe('classifyEngineError: a failing machine is not refused input (issue 14)', () => {
  let dir: string;
  let full: string;
  let duck: DuckDBInstance;
  let small: DuckDBInstance;
  /** The error DuckDB really throws for `sql` (or Node, for `fn`). */
  const thrown = async (fn: () => Promise<unknown>): Promise<unknown> => fn().then(() => Promise.reject(new Error('did not fail')), (err: unknown) => err);
  const run = (instance: DuckDBInstance, sql: string) => thrown(async () => (await instance.connect()).runAndReadAll(sql));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'engine-errors-'));
    // A full disk, for real: every write to /dev/full fails with ENOSPC. Through a link, so nothing here can remove the device.
    full = join(dir, 'full.parquet');
    await symlink('/dev/full', full);
    await writeFile(join(dir, 'text.ndjson'), '{"n": "No space left on device"}\n');
    await writeFile(join(dir, 'torn.ndjson'), '{"n": 1}\n{"n": \n');
    duck = await DuckDBInstance.create(':memory:', { threads: '1' });
    small = await DuckDBInstance.create(':memory:', { threads: '1', memory_limit: '20MB' });
  });
  afterAll(async () => {
    duck.closeSync();
    small.closeSync();
    await rm(dir, { recursive: true, force: true });
  });

  it('No space left on device (DuckDB IO Error, or Node ENOSPC) → LOCAL_DISK_FULL, retried', async () => {
    const fromDuckDb = classifyEngineError(await run(duck, `COPY (SELECT range AS n FROM range(100000)) TO '${full}' (FORMAT parquet)`));
    const fromNode = classifyEngineError(await thrown(() => writeFile(full, 'x'.repeat(1 << 16))));
    for (const err of [fromDuckDb, fromNode]) {
      expect(err).toMatchObject({ code: 'LOCAL_DISK_FULL', retriable: true });
      expect(err).not.toBeInstanceOf(EngineRejectedInput);
    }
  });

  it('Out of Memory → LOCAL_OUT_OF_MEMORY, any other IO Error → LOCAL_IO_FAILED, both retried', async () => {
    const oom = classifyEngineError(await run(small, 'SELECT list(range) FROM range(50000000) GROUP BY range % 1000000'));
    expect(oom).toMatchObject({ code: 'LOCAL_OUT_OF_MEMORY', retriable: true });
    expect(oom.message).toContain('ETL_DUCKDB_MEMORY_LIMIT_MB');
    const io = classifyEngineError(await run(duck, `SELECT * FROM read_ndjson('${join(dir, 'gone.ndjson')}', columns = {n: 'BIGINT'})`));
    expect(io).toMatchObject({ code: 'LOCAL_IO_FAILED', retriable: true });
    for (const err of [oom, io]) expect(err).not.toBeInstanceOf(EngineRejectedInput);
  });

  it('keeps what DuckDB refuses in the input as EngineRejectedInput, even when the refused value reads like a disk error', async () => {
    const conversion = classifyEngineError(await run(duck, `SELECT CAST('No space left on device' AS BIGINT)`));
    const cast = classifyEngineError(await run(duck, `SELECT * FROM read_ndjson('${join(dir, 'text.ndjson')}', columns = {n: 'BIGINT'})`));
    const malformed = classifyEngineError(await run(duck, `SELECT * FROM read_ndjson('${join(dir, 'torn.ndjson')}', columns = {n: 'BIGINT'})`));
    for (const err of [conversion, cast, malformed]) {
      expect(err).toBeInstanceOf(EngineRejectedInput);
      expect(err).toMatchObject({ code: 'RECORD_INVALID', retriable: false });
    }
    expect(conversion.message).toContain('Conversion Error');
    expect(cast.message).toContain('No space left on device');
    expect(malformed.message).toContain('Malformed JSON');
  });
});

describe('LakeObjectWriter when DuckDB runs out of memory or cannot write', () => {
  let dir: string;
  const source = new MemorySource();
  const metrics = createEtlMetrics(createRegistry('etl-unit-engine-errors', false));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'engine-oom-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function prepared(count: number) {
    const lines = Array.from({ length: count }, (_, i) => JSON.stringify(listeningEvent(i)));
    const { body, manifest } = stagedObject({ bucket: 'staging', topic: 'listening-events', partition: 0, firstOffset: 0, lines });
    source.objects.set(manifest.key, body);
    return new StagedObjectPreparer(source, new EventValidator()).prepare(manifest);
  }

  it('fails the object as transient (the batch is retried): no bisection, nothing quarantined or dead-lettered', async () => {
    // 2 MiB: DuckDB starts, and cannot hold one COPY of 5,000 events.
    const encoder = await DuckDbEncoder.create({ threads: 1, memoryLimitMb: 2, rowGroupRows: 1000 });
    try {
      const probe = jest.spyOn(encoder, 'probe');
      const writer = new LakeObjectWriter(encoder, new DirectoryLakeStore(join(dir, 'lake'), 'lake'), { dlq: 'dlq' }, metrics, pino({ level: 'silent' }));
      const err = await writer.write(await prepared(5_000)).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'LOCAL_OUT_OF_MEMORY', retriable: true });
      expect(err).not.toBeInstanceOf(LinesRejectedByEngine);
      expect(probe).not.toHaveBeenCalled();
      // What the loop decides from it: not poison, so the manifest is not dead-lettered.
      expect(poisonCode(err, 'write')).toBeUndefined();
    } finally {
      await encoder.close();
    }
  });

  it('an output directory DuckDB cannot create is LOCAL_IO_FAILED, not refused lines', async () => {
    const encoder = await DuckDbEncoder.create({ threads: 1, memoryLimitMb: 256, rowGroupRows: 1000 });
    try {
      const lines = Array.from({ length: 10 }, (_, i) => JSON.stringify(listeningEvent(i)));
      await writeFile(join(dir, 'a-file'), '');
      const err = await encoder.encodeListeningEventsByHour({ lines }, [], join(dir, 'a-file', 'out'), new Map()).then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'LOCAL_IO_FAILED', retriable: true });
      expect(err).not.toBeInstanceOf(EngineRejectedInput);
    } finally {
      await encoder.close();
    }
  });
});
