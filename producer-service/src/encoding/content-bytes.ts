/**
 * The content fields of an event (`track_uri` … `audiobook_chapter_title`) as UTF-8 JSON, made
 * once per episode or chapter rather than per event, and the null fields that follow a track's, an
 * episode's or a chapter's own: the encoder copies these bytes (play-encoder.ts). A catalog track's
 * own fields are written by the catalog from pre-encoded words (simulator/virtual-catalog.ts).
 * JSON.stringify writes every string, so any character is escaped as `JSON.stringify(play.event)` does.
 */
const q = JSON.stringify;

const NO_MUSIC_JSON = '"track_uri":null,"track_name":null,"artist_name":null,"album_name":null';
const NO_EPISODE_JSON = '"episode_name":null,"episode_show_name":null,"episode_uri":null';
const NO_AUDIOBOOK_JSON = '"audiobook_title":null,"audiobook_uri":null,"audiobook_chapter_uri":null,"audiobook_chapter_title":null';

/** Content fields of a play with no known content (a track since removed). */
export const UNKNOWN_CONTENT_BYTES = Buffer.from(`${NO_MUSIC_JSON},${NO_EPISODE_JSON},${NO_AUDIOBOOK_JSON}`);

/**
 * The null fields after a track's, an episode's or a chapter's own: the same for all of them, so
 * kept once here rather than in each one's bytes. That halves the catalog's bytes, and the
 * encoder's copy of them, which on a catalog bigger than the CPU caches is mostly cache misses.
 */
export const TRACK_CONTENT_TAIL = Buffer.from(`,${NO_EPISODE_JSON},${NO_AUDIOBOOK_JSON}`);
export const EPISODE_CONTENT_TAIL = Buffer.from(`,${NO_AUDIOBOOK_JSON}`);
export const NO_CONTENT_TAIL = Buffer.alloc(0);

/** An episode's content fields up to its own; EPISODE_CONTENT_TAIL follows. */
export function episodeContentBytes(uri: string, name: string, show: string): Buffer {
  return Buffer.from(`${NO_MUSIC_JSON},"episode_name":${q(name)},"episode_show_name":${q(show)},"episode_uri":${q(uri)}`);
}

/** An audiobook chapter's content fields: every one of them (NO_CONTENT_TAIL follows). */
export function audiobookContentBytes(bookUri: string, title: string, chapterUri: string, chapterTitle: string): Buffer {
  return Buffer.from(
    `${NO_MUSIC_JSON},${NO_EPISODE_JSON},"audiobook_title":${q(title)},"audiobook_uri":${q(bookUri)},"audiobook_chapter_uri":${q(chapterUri)},"audiobook_chapter_title":${q(chapterTitle)}`,
  );
}

/**
 * The event's last field value and closing brace for plays with no artist id (podcasts, audiobooks,
 * local files, removed tracks); a track's artist writes its own `"spotify:artist:…"}` (simulator/artists.ts).
 */
export const NO_ARTIST_TAIL = Buffer.from('null}');
