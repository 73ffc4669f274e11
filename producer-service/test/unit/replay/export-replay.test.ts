import { join } from 'node:path';
import { listeningEventV1, LISTENING_EVENT_FIELDS, type ListeningEvent } from '@spotify-pipeline/shared/schemas';
import { exportFiles } from '../../../src/replay/export-files';
import { readElements } from '../../../src/replay/export-reader';
import { mapSourceRecord, type MapResult } from '../../../src/replay/record-mapper';

const FIXTURES = join(__dirname, '../../fixtures');
const EXTENDED = join(FIXTURES, 'spotify-export');
const ACCOUNT = join(FIXTURES, 'spotify-account-data');
const ZIP = join(FIXTURES, 'my_spotify_data.zip');

interface Mapped {
  file: string;
  index: number;
  result: MapResult;
}

async function mapAll(paths: string[], userId?: string): Promise<Mapped[]> {
  const out: Mapped[] = [];
  for await (const file of exportFiles(paths)) {
    for await (const element of readElements(await file.open())) {
      out.push({ file: file.name.split(/[/!]/).pop()!, index: element.index, result: mapSourceRecord(element.text, { userId, fallbackUserId: 'spotify-export' }) });
    }
  }
  return out;
}

const events = (mapped: Mapped[]): ListeningEvent[] => mapped.flatMap((m) => (m.result.ok ? [m.result.event] : []));
const bad = (mapped: Mapped[]): Array<[string, number, string]> =>
  mapped.flatMap((m) => (m.result.ok ? [] : [[m.file, m.index, m.result.reason] as [string, number, string]]));

