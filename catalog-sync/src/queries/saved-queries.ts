import { PipelineError } from '@spotify-pipeline/shared/errors';

export interface SavedQuery {
  name: string;
  description: string;
  sql: string;
}

/**
 * The analyst's saved queries, one SQL text for Athena (Trino) and DuckDB alike: only standard
 * SQL both share (CASE, window functions, COALESCE, LEAST, CAST AS DOUBLE), and every ORDER BY
 * ends on a unique key so both engines return the same rows in the same order.
 */
export const SAVED_QUERIES: SavedQuery[] = [
  {
    name: 'top-tracks',
    description: 'Top 10 tracks per day by plays, with listening minutes',
    sql: `
SELECT dt, rank, track_name, artist_name, plays, minutes_played
FROM (
  SELECT dt, track_name, artist_name,
         COUNT(*) AS plays,
         ROUND(SUM(ms_played) / 60000.0, 1) AS minutes_played,
         ROW_NUMBER() OVER (PARTITION BY dt ORDER BY COUNT(*) DESC, SUM(ms_played) DESC, track_uri) AS rank
  FROM listening_events
  WHERE track_uri IS NOT NULL
  GROUP BY dt, track_uri, track_name, artist_name
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
  SELECT dt, artist_name,
         COUNT(*) AS plays,
         COUNT(DISTINCT user_id) AS listeners,
         ROUND(SUM(ms_played) / 60000.0, 1) AS minutes_played,
         ROW_NUMBER() OVER (PARTITION BY dt ORDER BY SUM(ms_played) DESC, artist_name) AS rank
  FROM listening_events
  WHERE artist_name IS NOT NULL
  GROUP BY dt, artist_name
) ranked
WHERE rank <= 10
ORDER BY dt, rank`,
  },
  {
    name: 'listening-hours-by-country',
    description: 'Listening hours and listeners per connection country',
    sql: `
SELECT conn_country AS country,
       ROUND(SUM(ms_played) / 3600000.0, 2) AS hours_played,
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
       ROUND(SUM(ms_played) / 3600000.0, 2) AS hours_played
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
       ROUND(AVG(CASE WHEN is_skip THEN 1.0 ELSE 0.0 END), 4) AS skip_rate
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
       ROUND(AVG(CASE WHEN is_skip THEN 1.0 ELSE 0.0 END), 4) AS skip_rate
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
       ROUND(AVG(LEAST(CAST(e.ms_played AS DOUBLE) / t.duration_ms, 1.0)), 4) AS avg_completion,
       ROUND(AVG(CASE WHEN e.is_skip THEN 1.0 ELSE 0.0 END), 4) AS skip_rate
FROM listening_events e
JOIN tracks t ON t.uri = e.track_uri
GROUP BY t.genre
ORDER BY plays DESC, t.genre`,
  },
  {
    name: 'podcast-vs-music',
    description: 'Share of plays and listening time by content type (track, episode, audiobook)',
    sql: `
SELECT content_type,
       COUNT(*) AS plays,
       ROUND(SUM(ms_played) / 3600000.0, 2) AS hours_played,
       ROUND(SUM(ms_played) * 1.0 / SUM(SUM(ms_played)) OVER (), 4) AS share_of_time
FROM listening_events
GROUP BY content_type
ORDER BY hours_played DESC, content_type`,
  },
  {
    name: 'new-vs-repeat',
    description: "Per day, plays of tracks the user had never played before vs repeats",
    sql: `
SELECT dt,
       SUM(CASE WHEN play_number = 1 THEN 1 ELSE 0 END) AS new_plays,
       SUM(CASE WHEN play_number > 1 THEN 1 ELSE 0 END) AS repeat_plays,
       ROUND(AVG(CASE WHEN play_number > 1 THEN 1.0 ELSE 0.0 END), 4) AS repeat_share
FROM (
  SELECT dt, ROW_NUMBER() OVER (PARTITION BY user_id, track_uri ORDER BY ts, event_id) AS play_number
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
