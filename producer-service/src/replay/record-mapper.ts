import { createHash } from 'node:crypto';
import type { ListeningEvent } from '@spotify-pipeline/shared/schemas';
import { replayEventId } from './event-id.js';

/** Why a source record was not turned into an event (bounded: these are metric labels). */
export type BadRecordReason =
  | 'NOT_JSON'
  | 'NOT_AN_OBJECT'
  | 'UNKNOWN_FORMAT'
  | 'INVALID_TS'
  | 'INVALID_MS_PLAYED'
  | 'TRUNCATED_FILE'
  /** The rest of a file (or zip entry) could not be read: corrupt compressed data, a read error. */
  | 'UNREADABLE_FILE'
  | 'TOO_LARGE'
  /** Mapped, but the event is over the pipeline's message limit (KAFKA_MESSAGE_MAX_BYTES): no producer could send it. */
  | 'EVENT_TOO_LARGE'
  | 'TOO_DEEP'
  | 'INVALID_UTF8';

export type MapResult = { ok: true; event: ListeningEvent; eventTimeMs: number } | { ok: false; reason: BadRecordReason; detail: string };

export interface MapperOptions {
  /** user_id for every record; when unset, a pseudonym derived from the export's username. */
  userId?: string;
  /** Used when neither `userId` nor a username in the record is available. */
  fallbackUserId: string;
}

const TRACK_URI = /^spotify:track:[0-9A-Za-z]{22}$/;
const EPISODE_URI = /^spotify:episode:[0-9A-Za-z]{22}$/;
const COUNTRY = /^[A-Z]{2}$/;
/** `2014-07-27T20:34:47Z`, `2014-07-27 20:34:47` (UTC), or the account export's `2024-08-02 22:44`. */
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2})(:\d{2}(\.\d+)?)?(Z|[+-]00:?00)?$/;

const text = (value: unknown): string | null => (typeof value === 'string' && value.length > 0 ? value : null);
const flag = (value: unknown): boolean | null => (typeof value === 'boolean' ? value : null);

