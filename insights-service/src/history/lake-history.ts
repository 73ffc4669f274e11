import type { QueryEngine } from '@spotify-pipeline/catalog-sync/local';

export interface HistoryDay {
  day: string;
  plays: number;
  hoursPlayed: number;
  listeners: number;
}

export interface HistoryTopTrack {
  day: string;
  rank: number;
  trackName: string;
  artistName: string | null;
  plays: number;
  minutesPlayed: number;
}

export interface LakeHistory {
  engine: string;
  /** First day asked for (UTC). */
  since: string;
  days: HistoryDay[];
  topTracks: HistoryTopTrack[];
}

const TOP_PER_DAY = 5;

/**
 * The history panel's two questions, in the SQL both of catalog-sync's engines read the same way
 * (its saved-query rules: integer sums divided once as DOUBLE, an ORDER BY that ends on a unique
 * key, dates from `event_date`). The `ts` bound lets Athena prune the table's hidden `hour(ts)`
 * partitions; `event_date` keeps whole days.
 */
export function historySql(sinceDay: string): { days: string; topTracks: string } {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(sinceDay)) throw new Error(`not a day: ${sinceDay}`);
  const since = `ts >= TIMESTAMP '${sinceDay} 00:00:00' AND event_date >= DATE '${sinceDay}'`;
  return {
    days: `
SELECT CAST(event_date AS VARCHAR) AS day,
       COUNT(*) AS plays,
       ROUND(CAST(SUM(ms_played) AS DOUBLE) / 3600000, 2) AS hours_played,
       COUNT(DISTINCT user_id) AS listeners
FROM listening_events
WHERE ${since}
GROUP BY event_date
ORDER BY event_date`,
    topTracks: `
SELECT CAST(dt AS VARCHAR) AS day, rank, track_name, artist_name, plays, minutes_played
FROM (
  SELECT event_date AS dt, track_uri, track_name, artist_name,
         COUNT(*) AS plays,
         ROUND(CAST(SUM(ms_played) AS DOUBLE) / 60000, 1) AS minutes_played,
         ROW_NUMBER() OVER (PARTITION BY event_date ORDER BY COUNT(*) DESC, SUM(ms_played) DESC, track_uri) AS rank
  FROM listening_events
  WHERE track_uri IS NOT NULL AND ${since}
  GROUP BY event_date, track_uri, track_name, artist_name
) ranked
WHERE rank <= ${TOP_PER_DAY}
ORDER BY dt DESC, rank`,
  };
}

/** Asks the lake for the last `days` days (today, UTC, included). */
export async function queryLakeHistory(engine: QueryEngine, days: number, nowMs: number): Promise<LakeHistory> {
  const since = new Date(nowMs - (days - 1) * 86_400_000).toISOString().slice(0, 10);
  const sql = historySql(since);
  const daily = await engine.query(sql.days);
  const top = await engine.query(sql.topTracks);
  return {
    engine: engine.name,
    since,
    days: daily.rows.map((r) => ({ day: String(r.day), plays: Number(r.plays), hoursPlayed: Number(r.hours_played), listeners: Number(r.listeners) })),
    topTracks: top.rows.map((r) => ({
      day: String(r.day),
      rank: Number(r.rank),
      trackName: String(r.track_name ?? ''),
      artistName: r.artist_name === null ? null : String(r.artist_name),
      plays: Number(r.plays),
      minutesPlayed: Number(r.minutes_played),
    })),
  };
}
