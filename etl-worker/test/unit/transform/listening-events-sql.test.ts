import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LISTENING_EVENTS_COLUMNS, toDuckDbType } from '@spotify-pipeline/shared/schemas';
import { DuckDbEncoder } from '../../../src/parquet/duckdb-encoder';
import { platformFamilySql } from '../../../src/transform/platform-family';
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
  ])('platform %s is family %s', async (platform, family) => {
    const rows = await encoder.query(`SELECT ${platformFamilySql(`'${platform.replaceAll("'", "''")}'`)} AS f`);
    expect(rows[0]!.f).toBe(family);
  });

  it('writes the contract columns, normalised, and the derived ones, with µs timestamps', async () => {
    await encoder.setTrackDurations(new Map([[listeningEvent(0).track_uri!, 200_000]]));
    const events = [
      listeningEvent(0, { ms_played: 100_000, conn_country: 'se', skipped: null, reason_end: 'fwdbtn', ts: '2026-11-20T10:15:00.250Z' }),
      listeningEvent(1, { track_uri: null, episode_uri: `spotify:episode:${'b'.repeat(22)}`, skipped: true, reason_end: 'trackdone' }),
      listeningEvent(2, { track_uri: null, reason_end: null, skipped: null }),
    ];
    const parquet = join(dir, 'out.parquet');
    const rows = await encoder.encodeListeningEvents(events.map((e) => JSON.stringify({ ...e, ip_addr: '1.2.3.4' })), [], parquet);
    expect(rows).toBe(3);
    const schema = await encoder.query(`SELECT name, type, logical_type FROM parquet_schema('${parquet}') WHERE name <> 'duckdb_schema'`);
    expect(schema.map((c) => c.name)).toEqual(LISTENING_EVENTS_COLUMNS.map((c) => c.name));
    expect(String(schema.find((c) => c.name === 'ts')!.logical_type)).toContain('MICROS=MicroSeconds()');
    const described = await encoder.query(`DESCRIBE SELECT * FROM '${parquet}'`);
    expect(described.map((c) => c.column_type)).toEqual(LISTENING_EVENTS_COLUMNS.map((c) => toDuckDbType(c.type)));
    const out = await encoder.query(
      `SELECT conn_country, strftime(ts, '%Y-%m-%dT%H:%M:%S.%g') AS ts, event_date::VARCHAR AS d, event_hour, seconds_played, completion_ratio, is_skip, content_type FROM '${parquet}'`,
    );
    expect(out).toEqual([
      { conn_country: 'SE', ts: '2026-11-20T10:15:00.250', d: '2026-11-20', event_hour: 10, seconds_played: 100, completion_ratio: 0.5, is_skip: true, content_type: 'track' },
      expect.objectContaining({ is_skip: true, content_type: 'episode', completion_ratio: null }),
      expect.objectContaining({ is_skip: false, content_type: 'unknown', completion_ratio: null }),
    ]);
  });

  it('adds new columns as typed nullable columns after the lake columns', async () => {
    const parquet = join(dir, 'extra.parquet');
    const lines = [JSON.stringify({ ...listeningEvent(5), mood: 'calm' }), JSON.stringify(listeningEvent(6))];
    await encoder.encodeListeningEvents(lines, [{ name: 'mood', type: 'string' }], parquet);
    const out = await encoder.query(`SELECT mood FROM '${parquet}'`);
    expect(out).toEqual([{ mood: 'calm' }, { mood: null }]);
    const names = (await encoder.query(`DESCRIBE SELECT * FROM '${parquet}'`)).map((c) => c.column_name);
    expect(names.at(-1)).toBe('mood');
  });

  it('fails loudly rather than writing fewer rows than it was given', async () => {
    await expect(encoder.encodeListeningEvents(['{"ts": "not a time"}'], [], join(dir, 'bad.parquet'))).rejects.toThrow(/Parquet encoding failed/);
  });
});
