import { PipelineError } from '@spotify-pipeline/shared/errors';

export interface SavedQuery {
  name: string;
  description: string;
  sql: string;
}

/**
 * The analyst's saved queries, one SQL text that Athena (Trino) and DuckDB evaluate to the same
 * values, proved by a test that runs them on both over one snapshot. The rules that make it so:
 * - no untyped decimal literals (`1.0` is DECIMAL in Trino, DOUBLE in DuckDB): ratios are
 *   `CAST(<integer sum> AS DOUBLE) / <integer count>`, so both engines divide the same two exact
 *   integers once, and ROUND sees the same double;
 * - averages of doubles are sums of DECIMAL(18,6) (exact in both) divided once;
 * - every ORDER BY ends on a unique key, so both return the same rows in the same order;
 * - dates come from `event_date` (the table is partitioned by `hour(ts)`, hidden: no `dt` column).
 */
export const SAVED_QUERIES: SavedQuery[] = [
  {
    name: 'top-tracks',
    description: 'Top 10 tracks per day by plays, with listening minutes',
    sql: `
SELECT dt, rank, track_name, artist_name, plays, minutes_played
FROM (
  SELECT event_date AS dt, track_name, artist_name,
         COUNT(*) AS plays,
         ROUND(CAST(SUM(ms_played) AS DOUBLE) / 60000, 1) AS minutes_played,
         ROW_NUMBER() OVER (PARTITION BY event_date ORDER BY COUNT(*) DESC, SUM(ms_played) DESC, track_uri) AS rank
  FROM listening_events
  WHERE track_uri IS NOT NULL
  GROUP BY event_date, track_uri, track_name, artist_name
) ranked
WHERE rank <= 10
ORDER BY dt, rank`,
  },
  {
    name: 'top-artists',
    description: 'Top 10 artists per day by listening minutes',
    sql: `
SELECT dt, rank, artist_name, plays, listeners, minutes_played
FROM (
  SELECT event_date AS dt, artist_name,
         COUNT(*) AS plays,
         COUNT(DISTINCT user_id) AS listeners,
         ROUND(CAST(SUM(ms_played) AS DOUBLE) / 60000, 1) AS minutes_played,
         ROW_NUMBER() OVER (PARTITION BY event_date ORDER BY SUM(ms_played) DESC, artist_name) AS rank
  FROM listening_events
  WHERE artist_name IS NOT NULL
  GROUP BY event_date, artist_name
) ranked
WHERE rank <= 10
ORDER BY dt, rank`,
  },
  {
    name: 'listening-hours-by-country',
    description: 'Listening hours and listeners per connection country',
    sql: `
SELECT conn_country AS country,
       ROUND(CAST(SUM(ms_played) AS DOUBLE) / 3600000, 2) AS hours_played,
       COUNT(*) AS plays,
       COUNT(DISTINCT user_id) AS listeners
FROM listening_events
GROUP BY conn_country
ORDER BY hours_played DESC, country`,
  },
  {
    name: 'listening-by-hour-of-day',
    description: 'Plays and listening hours per UTC hour of day',
    sql: `
SELECT event_hour AS hour_of_day,
       COUNT(*) AS plays,
       ROUND(CAST(SUM(ms_played) AS DOUBLE) / 3600000, 2) AS hours_played
FROM listening_events
GROUP BY event_hour
ORDER BY hour_of_day`,
  },
  {
    name: 'skip-rate-by-platform',
    description: 'Share of plays skipped, per platform family',
    sql: `
SELECT platform_family,
       COUNT(*) AS plays,
       ROUND(CAST(SUM(CASE WHEN is_skip THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*), 4) AS skip_rate
FROM listening_events
GROUP BY platform_family
ORDER BY skip_rate DESC, platform_family`,
  },
  {
    name: 'skip-rate-by-reason-start',
    description: 'Share of plays skipped, per reason_start',
    sql: `
SELECT COALESCE(NULLIF(reason_start, ''), '(none)') AS reason_start,
       COUNT(*) AS plays,
       ROUND(CAST(SUM(CASE WHEN is_skip THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*), 4) AS skip_rate
FROM listening_events
GROUP BY COALESCE(NULLIF(reason_start, ''), '(none)')
ORDER BY plays DESC, reason_start`,
  },
  {
    name: 'completion-by-genre',
    description: 'Average share of the track played, per genre (joins the tracks dimension)',
    sql: `
SELECT t.genre,
       COUNT(*) AS plays,
       ROUND(CAST(SUM(CAST(LEAST(CAST(e.ms_played AS DOUBLE) / t.duration_ms, CAST(1 AS DOUBLE)) AS DECIMAL(18, 6))) AS DOUBLE) / COUNT(*), 4) AS avg_completion,
       ROUND(CAST(SUM(CASE WHEN e.is_skip THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*), 4) AS skip_rate
FROM listening_events e
JOIN tracks t ON t.uri = e.track_uri
WHERE t.duration_ms > 0
GROUP BY t.genre
ORDER BY plays DESC, t.genre`,
  },
  {
    name: 'podcast-vs-music',
    description: 'Share of plays and listening time by content type (track, episode, audiobook)',
    sql: `
SELECT content_type,
       COUNT(*) AS plays,
       ROUND(CAST(SUM(ms_played) AS DOUBLE) / 3600000, 2) AS hours_played,
       ROUND(CAST(SUM(ms_played) AS DOUBLE) / SUM(SUM(ms_played)) OVER (), 4) AS share_of_time
FROM listening_events
GROUP BY content_type
ORDER BY hours_played DESC, content_type`,
  },
  {
    name: 'new-vs-repeat',
    description: 'Per day, plays of tracks the user had never played before vs repeats',
    sql: `
SELECT dt,
       SUM(CASE WHEN play_number = 1 THEN 1 ELSE 0 END) AS new_plays,
       SUM(CASE WHEN play_number > 1 THEN 1 ELSE 0 END) AS repeat_plays,
       ROUND(CAST(SUM(CASE WHEN play_number > 1 THEN 1 ELSE 0 END) AS DOUBLE) / COUNT(*), 4) AS repeat_share
FROM (
  SELECT event_date AS dt, ROW_NUMBER() OVER (PARTITION BY user_id, track_uri ORDER BY ts, event_id) AS play_number
  FROM listening_events
  WHERE track_uri IS NOT NULL
) plays
GROUP BY dt
ORDER BY dt`,
  },
];

export function savedQuery(name: string): SavedQuery {
  const query = SAVED_QUERIES.find((q) => q.name === name);
  if (!query) {
    throw new PipelineError('QUERY_FAILED', `no saved query named ${name}; saved queries: ${SAVED_QUERIES.map((q) => q.name).join(', ')}`);
  }
  return query;
}