describe('replay of an Extended Streaming History folder', () => {
  let mapped: Mapped[];
  beforeAll(async () => {
    mapped = await mapAll([EXTENDED]);
  });

  it('reads the audio history files in name order and ignores video history and other files', () => {
    expect([...new Set(mapped.map((m) => m.file))]).toEqual(['Streaming_History_Audio_2016-2017.json', 'Streaming_History_Audio_2024_0.json']);
  });

  it('reports each malformed row with file, index and reason, and maps the rest', () => {
    expect(bad(mapped)).toEqual([
      ['Streaming_History_Audio_2024_0.json', 6, 'NOT_AN_OBJECT'],
      ['Streaming_History_Audio_2024_0.json', 7, 'INVALID_TS'],
      ['Streaming_History_Audio_2024_0.json', 8, 'INVALID_MS_PLAYED'],
      ['Streaming_History_Audio_2024_0.json', 10, 'UNKNOWN_FORMAT'],
      ['Streaming_History_Audio_2024_0.json', 11, 'NOT_JSON'],
    ]);
    expect(events(mapped)).toHaveLength(9);
  });

  it('produces events valid against listeningEventV1, in contract field order', () => {
    for (const event of events(mapped)) {
      expect(listeningEventV1.safeParse(event).error?.issues).toBeUndefined();
      expect(Object.keys(event)).toEqual(LISTENING_EVENT_FIELDS);
    }
  });

  it('drops IP addresses, user agents and usernames; pseudonymizes the username into user_id', () => {
    const text = JSON.stringify(events(mapped));
    for (const secret of ['85.226.12.34', '93.184.216.34', 'Mozilla', 'spotifyfan1987', 'ip_addr', 'user_agent', 'username']) expect(text).not.toContain(secret);
    const old = events(mapped).filter((e) => e.ts.startsWith('2016'));
    expect(old).toHaveLength(2);
    expect(old[0]!.user_id).toMatch(/^user-[0-9a-f]{16}$/);
    expect(old[1]!.user_id).toBe(old[0]!.user_id);
    expect(events(mapped).filter((e) => e.ts.startsWith('2024')).every((e) => e.user_id === 'spotify-export')).toBe(true);
  });

  it('maps music, podcasts, audiobooks and all-null rows, keeping nulls', () => {
    const byTs = new Map(events(mapped).map((e) => [e.ts, e]));
    expect(byTs.get('2024-03-01T07:15:02.000Z')).toMatchObject({
      track_uri: 'spotify:track:0GjEhVFGZW8afUYGChu3Rr', track_name: 'Dancing Queen', artist_name: 'ABBA', album_name: 'Arrival',
      episode_uri: null, audiobook_title: null, platform: 'android', ms_played: 215000, conn_country: 'SE', offline_timestamp: 1709276887000,
      session_id: null, schema_version: 1,
    });
    expect(byTs.get('2024-03-01T07:15:09.000Z')).toMatchObject({ track_name: 'Sång "om" kärlek \\ del 2', artist_name: 'Björk & Ünïcødé', skipped: true, shuffle: true });
    expect(byTs.get('2024-03-01T08:02:44.000Z')).toMatchObject({
      track_uri: null, track_name: null, episode_name: 'Episode 12: Kafka', episode_show_name: 'Data Engineering Podcast',
      episode_uri: 'spotify:episode:5Xt5DXGzch68nYYamXrNxZ', shuffle: null,
    });
    expect(byTs.get('2024-03-01T21:40:00.000Z')).toMatchObject({ track_uri: null, episode_uri: null, audiobook_title: 'Dune', audiobook_chapter_title: 'Chapter 1', reason_end: 'logout' });
    expect(byTs.get('2024-03-02T10:00:00.000Z')).toMatchObject({ track_uri: null, track_name: null, episode_name: null, audiobook_title: null, ms_played: 0 });
  });

  it('normalizes what the contract cannot hold: local-file URIs, empty reasons, unknown country; keeps garbage offline_timestamp', () => {
    const local = events(mapped).find((e) => e.track_name === 'My Demo')!;
    expect(local).toMatchObject({ track_uri: null, artist_name: 'Me', reason_start: null, reason_end: null, conn_country: 'ZZ', offline: true, offline_timestamp: 1 });
  });

  it('keeps the old free-text platform and reads the space-separated ts as UTC', () => {
    const old = events(mapped).filter((e) => e.ts.startsWith('2016'));
    expect(old.map((e) => [e.ts, e.platform, e.skipped])).toEqual([
      ['2016-05-04T18:22:31.000Z', 'Android OS 6.0.1 API 23 (samsung, SM-G920F)', null],
      ['2016-05-04T18:25:10.000Z', 'web_player windows 10;chrome 50.0.2661.94;desktop', null],
    ]);
  });

  it('gives deterministic, distinct event ids: same record and user → same id', async () => {
    const again = await mapAll([EXTENDED]);
    const ids = events(mapped).map((e) => e.event_id);
    expect(events(again).map((e) => e.event_id)).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.every((id) => /^[0-9a-f]{64}$/.test(id))).toBe(true);
    const otherUser = await mapAll([EXTENDED], 'someone-else');
    expect(events(otherUser).map((e) => e.event_id)).not.toEqual(ids);
  });

  it('reads the same records from the zip export as from the folder', async () => {
    const fromZip = await mapAll([ZIP]);
    expect(events(fromZip)).toEqual(events(mapped));
    expect(bad(fromZip)).toEqual(bad(mapped));
  });
});

describe('replay of the older account-data export', () => {
  it('maps StreamingHistory music and podcast files: minute precision, no URIs, unknown platform', async () => {
    const mapped = await mapAll([ACCOUNT], 'me');
    expect(bad(mapped)).toEqual([['StreamingHistory_music_0.json', 2, 'INVALID_TS']]);
    const out = events(mapped);
    expect(out).toHaveLength(5);
    expect(out[0]).toMatchObject({
      ts: '2024-08-02T22:44:00.000Z', artist_name: 'Fleetwood Mac', track_name: 'Dreams', ms_played: 257800, track_uri: null,
      album_name: null, platform: 'unknown', conn_country: 'ZZ', user_id: 'me', reason_start: null, shuffle: null, offline: null,
    });
    expect(out[3]).toMatchObject({ episode_show_name: 'The Daily', episode_name: 'A big day in court', track_name: null, artist_name: null, episode_uri: null });
    for (const event of out) {
      expect(listeningEventV1.safeParse(event).success).toBe(true);
      expect(Object.keys(event)).toEqual(LISTENING_EVENT_FIELDS);
    }
  });
});
