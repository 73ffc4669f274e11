import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { listeningEventCanonicalForm, listeningEventCanonicalMatcher, type StagedFileManifest } from '@spotify-pipeline/shared/schemas';

const PLATFORMS = ['android', 'ios', 'windows', 'osx', 'web_player windows 10;chrome 120', 'Android OS 9 API 28 (samsung, SM-G960F)', 'linux'];
const REASONS_END = ['trackdone', 'fwdbtn', 'backbtn', 'endplay', 'logout'];
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

function trackId(n: number): string {
  let out = '';
  for (let i = 0; i < 22; i++) out += BASE62[(n * 31 + i * 7 + ((n >> i) & 15)) % 62];
  return out;
}

/** One Spotify-like ListeningEvent line (about 600 bytes, like the real export rows). */
export function eventLine(i: number, startMs: number): string {
  const track = (i * 2_654_435_761) % 200_000;
  return JSON.stringify({
    schema_version: 1,
    event_id: `bench-${i.toString(36).padStart(10, '0')}-${(i * 7919).toString(16)}`,
    ts: new Date(startMs + i * 137).toISOString(),
    user_id: `user-${i % 5_003}`,
    platform: PLATFORMS[i % PLATFORMS.length],
    ms_played: (i * 7_001) % 300_000,
    conn_country: ['SE', 'US', 'DE', 'BR', 'GB', 'ZZ'][i % 6],
    track_uri: `spotify:track:${trackId(track)}`,
    track_name: `Track name number ${track}`,
    artist_name: `Artist ${track % 9_001}`,
    album_name: `Album title ${track % 30_011}`,
    episode_name: null,
    episode_show_name: null,
    episode_uri: null,
    audiobook_title: null,
    audiobook_uri: null,
    audiobook_chapter_uri: null,
    audiobook_chapter_title: null,
    reason_start: 'clickrow',
    reason_end: REASONS_END[i % REASONS_END.length],
    shuffle: i % 2 === 0,
    skipped: i % 9 === 0,
    offline: false,
    offline_timestamp: i % 3 === 0 ? 1_700_000_000_000 + i : null,
    incognito_mode: false,
    session_id: `session-${Math.floor(i / 20)}`,
  });
}

/**
 * Writes staged objects exactly as the sink does (NDJSON.gz + manifest), `perObject` events each,
 * vouched for (`canonical_form`) when every line is in the canonical form, as the sink checks it.
 */
export async function writeStagedObjects(dir: string, total: number, perObject: number): Promise<StagedFileManifest[]> {
  const manifests: StagedFileManifest[] = [];
  const canonical = listeningEventCanonicalMatcher();
  const startMs = Date.parse('2026-11-20T00:00:00Z');
  for (let first = 0; first < total; first += perObject) {
    const count = Math.min(perObject, total - first);
    const lines: string[] = [];
    for (let i = first; i < first + count; i++) lines.push(eventLine(i, startMs));
    const body = gzipSync(lines.join('\n') + '\n', { level: 1 });
    const key = `listening-events+0+${String(first).padStart(20, '0')}+${String(first + count - 1).padStart(20, '0')}.ndjson.gz`;
    await writeFile(join(dir, key), body);
    manifests.push({
      schema_version: 1,
      bucket: dir,
      key,
      size_bytes: body.length,
      sha256: createHash('sha256').update(body).digest('hex'),
      record_count: count,
      source: { topic: 'listening-events', partition: 0, first_offset: first, last_offset: first + count - 1 },
      format: 'ndjson',
      compression: 'gzip',
      event_time_min_ms: startMs + first * 137,
      event_time_max_ms: startMs + (first + count - 1) * 137,
      written_at_ms: startMs,
      ...(lines.every((line) => canonical.match(line) !== undefined) ? { canonical_form: listeningEventCanonicalForm() } : {}),
    });
  }
  return manifests;
}
