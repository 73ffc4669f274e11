import { z } from 'zod';

/** Spotify's `reason_start` / `reason_end` vocabulary; unknown values are data, not errors. */
export const REASON_START_VALUES = ['appload', 'backbtn', 'clickrow', 'clickside', 'fwdbtn', 'playbtn', 'popup', 'remote', 'trackdone', 'trackerror', 'unknown', 'uriopen'] as const;
export const REASON_END_VALUES = [...REASON_START_VALUES, 'endplay', 'logout', 'unexpected-exit', 'unexpected-exit-while-paused'] as const;

const nullableText = z.string().nullable();

/**
 * `listening-events` value, v1: one stream (a playback that stopped), modelled on Spotify's
 * Extended Streaming History. Key = user_id, Kafka timestamp = `ts`.
 * Personal data of the export (ip_addr, user_agent_decrypted, username) has no field here on purpose.
 */
export const listeningEventV1 = z.object({
  schema_version: z.literal(1).describe('contract version'),
  event_id: z.string().min(8).max(128).describe('unique per stream; deterministic hash for replayed exports'),
  ts: z.iso.datetime({ offset: false }).describe('UTC instant playback stopped, ISO 8601 with Z'),
  user_id: z.string().min(1).max(128),
  platform: z.string().min(1).max(256).describe('android, ios, windows, osx, linux, web_player, ... or old free text'),
  ms_played: z.number().int().min(0),
  conn_country: z.string().regex(/^[A-Z]{2}$/, 'ISO 3166-1 alpha-2, ZZ when unknown'),
  track_uri: z.string().regex(/^spotify:track:[0-9A-Za-z]{22}$/).nullable(),
  track_name: nullableText,
  artist_name: nullableText,
  album_name: nullableText,
  episode_name: nullableText,
  episode_show_name: nullableText,
  episode_uri: z.string().regex(/^spotify:episode:[0-9A-Za-z]{22}$/).nullable(),
  audiobook_title: nullableText,
  audiobook_uri: nullableText,
  audiobook_chapter_uri: nullableText,
  audiobook_chapter_title: nullableText,
  reason_start: nullableText,
  reason_end: nullableText,
  shuffle: z.boolean().nullable(),
  skipped: z.boolean().nullable(),
  offline: z.boolean().nullable(),
  offline_timestamp: z.number().int().nullable().describe('Unix ms; garbage values exist in real exports'),
  incognito_mode: z.boolean().nullable(),
  session_id: z.string().max(128).nullable(),
  // Added after v1's first fields: appended so every earlier column keeps its lake position (Iceberg
  // field id), and optional so lines written before it (and exports, which have no artist id) still validate.
  artist_uri: z
    .string()
    .regex(/^spotify:artist:[0-9A-Za-z]{22}$/)
    .nullable()
    .optional()
    .describe('the artist of track_uri, spotify:artist:<22 base62>; null or absent when unknown (exports carry only artist_name)'),
});

export type ListeningEvent = z.output<typeof listeningEventV1>;

/** Field names in contract order: the column order of the lake table. */
export const LISTENING_EVENT_FIELDS = Object.keys(listeningEventV1.shape) as (keyof ListeningEvent)[];
