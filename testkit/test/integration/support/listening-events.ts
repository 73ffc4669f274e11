import type { ListeningEvent } from '@spotify-pipeline/shared/schemas';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A deterministic 22-character base62 id, the shape of Spotify's track ids. */
function base62Id(seed: number): string {
  let out = '';
  let x = seed * 2_654_435_761 + 12_345;
  for (let i = 0; i < 22; i++) {
    out += BASE62[Math.abs(x) % 62];
    x = Math.floor(x / 7) + i * 31 + seed;
  }
  return out;
}

const PLATFORMS = ['android', 'ios', 'windows', 'osx', 'web_player windows 10;chrome 120', 'linux'];
const REASONS_END = ['trackdone', 'fwdbtn', 'backbtn', 'endplay', 'logout', null];

/**
 * A valid ListeningEvent v1, unique per (`run`, `i`), its `ts` spread over `spreadMs` from
 * `startMs`. The tests check a sample against the contract (shared/schemas), so this stays valid.
 */
export function listeningEvent(run: string, i: number, startMs: number, spreadMs: number): ListeningEvent {
  return {
    schema_version: 1,
    event_id: `${run}-${String(i).padStart(8, '0')}`,
    ts: new Date(startMs + ((i * 7_919) % spreadMs)).toISOString(),
    user_id: `user-${i % 97}`,
    platform: PLATFORMS[i % PLATFORMS.length]!,
    ms_played: (i * 7_001) % 300_000,
    conn_country: ['SE', 'US', 'DE', 'BR', 'ZZ'][i % 5]!,
    track_uri: `spotify:track:${base62Id(i % 50)}`,
    track_name: `Track ${i % 50}`,
    artist_name: `Artist ${i % 13}`,
    album_name: `Album ${i % 21}`,
    episode_name: null,
    episode_show_name: null,
    episode_uri: null,
    audiobook_title: null,
    audiobook_uri: null,
    audiobook_chapter_uri: null,
    audiobook_chapter_title: null,
    reason_start: 'clickrow',
    reason_end: REASONS_END[i % REASONS_END.length]!,
    shuffle: i % 2 === 0,
    skipped: i % 11 === 0 ? true : null,
    offline: false,
    offline_timestamp: null,
    incognito_mode: false,
    session_id: `s-${i % 29}`,
  };
}
