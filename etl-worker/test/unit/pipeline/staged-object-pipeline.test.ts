import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import pino from 'pino';
import { ColumnTypeConflict, deserializeBound } from '@spotify-pipeline/shared/iceberg';
import { createRegistry } from '@spotify-pipeline/shared/metrics';
import { PipelineError } from '@spotify-pipeline/shared/errors';
import { fromKafkaHeaders, lakeFileManifestV1, LISTENING_EVENTS_COLUMNS, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';
import { createEtlMetrics } from '../../../src/metrics';
import { DuckDbEncoder } from '../../../src/parquet/duckdb-encoder';
import { HashedEventIds } from '../../../src/pipeline/event-id-filter';
import { LakeObjectWriter } from '../../../src/pipeline/lake-object-writer';
import { prepareAndWrite } from '../../../src/pipeline/overlapped-processing';
import { poisonCode } from '../../../src/pipeline/poison-objects';
import { StagedObjectPreparer } from '../../../src/pipeline/staged-object-preparer';
import { DirectoryLakeStore } from '../../../src/sink/directory-lake-store';
import { MemorySchemaCatalog } from '../../../src/sink/memory-schema-catalog';
import { TableSchemas } from '../../../src/sink/table-schemas';
import { EventValidator } from '../../../src/validate/event-validator';
import { ExtraColumnTypes } from '../../../src/validate/extra-column-types';
import { listeningEvent, stagedObject } from '../../fixtures/listening-events';
import { MemorySource } from '../../fixtures/memory-source';

const quarantinedMetrics = (manifests: Array<{ operation: string; metrics?: unknown }>) => manifests.filter((m) => m.operation === 'quarantine' && m.metrics !== undefined);

describe('staged object → lake files (no network)', () => {
  let dir: string;
  let encoder: DuckDbEncoder;
  const source = new MemorySource();
  const metrics = createEtlMetrics(createRegistry('etl-unit', false));

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'etl-pipeline-'));
    encoder = await DuckDbEncoder.create({ threads: 1, memoryLimitMb: 256, rowGroupRows: 1000 });
  });
  afterAll(async () => {
    await encoder.close();
    await rm(dir, { recursive: true, force: true });
  });

  function stage(lines: Array<string | Buffer>, firstOffset = 100, format: StagedFileManifest['format'] = 'ndjson'): StagedFileManifest {
    const { body, manifest } = stagedObject({ bucket: 'staging', topic: 'listening-events', partition: 2, firstOffset, lines, format });
    source.objects.set(manifest.key, body);
    return manifest;
  }

  const writer = (schemas?: TableSchemas) =>
    new LakeObjectWriter(encoder, new DirectoryLakeStore(join(dir, 'lake'), 'lake'), { dlq: 'dlq' }, metrics, pino({ level: 'silent' }), { now: () => 42, ...(schemas ? { schemas } : {}) });

  /** A worker's view of one table: schemas from a catalog, the validator's column types following them (as app.ts wires it). */
  async function tableBound(catalog: MemorySchemaCatalog) {
    const schemas = new TableSchemas(catalog);
    const types = new ExtraColumnTypes(new Set(LISTENING_EVENTS_COLUMNS.map((c) => c.name)));
    schemas.onChange((table, schema) => table === 'listening_events' && types.adoptTable(schema));
    await schemas.refresh('listening_events');
    return { schemas, preparer: new StagedObjectPreparer(source, new EventValidator(), undefined, undefined, types), writer: writer(schemas) };
  }

  it('when DuckDB refuses lines our checks let through, quarantines exactly those as engine_rejected and writes the rest', async () => {
    // A checker that lets everything through stands in for a validator gap: the engine is the last line of defence.
    const lenient = { checkLines: (lines: string[]) => lines.map((line) => ({ ok: true as const, eventId: (JSON.parse(line) as { event_id: string }).event_id, ts: (JSON.parse(line) as { ts: string }).ts, extras: null })) };
    const good = Array.from({ length: 40 }, (_, i) => JSON.stringify(listeningEvent(900 + i, { ts: '2026-11-20T12:00:00Z' })));
    const poisoned = [
      good[3]!.replace(/"track_name":"[^"]*"/, '"track_name":"Song \\ud83d"'),
      good[29]!.replace(/"platform":"[^"]*"/, '"platform":"ios","platform":"android"'),
    ];
    const lines = good.map((line, i) => (i === 3 ? poisoned[0]! : i === 29 ? poisoned[1]! : line));
    const manifest = stage(lines, 5_000);
    const [outcome] = await prepareAndWrite([manifest], new StagedObjectPreparer(source, lenient), writer());
    const adds = outcome!.manifests.filter((m) => m.operation === 'add');
    expect(adds.reduce((n, m) => n + m.row_count, 0)).toBe(38);
    const quarantine = outcome!.manifests.filter((m) => m.operation === 'quarantine');
    expect(quarantine.map((m) => [m.key.includes('reason=engine_rejected'), m.row_count])).toEqual([[true, 2]]);
    expect(outcome!.dlq.map((r) => fromKafkaHeaders(r.headers as never)['source.offset']).sort()).toEqual([5_003, 5_029]);
    expect(outcome!.dlq.map((r) => r.value!.toString()).sort()).toEqual([...poisoned].sort());
    // Reconciles: staged = written + rejected + duplicates.
    expect(adds[0]!.input).toEqual({ staged_record_count: 40, rejected_count: 2, duplicate_count: 0 });
  });

  it('quarantines a line that would grow the table past the new-column cap, and keeps lines using columns already there', async () => {
    const types = new ExtraColumnTypes(new Set(LISTENING_EVENTS_COLUMNS.map((c) => c.name)), 3);
    const base = (i: number) => listeningEvent(970 + i, { ts: '2026-11-20T15:00:00Z' });
    const lines = [
      JSON.stringify({ ...base(0), mood: 'calm', bpm: 90 }),
      JSON.stringify({ ...base(1), ...Object.fromEntries(Array.from({ length: 12_000 }, (_, i) => [`f${i}`, i])) }),
      JSON.stringify({ ...base(2), lyrics_lang: 'sv' }),
      JSON.stringify({ ...base(3), venue: 'x' }),
      JSON.stringify({ ...base(4), mood: 'happy' }),
    ];
    const prepared = await new StagedObjectPreparer(source, new EventValidator(), undefined, undefined, types).prepare(stage(lines, 9_000));
    expect(prepared.extras.map((c) => c.name)).toEqual(['bpm', 'lyrics_lang', 'mood']);
    expect(prepared.rejected.map((r) => [r.reason, r.offset])).toEqual([
      ['unsupported_field', 9_001],
      ['unsupported_field', 9_003],
    ]);
    expect(prepared.rejected[0]!.message).toContain('ETL_MAX_NEW_COLUMNS');
  });

  it('quarantines plays dated outside the accepted window (year 0005, year 9999) and keeps their neighbours', async () => {
    const lines = [
      JSON.stringify(listeningEvent(960, { ts: '2026-11-20T14:00:00Z' })),
      JSON.stringify(listeningEvent(961, { ts: '0005-01-01T00:00:00Z' })),
      JSON.stringify(listeningEvent(962, { ts: '9999-12-31T23:59:59Z' })),
    ];
    const prepared = await new StagedObjectPreparer(source, new EventValidator(), undefined, undefined, undefined, {
      window: { maxPastMs: 365 * 86_400_000, maxFutureMs: 86_400_000 },
      now: () => Date.UTC(2026, 11, 1),
    }).prepare(stage(lines, 8_000));
    expect(prepared.buckets.map((b) => [b.partition.hour, b.rowCount])).toEqual([['14', 1]]);
    expect(prepared.rejected.map((r) => [r.reason, r.offset])).toEqual([
      ['event_time_out_of_range', 8_001],
      ['event_time_out_of_range', 8_002],
    ]);
  });

  it('turns a staged object that is missing or corrupt into a dead letter of its own, and still writes the others of the batch', async () => {
    const good = stage([JSON.stringify(listeningEvent(950, { ts: '2026-11-20T13:00:00Z' }))], 7_000);
    const missing = { ...stage([JSON.stringify(listeningEvent(951))], 7_100), key: 'staging/expired.ndjson.gz' };
    const corrupt = stage([JSON.stringify(listeningEvent(952))], 7_200);
    source.objects.set(corrupt.key, source.objects.get(corrupt.key)!.subarray(0, 20)); // a truncated gzip
    const poisoned: string[] = [];
    const outcomes = await prepareAndWrite([good, missing, corrupt], new StagedObjectPreparer(source, new EventValidator()), writer(), {
      poisoned: (manifest, err, phase) => {
        const code = poisonCode(err, phase);
        if (!code) return undefined;
        poisoned.push(`${manifest.key}:${code}`);
        return { manifests: [], dlq: [], rowsOut: 0 };
      },
    });
    expect(poisoned).toEqual([`staging/expired.ndjson.gz:S3_NOT_FOUND`, `${corrupt.key}:CHECKSUM_MISMATCH`]);
    expect(outcomes.map((o) => o.rowsOut)).toEqual([1, 0, 0]);
    // What is not poison is not swallowed: an S3 outage fails the batch (retried whole after a rewind).
    expect(poisonCode(new PipelineError('S3_UNAVAILABLE', 'down', { retriable: true }), 'prepare')).toBeUndefined();
    expect(poisonCode(new PipelineError('S3_NOT_FOUND', 'NoSuchBucket on put'), 'write')).toBeUndefined();
  });

  it('splits by event hour, drops duplicates, quarantines rejects with reasons, and reconciles', async () => {
    const good = [0, 1, 2, 3, 4, 5].map((i) => listeningEvent(i, { ts: `2026-11-20T${i % 2 ? '10' : '11'}:0${i}:00Z` }));
    const lines = [
      ...good.map((e) => JSON.stringify(e)),
      JSON.stringify(good[0]), // duplicate event_id
      'not json',
      JSON.stringify({ ...good[1], event_id: 'evt-x-000001', ms_played: 'long' }),
      JSON.stringify({ ...good[1], event_id: 'evt-x-000002', conn_country: 'SWE' }),
    ];
    const manifest = stage(lines);
    const prepared = await new StagedObjectPreparer(source, new EventValidator()).prepare(manifest);
    expect(prepared.buckets.map((b) => [b.partition, b.rowCount])).toEqual([
      [{ dt: '2026-11-20', hour: '10' }, 3],
      [{ dt: '2026-11-20', hour: '11' }, 3],
    ]);
    expect(prepared.duplicateCount).toBe(1);
    expect(prepared.rejected.map((r) => [r.reason, r.offset])).toEqual([
      ['not_json', 107],
      ['breaking_change', 108],
      ['schema_invalid', 109],
    ]);

    const outcome = await writer().write(prepared);
    for (const m of outcome.manifests) lakeFileManifestV1.parse(m);
    const adds = outcome.manifests.filter((m) => m.operation === 'add');
    expect(adds.map((m) => m.key)).toEqual([
      'listening_events/data/ts_hour=2026-11-20-10/part-listening-events+2+00000000000000000100.parquet',
      'listening_events/data/ts_hour=2026-11-20-11/part-listening-events+2+00000000000000000100.parquet',
    ]);
    // Iceberg field ids 1..n of a fresh table in every file, and no dt/hour (or helper) column.
    const fieldIds = await encoder.query(`SELECT name, field_id::INTEGER AS id FROM parquet_schema('${join(dir, 'lake', adds[0]!.key)}') WHERE name <> 'duckdb_schema'`);
    expect(fieldIds).toEqual(LISTENING_EVENTS_COLUMNS.map((c, i) => ({ name: c.name, id: i + 1 })));
    // Metrics from the footer: ts bounded by the hour's own event times, every column counted.
    const tsId = String(LISTENING_EVENTS_COLUMNS.findIndex((c) => c.name === 'ts') + 1);
    for (const [m, bucket] of adds.map((a, i) => [a, prepared.buckets[i]!] as const)) {
      const ts = (which: 'lower_bounds' | 'upper_bounds') => Number((deserializeBound('timestamp', Buffer.from(m.metrics![which][tsId]!, 'base64')) as bigint) / 1000n);
      expect([ts('lower_bounds'), ts('upper_bounds')]).toEqual([bucket.eventTimeMinMs, bucket.eventTimeMaxMs]);
      expect(m.metrics!.value_counts['1']).toBe(m.row_count);
      expect(Object.keys(m.metrics!.value_counts).length).toBe(LISTENING_EVENTS_COLUMNS.length);
    }
    expect(quarantinedMetrics(outcome.manifests)).toEqual([]);
    const quarantined = outcome.manifests.filter((m) => m.operation === 'quarantine');
    expect(quarantined.map((m) => [m.key, m.row_count])).toEqual([
      ['_quarantine/listening_events/reason=breaking_change/listening-events+2+00000000000000000100.ndjson.gz', 1],
      ['_quarantine/listening_events/reason=not_json/listening-events+2+00000000000000000100.ndjson.gz', 1],
      ['_quarantine/listening_events/reason=schema_invalid/listening-events+2+00000000000000000100.ndjson.gz', 1],
    ]);
    // The ledger reconciles: staged = rows + rejected + duplicates.
    const input = adds[0]!.input!;
    expect(input).toEqual({ staged_record_count: 10, rejected_count: 3, duplicate_count: 1 });
    expect(adds.reduce((s, m) => s + m.row_count, 0) + input.rejected_count + input.duplicate_count).toBe(input.staged_record_count);

    const notJson = gunzipSync(await readFile(join(dir, 'lake', quarantined[1]!.key))).toString().trim();
    expect(JSON.parse(notJson)).toMatchObject({ reason: 'not_json', line: 'not json', source: { offset: 107 } });
    expect(outcome.dlq.map((r) => fromKafkaHeaders(r.headers as never)['error.code'])).toEqual(['RECORD_NOT_JSON', 'RECORD_SCHEMA_BREAKING', 'RECORD_INVALID']);
    expect(outcome.dlq[0]!.value.toString()).toBe('not json');
  });

  it('writes the same bytes when the same staged object is processed again', async () => {
    const manifest = stage([0, 1, 2].map((i) => JSON.stringify(listeningEvent(i))), 500);
    const preparer = new StagedObjectPreparer(source, new EventValidator());
    const first = await writer().write(await preparer.prepare(manifest));
    const second = await writer().write(await preparer.prepare(manifest));
    expect(second.manifests.map((m) => [m.key, m.sha256])).toEqual(first.manifests.map((m) => [m.key, m.sha256]));
  });

  it('rejects a checksum mismatch before anything is written', async () => {
    const manifest = { ...stage([JSON.stringify(listeningEvent(1))], 900), sha256: 'f'.repeat(64) };
    await expect(new StagedObjectPreparer(source, new EventValidator()).prepare(manifest)).rejects.toMatchObject({ code: 'CHECKSUM_MISMATCH' });
  });

  it('quarantines every line of a format it does not read, instead of guessing', async () => {
    const manifest = stage([JSON.stringify({ key: 'u', value: listeningEvent(1) })], 950, 'ndjson-envelope');
    const prepared = await new StagedObjectPreparer(source, new EventValidator()).prepare(manifest);
    expect(prepared.buckets).toEqual([]);
    expect(prepared.rejected.map((r) => r.reason)).toEqual(['unsupported_format']);
  });

  it('adds a new column to the table before the file holding it, and quarantines a later change of its type', async () => {
    const catalog = new MemorySchemaCatalog();
    const { preparer, writer: tableWriter } = await tableBound(catalog);
    const first = await preparer.prepare(stage([JSON.stringify({ ...listeningEvent(1), volume: 3 })], 1000));
    const outcome = await tableWriter.write(first);
    expect(outcome.manifests[0]!.new_columns).toEqual([{ name: 'volume', type: 'bigint' }]);
    // The table has it, with the next field id, and the file carries that id.
    const field = (await catalog.load('listening_events')).metadata.schemas.at(-1)!.fields.find((f) => f.name === 'volume')!;
    expect(field).toMatchObject({ id: LISTENING_EVENTS_COLUMNS.length + 1, type: 'long' });
    const ids = await encoder.query(`SELECT field_id::INTEGER AS id FROM parquet_schema('${join(dir, 'lake', outcome.manifests[0]!.key)}') WHERE name = 'volume'`);
    expect(ids).toEqual([{ id: field.id }]);
    const second = await preparer.prepare(stage([JSON.stringify({ ...listeningEvent(2), volume: 'loud' })], 2000));
    expect(second.rejected.map((r) => r.reason)).toEqual(['breaking_change']);
    expect(second.rejected[0]!.message).toContain('its column is bigint');
  });

  it('takes a new column type from the table at start: a line that disagrees is quarantined before anything is written', async () => {
    const catalog = new MemorySchemaCatalog();
    await catalog.ensureColumns('listening_events', [{ name: 'mood', type: 'string' }]);
    const { preparer } = await tableBound(catalog);
    const prepared = await preparer.prepare(stage([JSON.stringify({ ...listeningEvent(3), mood: 7 }), JSON.stringify({ ...listeningEvent(4), mood: 'calm' })], 2500));
    expect(prepared.rejected.map((r) => r.reason)).toEqual(['breaking_change']);
    expect(prepared.extras).toEqual([{ name: 'mood', type: 'string' }]);
  });

  it('on a type conflict at write time (another replica added the column first), refreshes and quarantines on the retry, once', async () => {
    const catalog = new MemorySchemaCatalog();
    const { preparer, writer: tableWriter } = await tableBound(catalog);
    // Another replica wins the race for the column after this worker loaded the schema.
    await catalog.ensureColumns('listening_events', [{ name: 'tempo_hint', type: 'string' }]);
    const manifest = stage([JSON.stringify({ ...listeningEvent(5), tempo_hint: 120 })], 2700);
    const first = await preparer.prepare(manifest);
    expect(first.rejected).toEqual([]);
    await expect(tableWriter.write(first)).rejects.toBeInstanceOf(ColumnTypeConflict);
    // The retry (the loop rewinds and prepares again) sees the table's type: quarantined, not written.
    const retry = await preparer.prepare(manifest);
    expect(retry.rejected.map((r) => r.reason)).toEqual(['breaking_change']);
    const outcome = await tableWriter.write(retry);
    expect(outcome.manifests.map((m) => m.operation)).toEqual(['quarantine']);
    expect((await catalog.load('listening_events')).metadata.schemas.at(-1)!.fields.filter((f) => f.name === 'tempo_hint')).toEqual([expect.objectContaining({ type: 'string' })]);
  });

  it('lets DuckDB read a clean staged object directly, with the same result as the re-serialised lines', async () => {
    const manifest = stage([0, 1, 2, 3].map((i) => JSON.stringify(listeningEvent(i, { conn_country: 'se' }))), 3000);
    const spooling = new StagedObjectPreparer(source, new EventValidator(), () => encoder.tempPath('.ndjson'));
    const fast = await spooling.prepare(manifest);
    expect(fast.validLinesPath).toBeDefined();
    expect(fast.lines).toEqual([]);
    const slow = await new StagedObjectPreparer(source, new EventValidator()).prepare(manifest);
    expect(slow.validLinesPath).toBeUndefined();
    const a = await writer().write(fast);
    const b = await writer().write(slow);
    expect(a.manifests.map((m) => [m.key, m.row_count])).toEqual(b.manifests.map((m) => [m.key, m.row_count]));
    const key = a.manifests[0]!.key;
    const rows = await encoder.query(`SELECT DISTINCT conn_country FROM '${join(dir, 'lake', key)}'`);
    expect(rows).toEqual([{ conn_country: 'SE' }]);
  });

  it('hands DuckDB only the valid, first-seen lines when a line was dropped, byte for byte', async () => {
    const line = JSON.stringify(listeningEvent(1, { track_name: 'Sigur Rós' }));
    const other = JSON.stringify(listeningEvent(2));
    const spool = encoder.tempPath('.ndjson');
    const prepared = await new StagedObjectPreparer(source, new EventValidator(), () => spool).prepare(stage([line, 'not json', line, '', other], 4000));
    expect(prepared.validLinesPath).not.toBe(spool);
    expect(prepared.lines).toEqual([]);
    expect(await readFile(prepared.validLinesPath!, 'utf8')).toBe(`${line}\n${other}\n`);
    // The unfiltered download is gone; the filtered copy is the writer's to delete.
    await expect(readFile(spool)).rejects.toMatchObject({ code: 'ENOENT' });
    await rm(prepared.validLinesPath!);
  });

  it('writes a line that is not valid UTF-8 as it was validated, so DuckDB does not refuse the object on every retry', async () => {
    const good = JSON.stringify(listeningEvent(1));
    // A valid event whose track name holds a lone 0xff byte: JSON.parse of the decoded text accepts it (U+FFFD).
    const [head, tail] = JSON.stringify(listeningEvent(2, { track_name: 'Bad@Byte' })).split('@') as [string, string];
    const broken = Buffer.concat([Buffer.from(head), Buffer.from([0xff]), Buffer.from(tail)]);
    const spool = encoder.tempPath('.ndjson');
    const prepared = await new StagedObjectPreparer(source, new EventValidator(), () => spool).prepare(stage([good, broken], 5000));
    expect(prepared.rejected).toEqual([]);
    expect(prepared.validLinesPath).not.toBe(spool);
    const written = await writer().write(prepared);
    expect(written.manifests.reduce((n, m) => n + m.row_count, 0)).toBe(2);
    const rows = await encoder.query(`SELECT track_name FROM '${join(dir, 'lake', written.manifests[0]!.key)}' ORDER BY event_id`);
    expect(rows.map((r) => r.track_name)).toContain('Bad\ufffdByte');
  });

  it('gives the same result with a spool (hashed ids, exact re-run on a repeated hash) as without', async () => {
    const events = [0, 1, 2, 3, 4, 5].map((i) => listeningEvent(i, { ts: `2026-11-20T${i % 2 ? '10' : '11'}:0${i}:00Z` }));
    const lines = [
      ...events.map((e) => JSON.stringify(e)),
      JSON.stringify({ ...events[2], ms_played: 1 }), // repeated event_id, other content: the first line wins
      'not json',
      JSON.stringify(events[0]),
    ];
    const manifest = stage(lines, 6000);
    const summary = async (preparer: StagedObjectPreparer) => {
      const p = await preparer.prepare(manifest);
      const valid = p.validLinesPath ? (await readFile(p.validLinesPath, 'utf8')).split('\n').filter(Boolean) : p.lines;
      if (p.validLinesPath) await rm(p.validLinesPath);
      return { valid, buckets: p.buckets, rejected: p.rejected, duplicates: p.duplicateCount, lines: p.lineCount };
    };
    const exact = await summary(new StagedObjectPreparer(source, new EventValidator()));
    expect(exact.duplicates).toBe(2);
    expect(exact.valid).toEqual(lines.slice(0, 6));
    const hashed = await summary(new StagedObjectPreparer(source, new EventValidator(), () => encoder.tempPath('.ndjson')));
    expect(hashed).toEqual(exact);
    // Every hash the same: every line after the first is "maybe", the exact re-run still decides.
    const colliding = new StagedObjectPreparer(source, new EventValidator(), () => encoder.tempPath('.ndjson'), () => new HashedEventIds((_t, out) => out.fill(1)));
    expect(await summary(colliding)).toEqual(exact);
  });

  it('writes staged objects two at a time with the same files, manifests and order as one at a time', async () => {
    const manifests = [0, 1, 2, 3, 4].map((o) =>
      stage(
        Array.from({ length: 40 + o * 7 }, (_, i) => JSON.stringify(listeningEvent(o * 1_000 + i, {}, Date.parse('2026-11-20T10:00:00Z') + o * 3_600_000))),
        20_000 + o * 1_000,
      ),
    );
    const twoLanes = await DuckDbEncoder.create({ threads: 1, memoryLimitMb: 256, rowGroupRows: 1000, parallelWrites: 2 });
    try {
      const run = async (enc: DuckDbEncoder, lake: string) => {
        // A clock after the events: the watermark is theirs, not cut to the clock (publishedWatermarkMs).
        const lakeWriter = new LakeObjectWriter(enc, new DirectoryLakeStore(join(dir, lake), 'lake'), { dlq: 'dlq' }, metrics, pino({ level: 'silent' }), { now: () => Date.parse('2026-12-01T00:00:00Z') });
        const preparer = new StagedObjectPreparer(source, new EventValidator(), () => enc.tempPath('.ndjson'));
        return (await prepareAndWrite(manifests, preparer, lakeWriter)).flatMap((o) => o.manifests.map((m) => [m.key, m.sha256, m.row_count, m.watermark_ms]));
      };
      const parallel = await run(twoLanes, 'lake-parallel');
      const serial = await run(encoder, 'lake-serial');
      expect(twoLanes.parallelWrites).toBe(2);
      expect(parallel).toEqual(serial);
      // Watermarks grow in input order: each write started after the one before it.
      const watermarks = parallel.map((m) => m[3] as number);
      expect(watermarks).toEqual([...watermarks].sort((a, b) => a - b));
      expect(new Set(watermarks).size).toBeGreaterThan(1);
    } finally {
      await twoLanes.close();
    }
  });

  it('keeps multi-byte characters intact across decompressed chunk boundaries (objects over 1 MiB)', async () => {
    const name = 'Sigur Rós – Hoppípolla 🎵 '.repeat(20);
    const lines = Array.from({ length: 4_000 }, (_, i) => JSON.stringify(listeningEvent(10_000 + i, { track_name: `${name}${i}` })));
    expect(lines.join('\n').length).toBeGreaterThan(2 * 1024 * 1024);
    const prepared = await new StagedObjectPreparer(source, new EventValidator()).prepare(stage(lines, 5000));
    expect(prepared.rejected).toEqual([]);
    expect(prepared.lines).toEqual(lines);
  });
});
