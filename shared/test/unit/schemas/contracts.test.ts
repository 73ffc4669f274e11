import { fromKafkaHeaders, listeningEventV1, stagedFileManifestV1, toKafkaHeaders, trackV1 } from '@spotify-pipeline/shared/schemas';

const validEvent = {
  schema_version: 1,
  event_id: 'evt-0000000001',
  ts: '2024-08-02T22:44:10Z',
  user_id: 'user-1',
  platform: 'android',
  ms_played: 183_000,
  conn_country: 'SE',
  track_uri: 'spotify:track:4uLU6hMCjMI75M1A2tKUQC',
  track_name: 'Never Gonna Give You Up',
  artist_name: 'Rick Astley',
  album_name: 'Whenever You Need Somebody',
  episode_name: null,
  episode_show_name: null,
  episode_uri: null,
  audiobook_title: null,
  audiobook_uri: null,
  audiobook_chapter_uri: null,
  audiobook_chapter_title: null,
  reason_start: 'trackdone',
  reason_end: 'trackdone',
  shuffle: false,
  skipped: null,
  offline: false,
  offline_timestamp: null,
  incognito_mode: false,
  session_id: 's-1',
};

describe('ListeningEvent v1', () => {
  it('accepts a Spotify-shaped event and nulls for podcast fields', () => {
    expect(listeningEventV1.safeParse(validEvent).success).toBe(true);
  });
  it.each([
    ['a local-time timestamp', { ts: '2024-08-02 22:44' }, 'ts'],
    ['a negative ms_played', { ms_played: -1 }, 'ms_played'],
    ['a lower-case country', { conn_country: 'se' }, 'conn_country'],
    ['a malformed track uri', { track_uri: 'spotify:track:short' }, 'track_uri'],
    ['another schema version', { schema_version: 2 }, 'schema_version'],
  ])('rejects %s, naming the field', (_label, patch, field) => {
    const result = listeningEventV1.safeParse({ ...validEvent, ...patch });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path).toEqual([field]);
  });
  it('strips fields the lake must not hold (ip addresses are not part of the contract)', () => {
    const parsed = listeningEventV1.parse({ ...validEvent, ip_addr: '10.0.0.1' });
    expect('ip_addr' in parsed).toBe(false);
  });
});

describe('Track v1', () => {
  it('bounds the audio features as the Web API does', () => {
    const track = {
      schema_version: 1, track_id: '4uLU6hMCjMI75M1A2tKUQC', uri: 'spotify:track:4uLU6hMCjMI75M1A2tKUQC', name: 'x', artist_id: 'a',
      artist_name: 'A', album_id: 'b', album_name: 'B', release_date: '1987-11-12', duration_ms: 213_000, explicit: false, popularity: 80,
      genre: 'pop', isrc: null, danceability: 0.7, energy: 0.9, key: 8, loudness: -11.9, mode: 1, speechiness: 0.05, acousticness: 0.1,
      instrumentalness: 0, liveness: 0.1, valence: 0.9, tempo: 113.3, time_signature: 4, updated_at: '2024-01-01T00:00:00Z',
    };
    expect(trackV1.safeParse(track).success).toBe(true);
    expect(trackV1.safeParse({ ...track, key: 12 }).success).toBe(false);
    expect(trackV1.safeParse({ ...track, time_signature: 2 }).success).toBe(false);
  });
});

describe('DLQ headers', () => {
  it('round-trip through Kafka header form', () => {
    const headers = {
      'error.code': 'RECORD_NOT_JSON' as const,
      'error.message': 'Unexpected token',
      'source.topic': 'listening-events',
      'source.partition': 3,
      'source.offset': 42,
      'failed.stage': 'sink' as const,
    };
    const wire = toKafkaHeaders(headers).map((h) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k, Buffer.from(v)])));
    expect(fromKafkaHeaders(wire)).toEqual(headers);
  });
});

describe('StagedFileManifest v1', () => {
  it('requires a sha256 and a non-empty offset range', () => {
    const manifest = {
      schema_version: 1, bucket: 'b', key: 'k', size_bytes: 10, sha256: 'a'.repeat(64), record_count: 1,
      source: { topic: 't', partition: 0, first_offset: 5, last_offset: 5 }, format: 'ndjson', compression: 'gzip',
      event_time_min_ms: 1, event_time_max_ms: 2, written_at_ms: 3,
    };
    expect(stagedFileManifestV1.safeParse(manifest).success).toBe(true);
    expect(stagedFileManifestV1.safeParse({ ...manifest, sha256: 'nope' }).success).toBe(false);
    expect(stagedFileManifestV1.safeParse({ ...manifest, record_count: 0 }).success).toBe(false);
  });
});