function parseTimestamp(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const match = TIMESTAMP.exec(value.trim());
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}T${match[2]}${match[3] ?? ':00'}Z`);
  return Number.isFinite(ms) ? ms : undefined;
}

function parseMsPlayed(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : undefined;
}

function userIdFor(record: Record<string, unknown>, options: MapperOptions): string {
  if (options.userId) return options.userId;
  const username = text(record.username);
  // The export's username is personal data: keep a stable pseudonym, never the name itself.
  if (username) return `user-${createHash('sha256').update(username).digest('hex').slice(0, 16)}`;
  return options.fallbackUserId;
}

const NO_CONTENT = {
  track_uri: null, track_name: null, artist_name: null, album_name: null,
  episode_name: null, episode_show_name: null, episode_uri: null,
  audiobook_title: null, audiobook_uri: null, audiobook_chapter_uri: null, audiobook_chapter_title: null,
} as const;

/**
 * Extended Streaming History (`Streaming_History_Audio_*.json`, older `endsong_*.json`). Nulls stay
 * null (podcast and audiobook rows, removed tracks); `""` reasons become null; IP address, user
 * agent and username are dropped; a non-Spotify URI (local files) becomes a null URI, names kept.
 */
function fromExtended(record: Record<string, unknown>, options: MapperOptions): MapResult {
  const eventTimeMs = parseTimestamp(record.ts);
  if (eventTimeMs === undefined) return { ok: false, reason: 'INVALID_TS', detail: `ts ${JSON.stringify(record.ts)} is not a UTC timestamp` };
  const msPlayed = parseMsPlayed(record.ms_played);
  if (msPlayed === undefined) return { ok: false, reason: 'INVALID_MS_PLAYED', detail: `ms_played ${JSON.stringify(record.ms_played)} is not a non-negative number` };
  const userId = userIdFor(record, options);
  const trackUri = text(record.spotify_track_uri);
  const episodeUri = text(record.spotify_episode_uri);
  const country = text(record.conn_country);
  const offlineTimestamp = record.offline_timestamp;
  return {
    ok: true,
    eventTimeMs,
    event: {
      schema_version: 1,
      event_id: replayEventId(userId, record),
      ts: new Date(eventTimeMs).toISOString(),
      user_id: userId,
      platform: (text(record.platform)?.trim() || 'unknown').slice(0, 256),
      ms_played: msPlayed,
      conn_country: country && COUNTRY.test(country) ? country : 'ZZ',
      track_uri: trackUri && TRACK_URI.test(trackUri) ? trackUri : null,
      track_name: text(record.master_metadata_track_name),
      artist_name: text(record.master_metadata_album_artist_name),
      album_name: text(record.master_metadata_album_album_name),
      episode_name: text(record.episode_name),
      episode_show_name: text(record.episode_show_name),
      episode_uri: episodeUri && EPISODE_URI.test(episodeUri) ? episodeUri : null,
      audiobook_title: text(record.audiobook_title),
      audiobook_uri: text(record.audiobook_uri),
      audiobook_chapter_uri: text(record.audiobook_chapter_uri),
      audiobook_chapter_title: text(record.audiobook_chapter_title),
      reason_start: text(record.reason_start),
      reason_end: text(record.reason_end),
      shuffle: flag(record.shuffle),
      skipped: flag(record.skipped),
      offline: flag(record.offline),
      // Garbage values exist in real exports; the contract keeps them as data if they are integers.
      offline_timestamp: typeof offlineTimestamp === 'number' && Number.isFinite(offlineTimestamp) ? Math.trunc(offlineTimestamp) : null,
      incognito_mode: flag(record.incognito_mode),
      session_id: null,
      // Exports name the artist but carry no artist id.
      artist_uri: null,
    },
  };
}

/**
 * The older account-data export (`StreamingHistory*.json`, `StreamingHistory_music_*`,
 * `StreamingHistory_podcast_*`): minute precision, taken as UTC; no URIs, platform or country.
 */
function fromAccountData(record: Record<string, unknown>, options: MapperOptions): MapResult {
  const eventTimeMs = parseTimestamp(record.endTime);
  if (eventTimeMs === undefined) return { ok: false, reason: 'INVALID_TS', detail: `endTime ${JSON.stringify(record.endTime)} is not a timestamp` };
  const msPlayed = parseMsPlayed(record.msPlayed);
  if (msPlayed === undefined) return { ok: false, reason: 'INVALID_MS_PLAYED', detail: `msPlayed ${JSON.stringify(record.msPlayed)} is not a non-negative number` };
  const userId = userIdFor(record, options);
  const podcast = text(record.podcastName) !== null || text(record.episodeName) !== null;
  return {
    ok: true,
    eventTimeMs,
    event: {
      schema_version: 1,
      event_id: replayEventId(userId, record),
      ts: new Date(eventTimeMs).toISOString(),
      user_id: userId,
      platform: 'unknown',
      ms_played: msPlayed,
      conn_country: 'ZZ',
      ...NO_CONTENT,
      ...(podcast
        ? { episode_show_name: text(record.podcastName), episode_name: text(record.episodeName) }
        : { track_name: text(record.trackName), artist_name: text(record.artistName) }),
      reason_start: null,
      reason_end: null,
      shuffle: null,
      skipped: null,
      offline: null,
      offline_timestamp: null,
      incognito_mode: null,
      session_id: null,
      artist_uri: null,
    },
  };
}

/** Parses one element's text and maps it by the format its fields reveal. */
export function mapSourceRecord(raw: string, options: MapperOptions): MapResult {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    return { ok: false, reason: 'NOT_JSON', detail: (err as Error).message };
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    return { ok: false, reason: 'NOT_AN_OBJECT', detail: `element is ${Array.isArray(parsed) ? 'an array' : String(parsed === null ? 'null' : typeof parsed)}` };
  }
  const record = parsed as Record<string, unknown>;
  if ('ts' in record) return fromExtended(record, options);
  if ('endTime' in record) return fromAccountData(record, options);
  return { ok: false, reason: 'UNKNOWN_FORMAT', detail: `no ts or endTime field (keys: ${Object.keys(record).slice(0, 6).join(', ')})` };
}
