import { timeTravelClauses } from '../../../src/local/time-travel';

describe('timeTravelClauses', () => {
  it('reads the point in time of FOR TIMESTAMP AS OF and the id of FOR VERSION AS OF, as Trino and Athena write them', () => {
    const sql = `SELECT COUNT(*) FROM listening_events FOR TIMESTAMP AS OF TIMESTAMP '2026-12-01 10:00:00 UTC' e
      JOIN tracks FOR VERSION AS OF 8277218263112239117 t ON t.uri = e.track_uri`;
    expect(timeTravelClauses(sql)).toEqual([
      { text: "listening_events FOR TIMESTAMP AS OF TIMESTAMP '2026-12-01 10:00:00 UTC'", table: 'listening_events', asOf: { timestampMs: Date.UTC(2026, 11, 1, 10) } },
      { text: 'tracks FOR VERSION AS OF 8277218263112239117', table: 'tracks', asOf: { snapshotId: 8277218263112239117n } },
    ]);
  });

  it('takes a zone-less literal as UTC and refuses what it cannot read, naming it', () => {
    expect(timeTravelClauses("select * from tracks for timestamp as of timestamp '2026-12-01 10:00:00'")[0]!.asOf).toEqual({ timestampMs: Date.UTC(2026, 11, 1, 10) });
    expect(() => timeTravelClauses("select * from tracks FOR TIMESTAMP AS OF TIMESTAMP 'yesterday'")).toThrow(/yesterday/);
    expect(timeTravelClauses('select * from tracks')).toEqual([]);
  });
});
