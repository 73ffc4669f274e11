import type { ListeningEvent } from '@spotify-pipeline/shared/schemas';

// Characters JSON must escape, plus lone surrogates (JSON.stringify escapes those since ES2019).
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function str(value: string | null): string {
  if (value === null) return 'null';
  return NEEDS_ESCAPE.test(value) ? JSON.stringify(value) : `"${value}"`;
}

function bool(value: boolean | null): string {
  return value === null ? 'null' : value ? 'true' : 'false';
}

function num(value: number | null): string {
  return value === null ? 'null' : String(value);
}

/**
 * Serializes a ListeningEvent in contract field order with a fixed template: about three times
 * faster than JSON.stringify on these records, which makes it the producer's hot path. The output
 * is byte-for-byte what JSON.stringify gives for an object with keys in contract order (a unit test
 * holds the two to parity), so consumers see ordinary JSON.
 */
export function encodeListeningEvent(e: ListeningEvent): string {
  return (
    `{"schema_version":${e.schema_version},"event_id":${str(e.event_id)},"ts":${str(e.ts)},"user_id":${str(e.user_id)}` +
    `,"platform":${str(e.platform)},"ms_played":${num(e.ms_played)},"conn_country":${str(e.conn_country)}` +
    `,"track_uri":${str(e.track_uri)},"track_name":${str(e.track_name)},"artist_name":${str(e.artist_name)},"album_name":${str(e.album_name)}` +
    `,"episode_name":${str(e.episode_name)},"episode_show_name":${str(e.episode_show_name)},"episode_uri":${str(e.episode_uri)}` +
    `,"audiobook_title":${str(e.audiobook_title)},"audiobook_uri":${str(e.audiobook_uri)}` +
    `,"audiobook_chapter_uri":${str(e.audiobook_chapter_uri)},"audiobook_chapter_title":${str(e.audiobook_chapter_title)}` +
    `,"reason_start":${str(e.reason_start)},"reason_end":${str(e.reason_end)},"shuffle":${bool(e.shuffle)},"skipped":${bool(e.skipped)}` +
    `,"offline":${bool(e.offline)},"offline_timestamp":${num(e.offline_timestamp)},"incognito_mode":${bool(e.incognito_mode)}` +
    `,"session_id":${str(e.session_id)}}`
  );
}
