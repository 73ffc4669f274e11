import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { contentTypeOf, isSkipOf, LISTENING_EVENTS_COLUMNS, platformFamilyOf, platformFamilySql, toDuckDbType } from '@spotify-pipeline/shared/schemas';
import { fieldsOf } from '../../../src/parquet/copy-options';
import { DuckDbEncoder } from '../../../src/parquet/duckdb-encoder';
import { MemorySchemaCatalog } from '../../../src/sink/memory-schema-catalog';
import { TableSchemas } from '../../../src/sink/table-schemas';
import { type ExtraColumn } from '../../../src/transform/lake-sql';
import { listeningEventColumnNames } from '../../../src/transform/spec-table-sql';
import { listeningEvent } from '../../fixtures/listening-events';

describe('listening events SQL (DuckDB in process)', () => {
  let encoder: DuckDbEncoder;
  let dir: string;

  beforeAll(async () => {
    encoder = await DuckDbEncoder.create({ threads: 1, memoryLimitMb: 256, rowGroupRows: 1000 });
    dir = await mkdtemp(join(tmpdir(), 'etl-sql-'));
  });
  afterAll(async () => {
    await encoder.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** The file as it is: DuckDB would otherwise add its folder's `key=value` as a column. */
  const scan = (path: string): string => `read_parquet('${path}', hive_partitioning = false)`;

  /** Encodes lines of one event hour the way the writer does (field ids of a fresh table); returns the file's path. */
  async function encodeHour(lines: string[], extras: ExtraColumn[], name: string): Promise<string> {
    const schemas = new TableSchemas(new MemorySchemaCatalog());
    const fields = fieldsOf(await schemas.fields('listening_events', [...LISTENING_EVENTS_COLUMNS, ...extras]), listeningEventColumnNames(extras));
    const files = await encoder.encodeListeningEventsByHour({ lines }, extras, join(dir, name), fields);
    expect(files.length).toBe(1);
    expect(files[0]!.rows).toBe(lines.length);
    return files[0]!.path;
  }

  it.each([
    ['android', 'android'],
    ['Android OS 9 API 28 (samsung, SM-G960F)', 'android'],
    ['ios', 'ios'],
    ['iOS 17.1 (iPhone15,2)', 'ios'],
    ['windows', 'desktop'],
    ['osx', 'desktop'],
    ['OS X 10.15.7 [x86 8]', 'desktop'],
    ['linux', 'desktop'],
    ['web_player windows 10;chrome 120.0.0.0;desktop', 'web'],
    ['Android Auto', 'car'],
    ['Samsung Smart TV (Tizen)', 'tv'],
    ['PlayStation 5', 'console'],
    ['Sonos Play:1', 'speaker'],
    ['not_applicable', 'other'],
    ['Microsoft Edge/120 on a Smart TV', 'tv'],
    ['Partner google_home cast', 'speaker'],
    ['ANDROID_TV', 'tv'],
  ])('platform %s is family %s, in SQL and in JS (insights-service)', async (platform, family) => {
    const rows = await encoder.query(`SELECT ${platformFamilySql(`'${platform.replaceAll("'", "''")}'`)} AS f`);
    expect(rows[0]!.f).toBe(family);
    expect(platformFamilyOf(platform)).toBe(family);
  });

  it('writes the contract columns, normalised, and the derived ones, with µs timestamps', async () => {
    await encoder.setTrackDurations(new Map([[listeningEvent(0).track_uri!, 200_000]]));
    const events = [
      listeningEvent(0, { ms_played: 100_000, conn_country: 'se', skipped: null, reason_end: 'fwdbtn', ts: '2026-11-20T10:15:00.250Z' }),
      listeningEvent(1, { track_uri: null, episode_uri: `spotify:episode:${'b'.repeat(22)}`, skipped: true, reason_end: 'trackdone' }),
      listeningEvent(2, { track_uri: null, reason_end: null, skipped: null }),
    ];
    const parquet = await encodeHour(events.map((e) => JSON.stringify({ ...e, ip_addr: '1.2.3.4' })), [], 'out');
    const schema = await encoder.query(`SELECT name, type, logical_type FROM parquet_schema('${parquet}') WHERE name <> 'duckdb_schema'`);
    expect(schema.map((c) => c.name)).toEqual(LISTENING_EVENTS_COLUMNS.map((c) => c.name));
    expect(String(schema.find((c) => c.name === 'ts')!.logical_type)).toContain('MICROS=MicroSeconds()');
    const described = await encoder.query(`DESCRIBE SELECT * FROM ${scan(parquet)}`);
    expect(described.map((c) => c.column_type)).toEqual(LISTENING_EVENTS_COLUMNS.map((c) => toDuckDbType(c.type)));
    const out = await encoder.query(
      `SELECT conn_country, strftime(ts, '%Y-%m-%dT%H:%M:%S.%g') AS ts, event_date::VARCHAR AS d, event_hour, seconds_played, completion_ratio, is_skip, content_type FROM ${scan(parquet)}`,
    );
    expect(out).toEqual([
      { conn_country: 'SE', ts: '2026-11-20T10:15:00.250', d: '2026-11-20', event_hour: 10, seconds_played: 100, completion_ratio: 0.5, is_skip: true, content_type: 'track' },
      expect.objectContaining({ is_skip: true, content_type: 'episode', completion_ratio: null }),
      expect.objectContaining({ is_skip: false, content_type: 'unknown', completion_ratio: null }),
    ]);
    // The live service's JS definitions give the lake's values for the same events.
    expect(events.map((e) => ({ is_skip: isSkipOf(e), content_type: contentTypeOf(e) }))).toEqual(out.map((row) => ({ is_skip: row.is_skip, content_type: row.content_type })));
  });

  it('adds new columns as typed nullable columns after the lake columns', async () => {
    const lines = [JSON.stringify({ ...listeningEvent(5, { ts: '2026-11-20T10:05:00Z' }), mood: 'calm' }), JSON.stringify(listeningEvent(6, { ts: '2026-11-20T10:06:00Z' }))];
    const parquet = await encodeHour(lines, [{ name: 'mood', type: 'string' }], 'extra');
    const out = await encoder.query(`SELECT mood FROM ${scan(parquet)}`);
    expect(out).toEqual([{ mood: 'calm' }, { mood: null }]);
    const names = (await encoder.query(`DESCRIBE SELECT * FROM ${scan(parquet)}`)).map((c) => c.column_name);
    expect(names.at(-1)).toBe('mood');
  });

  it('fails loudly rather than writing fewer rows than it was given', async () => {
    const fields = fieldsOf(await new TableSchemas(new MemorySchemaCatalog()).fields('listening_events', LISTENING_EVENTS_COLUMNS), listeningEventColumnNames([]));
    await expect(encoder.encodeListeningEventsByHour({ lines: ['{"ts": "not a time"}'] }, [], join(dir, 'bad'), fields)).rejects.toThrow(/Parquet engine refused the input/);
  });
});
