import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { QueryEngine, QueryResult } from '@spotify-pipeline/catalog-sync/local';
import { historySql, queryLakeHistory } from '../../../src/history/lake-history';

/** A QueryEngine over an in-memory DuckDB table shaped like the lake's listening_events. */
class TableEngine implements QueryEngine {
  readonly name = 'duckdb';
  constructor(private readonly connection: DuckDBConnection) {}
  async query(sql: string): Promise<QueryResult> {
    const reader = await this.connection.runAndReadAll(sql);
    const rows = reader.getRowObjectsJS().map((row) => Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : (v as never)])));
    return { columns: reader.columnNames().map((name) => ({ name, type: 'VARCHAR' })), rows };
  }
  async countHourRows(): Promise<number> {
    return 0;
  }
  async close(): Promise<void> {}
}

describe('the history panel\'s lake queries', () => {
  let instance: DuckDBInstance;
  let connection: DuckDBConnection;

  beforeAll(async () => {
    instance = await DuckDBInstance.create(':memory:');
    connection = await instance.connect();
    await connection.run("SET TimeZone = 'UTC'");
    await connection.run(`CREATE TABLE listening_events (ts TIMESTAMP, event_date DATE, user_id VARCHAR, ms_played BIGINT, track_uri VARCHAR, track_name VARCHAR, artist_name VARCHAR)`);
    const rows: string[] = [];
    // Two days: on 11-30 track A is played 3×, B 2×; on 12-01 B 4×, C 1×; one episode (no track) each day; one play before the window.
    const add = (ts: string, user: string, ms: number, track: string | null) =>
      rows.push(`(TIMESTAMP '${ts}', CAST(TIMESTAMP '${ts}' AS DATE), '${user}', ${ms}, ${track ? `'spotify:track:${track}'` : 'NULL'}, ${track ? `'Track ${track}'` : 'NULL'}, ${track ? `'Artist ${track}'` : 'NULL'})`);
    for (const u of ['u1', 'u2', 'u3']) add('2026-11-30 08:00:00', u, 3_600_000, 'A');
    for (const u of ['u1', 'u4']) add('2026-11-30 09:00:00', u, 1_800_000, 'B');
    add('2026-11-30 10:00:00', 'u5', 600_000, null);
    for (const u of ['u1', 'u2', 'u2', 'u6']) add('2026-12-01 23:59:59', u, 60_000, 'B');
    add('2026-12-01 00:00:00', 'u7', 120_000, 'C');
    add('2026-12-01 01:00:00', 'u7', 60_000, null);
    add('2026-11-20 12:00:00', 'u9', 999_999, 'A');
    await connection.run(`INSERT INTO listening_events VALUES ${rows.join(', ')}`);
  });
  afterAll(() => {
    connection.closeSync();
    instance.closeSync();
  });

  it('answers daily listening hours and top tracks for the last days, in order', async () => {
    const history = await queryLakeHistory(new TableEngine(connection), 2, Date.parse('2026-12-01T15:00:00Z'));
    expect(history.since).toBe('2026-11-30');
    expect(history.days).toEqual([
      { day: '2026-11-30', plays: 6, hoursPlayed: 4.17, listeners: 5 },
      { day: '2026-12-01', plays: 6, hoursPlayed: 0.12, listeners: 4 },
    ]);
    expect(history.topTracks.map((t) => [t.day, t.rank, t.trackName, t.plays])).toEqual([
      ['2026-12-01', 1, 'Track B', 4],
      ['2026-12-01', 2, 'Track C', 1],
      ['2026-11-30', 1, 'Track A', 3],
      ['2026-11-30', 2, 'Track B', 2],
    ]);
    expect(history.topTracks[2]).toEqual({ day: '2026-11-30', rank: 1, trackName: 'Track A', artistName: 'Artist A', plays: 3, minutesPlayed: 180 });
  });

  it('refuses anything but a day in its SQL', () => {
    expect(() => historySql("2026-12-01' OR 1=1 --")).toThrow('not a day');
  });
});
